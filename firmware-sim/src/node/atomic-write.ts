/**
 * Crash-safe file replacement: the new bytes go to a temp file beside the target, are fsynced, renamed over the
 * target, and the directory is fsynced, so a power cut leaves the old file or the new one, never a mix.
 * The temp file has a random name and is created exclusively with mode 0600: a file or link someone planted
 * in the directory can neither become the target nor receive its bytes.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Every temp file of `path` starts with this name. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.tmp-`;
}

/** Writes `bytes` to a new temp file beside `path` (fsynced, mode 0600) and returns the temp file's path. */
export async function writeTempFile(path: string, bytes: Uint8Array): Promise<string> {
  const temp = join(dirname(path), `${tempPrefix(path)}${randomBytes(16).toString('hex')}`);
  // 'wx' is O_CREAT | O_EXCL: fails on any existing file or symbolic link rather than writing through it.
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return temp;
}

/** Replaces `path` with `bytes` atomically and durably; the file ends up with mode 0600. */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = await writeTempFile(path, bytes);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Removes temp files a crash left behind beside `path`; call it before anything else writes `path`. */
export async function removeStaleTempFiles(path: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  const prefix = tempPrefix(path);
  await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(join(dirname(path), name), { force: true })));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
