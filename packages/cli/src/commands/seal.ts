/**
 * `hkey seal` (run where the secrets are): turns a batch (the CSV or JSON of `hkey provision`, every row naming its
 * key's serial) into a bundle of items each encrypted to its key and signed by the issuer (docs/design/
 * sealed-provisioning.md). Every key of the inventory must prove its identity under the manufacturer root first;
 * sequence numbers continue from the issuer's FILE.sequences.json. The bundle holds no secret in clear.
 */
import {
  type BundleItem,
  Commands,
  type InventoryEntry,
  type RequestOf,
  encodeMap,
  encodeSealedOperation,
  issuerIdOf,
  parseInventory,
  sealItem,
  toBase64Url,
} from '@hkey/protocol';
import { readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { type BatchRow, readBatch } from '../provision/batch-file.js';
import { writeBundle } from '../sealed/bundle-dir.js';
import { loadManufacturerRoot, verifyKeyIdentity } from '../sealed/identity-trust.js';
import { issuerPassphrase, readIssuerKey } from '../sealed/issuer-key.js';
import { IssuerSequences, sequencesPath } from '../sealed/issuer-sequences.js';

export interface SealOptions {
  issuer: string;
  inventory: string;
  out: string;
  validFor: number;
  manufacturerCa?: string;
}

async function readInventory(path: string): Promise<InventoryEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError('USAGE_INVENTORY', `Cannot read the inventory ${path}: check the path (make it with \`hkey identity --all --json\`).`);
  }
  try {
    return parseInventory(text);
  } catch (error) {
    throw new CliError('INVENTORY_MALFORMED', `${path}: ${(error as Error).message}`);
  }
}

/** Rows grouped by key, in inventory order; every row must name a key of the inventory. */
function rowsByKey(file: string, rows: readonly BatchRow[], inventory: readonly InventoryEntry[]): Map<InventoryEntry, BatchRow[]> {
  const bySerial = new Map(inventory.map((entry) => [entry.serial, entry]));
  const groups = new Map<InventoryEntry, BatchRow[]>();
  for (const row of rows) {
    if (row.serial === undefined)
      throw new CliError('BATCH_SERIAL', `Row ${row.row} of ${file} has no serial: a sealed item is for one key, so fill column serial.`);
    const entry = bySerial.get(row.serial);
    if (entry === undefined) throw new CliError('BATCH_UNKNOWN_KEY', `Row ${row.row} of ${file} names a key that is not in the inventory.`);
    groups.set(entry, [...(groups.get(entry) ?? []), row]);
  }
  return new Map(inventory.filter((entry) => groups.has(entry)).map((entry) => [entry, groups.get(entry)!]));
}

export async function seal(context: RunContext, file: string, options: SealOptions): Promise<number> {
  const batch = await readBatch(file);
  try {
    if (batch.problems.length > 0) {
      for (const problem of batch.problems) context.output.problem(problem.message);
      throw new CliError('BATCH_INVALID', `${batch.problems.length} row(s) of ${file} have problems: fix them; nothing was sealed.`);
    }
    const inventory = await readInventory(options.inventory);
    const root = await loadManufacturerRoot(options.manufacturerCa);
    for (const entry of inventory) verifyKeyIdentity(entry, root);
    const groups = rowsByKey(file, batch.rows, inventory);
    const issuer = await readIssuerKey(options.issuer, await issuerPassphrase(false));
    const issuerId = issuerIdOf(issuer.publicKey);
    const sequences = await IssuerSequences.open(sequencesPath(options.issuer), toBase64Url(issuerId));
    const created = Math.floor(Date.now() / 1000);
    const notAfter = created + options.validFor;
    const keys = [];
    try {
      for (const [entry, rows] of groups) {
        const list: BundleItem[] = [];
        for (const row of rows) {
          const plaintext = encodeSealedOperation({
            operation: 'AccountCreate',
            params: encodeMap(Commands.AccountCreate.request, row.request as RequestOf<'AccountCreate'>),
          });
          const sequence = sequences.next(entry.serial);
          const item = await sealItem({ issuer, recipient: entry, sequence, notAfter, created, plaintext });
          plaintext.fill(0);
          list.push({ sequence, ...item });
        }
        keys.push({ ...entry, list });
      }
    } finally {
      issuer.privateKey.fill(0);
    }
    const manifest = await writeBundle(options.out, { issuerId, issuerPublicKey: issuer.publicKey, created }, keys);
    // After the bundle: a crash in between reuses numbers (the key applies one item of each number) rather than leaving a gap no key gets past.
    await sequences.save();
    const summary = keys.map(({ serial, list }) => ({ serial, items: list.length, first: list[0]?.sequence, last: list[list.length - 1]?.sequence }));
    context.output.result({ event: 'sealed', bundle: options.out, issuerId: toBase64Url(issuerId), notAfter, keys: summary }, () =>
      [
        table(
          ['key', 'items', 'sequences'],
          summary.map((key) => [key.serial, String(key.items), `${key.first}-${key.last}`]),
        ),
        '',
        `${batch.rows.length} item(s) for ${manifest.keys.length} key(s) sealed into ${options.out}, valid until ${new Date(notAfter * 1000).toISOString()}. ` +
          'The bundle holds no secret in clear: relay it with `hkey provision bundle`.',
      ].join('\n'),
    );
    return ExitCode.OK;
  } finally {
    for (const row of batch.rows) {
      row.request.otp.secret.fill(0);
    }
  }
}
