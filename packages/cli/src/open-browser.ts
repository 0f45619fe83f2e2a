/**
 * `hkey sim --open`: the dashboard in the default browser, best effort. The address carries the control token, and
 * a command line is visible to every local user (ps), so the browser is handed a file only this user can read,
 * which forwards to the address; the file goes when the simulator stops.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const OPENER_GRACE_MS = 3000;

export interface OpenedPage {
  /** Removes the forwarding file. */
  close(): Promise<void>;
}

function opener(file: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [file]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', file]];
  return ['xdg-open', [file]];
}

/** Resolves false when no browser could be started (no desktop, no xdg-open); never throws. */
export async function openInBrowser(url: string): Promise<{ opened: boolean; page?: OpenedPage }> {
  let directory: string | undefined;
  try {
    directory = await mkdtemp(join(tmpdir(), 'hkey-dashboard-'));
    const file = join(directory, 'open.html');
    const escaped = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
    await writeFile(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${escaped}"><title>hkey dashboard</title>`, {
      mode: 0o600,
    });
    const [command, args] = opener(pathToFileURL(file).href);
    const opened = await new Promise<boolean>((resolve) => {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      // xdg-open and open exit at once, non-zero when they found no browser; one that keeps running has started it.
      const started = setTimeout(() => resolve(true), OPENER_GRACE_MS);
      const settle = (ok: boolean): void => {
        clearTimeout(started);
        resolve(ok);
      };
      child.once('error', () => settle(false));
      child.once('exit', (code) => settle(code === 0));
      child.unref();
    });
    const created = directory;
    return { opened, page: { close: () => rm(created, { recursive: true, force: true }) } };
  } catch {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    return { opened: false };
  }
}
