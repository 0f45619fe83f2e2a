/**
 * A bundle on disk (docs/design/sealed-provisioning.md "Bundle"): bundle.json and items/SERIAL.jsonl, in the
 * formats of @hkey/protocol's bundle.ts. Reading checks every items file against the manifest's SHA-256, so a
 * file cut short or edited is noticed before any key is touched.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BundleItem,
  type BundleManifest,
  HkeyError,
  type KeyIdentityEntry,
  parseBundleItems,
  parseBundleManifest,
  serializeBundleItems,
  serializeBundleManifest,
} from '@hkey/protocol';
import { CliError } from '../cli-error.js';

export interface Bundle {
  readonly manifest: BundleManifest;
  /** Each key's items in file order. */
  readonly items: ReadonlyMap<string, readonly BundleItem[]>;
}

const sha256 = (text: string): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest());
const itemsPath = (dir: string, serial: string): string => join(dir, 'items', `${serial}.jsonl`);

/** Writes a new bundle; a directory that already holds one is refused (a bundle is never rewritten in place). */
export async function writeBundle(
  dir: string,
  manifest: Omit<BundleManifest, 'keys'>,
  keys: readonly (KeyIdentityEntry & { readonly list: readonly BundleItem[] })[],
): Promise<BundleManifest> {
  await mkdir(join(dir, 'items'), { recursive: true });
  if ((await readdir(join(dir, 'items'))).length > 0 || (await readdir(dir)).includes('bundle.json')) {
    throw new CliError('USAGE_BUNDLE_EXISTS', `${dir} already holds a bundle: choose an empty --out directory.`);
  }
  const entries = [];
  for (const { serial, kemPublicKey, signingPublicKey, chain, list } of keys) {
    const text = serializeBundleItems(list);
    await writeFile(itemsPath(dir, serial), text, { flag: 'wx' });
    entries.push({ serial, kemPublicKey, signingPublicKey, chain, items: list.length, sha256: sha256(text) });
  }
  const complete = { ...manifest, keys: entries };
  // The manifest last: a bundle without one is visibly unfinished.
  await writeFile(join(dir, 'bundle.json'), serializeBundleManifest(complete), { flag: 'wx' });
  return complete;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new CliError('BUNDLE_UNREADABLE', `Cannot read ${what} ${path}: check the bundle directory.`);
  }
}

function parse<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof HkeyError) throw new CliError(error.code, `${path}: ${error.message}`);
    throw error;
  }
}

export async function readBundle(dir: string): Promise<Bundle> {
  const manifestPath = join(dir, 'bundle.json');
  const manifestText = await readText(manifestPath, 'the bundle manifest');
  const manifest = parse(manifestPath, () => parseBundleManifest(manifestText));
  const items = new Map<string, readonly BundleItem[]>();
  for (const key of manifest.keys) {
    const path = itemsPath(dir, key.serial);
    const text = await readText(path, 'the items file');
    if (Buffer.compare(Buffer.from(sha256(text)), Buffer.from(key.sha256)) !== 0) {
      throw new CliError('BUNDLE_CHANGED', `${path} differs from what bundle.json records for it: copy the bundle again from the issuer.`);
    }
    const list = parse(path, () => parseBundleItems(text, key.serial));
    if (list.length !== key.items) throw new CliError('BUNDLE_MALFORMED', `${path} holds another number of items than bundle.json records.`);
    items.set(key.serial, list);
  }
  return { manifest, items };
}
