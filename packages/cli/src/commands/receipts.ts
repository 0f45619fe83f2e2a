/**
 * `hkey receipts verify` (run by the issuer): which sealed items landed on which genuine key. Every key of the
 * bundle must chain to the manufacturer root (the bundle passed through the relay, so its identity copies are
 * checked again), every item must be the issuer's, and every receipt must be signed by its key's certified signing
 * key. Per key and sequence the answer is applied, refused (with the key's status) or missing.
 */
import { readFile } from 'node:fs/promises';
import {
  type BundleItem,
  type Receipt,
  Status,
  decodeReceipt,
  itemHashOf,
  parseReceiptLines,
  statusName,
  toBase64Url,
  verifyItemSignature,
  verifyReceipt,
} from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { readBundle } from '../sealed/bundle-dir.js';
import { loadManufacturerRoot, verifyKeyIdentity } from '../sealed/identity-trust.js';
import { readIssuerPublicKey } from '../sealed/issuer-key.js';

export interface ReceiptsVerifyOptions {
  issuer: string;
  bundle: string;
  manufacturerCa?: string;
}

type Outcome = 'applied' | 'refused' | 'missing';

interface ItemReport {
  serial: string;
  sequence: number;
  outcome: Outcome;
  status?: string;
  accountId?: number;
  /** The key refused a copy that differs from the issuer's item: the relay or the way altered it. */
  altered?: boolean;
  /** Copies the key refused as replays after (or instead of) the receipt that counts. */
  replaysRefused?: number;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

function reportFor(serial: string, item: BundleItem, receipts: readonly Receipt[]): ItemReport {
  const hash = itemHashOf(item);
  const mine = receipts.filter((receipt) => receipt.sequence === item.sequence);
  const exact = mine.filter((receipt) => same(receipt.itemHash, hash));
  const replays = exact.filter((receipt) => receipt.status === Status.SEALED_REPLAY).length;
  const extra = replays === 0 ? {} : { replaysRefused: replays };
  const applied = exact.find((receipt) => receipt.status === 0);
  if (applied !== undefined)
    return { serial, sequence: item.sequence, outcome: 'applied', ...(applied.accountId !== undefined && { accountId: applied.accountId }), ...extra };
  // The key's last word on this sequence: a refusal of the item itself, or of an altered copy.
  const refusal = [...mine].reverse().find((receipt) => receipt.status !== Status.SEALED_REPLAY) ?? exact[exact.length - 1];
  if (refusal === undefined) return { serial, sequence: item.sequence, outcome: 'missing' };
  const status = statusName(refusal.status) ?? `STATUS_${refusal.status}`;
  return { serial, sequence: item.sequence, outcome: 'refused', status, ...(!same(refusal.itemHash, hash) && { altered: true }), ...extra };
}

export async function receiptsVerify(context: RunContext, file: string, options: ReceiptsVerifyOptions): Promise<number> {
  const issuerPublicKey = await readIssuerPublicKey(options.issuer);
  const bundle = await readBundle(options.bundle);
  const root = await loadManufacturerRoot(options.manufacturerCa);
  if (!same(bundle.manifest.issuerPublicKey, issuerPublicKey)) {
    throw new CliError('BUNDLE_OTHER_ISSUER', `The bundle ${options.bundle} was not sealed by this issuer.`, ExitCode.VERIFICATION_FAILED);
  }
  for (const key of bundle.manifest.keys) {
    verifyKeyIdentity(key, root);
    for (const item of bundle.items.get(key.serial) ?? []) {
      if (!(await verifyItemSignature(item, issuerPublicKey))) {
        throw new CliError(
          'BUNDLE_NOT_ISSUERS',
          `Item ${item.sequence} for key ${key.serial} in ${options.bundle} is not the issuer's: verify against the issuer's own copy of the bundle.`,
          ExitCode.VERIFICATION_FAILED,
        );
      }
    }
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError('USAGE_RECEIPTS', `Cannot read the receipts ${file}: check the path.`);
  }
  let lines;
  try {
    lines = parseReceiptLines(text);
  } catch (error) {
    throw new CliError('RECEIPT_MALFORMED', `${file}: ${(error as Error).message}`);
  }
  const keys = new Map(bundle.manifest.keys.map((key) => [key.serial, key]));
  const bySerial = new Map<string, Receipt[]>();
  let invalid = 0;
  let foreign = 0;
  for (const signed of lines) {
    let receipt: Receipt;
    try {
      const key = keys.get(decodeReceipt(signed.receipt).serial);
      if (key === undefined) {
        foreign += 1;
        continue;
      }
      receipt = await verifyReceipt(signed, key.signingPublicKey);
    } catch {
      invalid += 1;
      continue;
    }
    // A receipt for another issuer's item says nothing about this bundle.
    if (!same(receipt.issuerId, bundle.manifest.issuerId)) {
      foreign += 1;
      continue;
    }
    bySerial.set(receipt.serial, [...(bySerial.get(receipt.serial) ?? []), receipt]);
  }
  const items: ItemReport[] = [];
  for (const key of bundle.manifest.keys) {
    const seen = new Set<number>();
    for (const item of bundle.items.get(key.serial) ?? []) {
      if (seen.has(item.sequence)) continue;
      seen.add(item.sequence);
      items.push(reportFor(key.serial, item, bySerial.get(key.serial) ?? []));
    }
  }
  const count = (outcome: Outcome): number => items.filter((item) => item.outcome === outcome).length;
  const counts = { applied: count('applied'), refused: count('refused'), missing: count('missing'), invalidReceipts: invalid, otherReceipts: foreign };
  context.output.result({ event: 'receipts', issuerId: toBase64Url(bundle.manifest.issuerId), counts, items }, () =>
    [
      table(
        ['key', 'item', 'outcome', 'detail'],
        items.map((item) => [
          item.serial,
          String(item.sequence),
          item.outcome,
          [
            item.status,
            item.altered ? 'altered copy' : undefined,
            item.replaysRefused ? `${item.replaysRefused} replay(s) refused` : undefined,
            item.accountId === undefined ? undefined : `account ${item.accountId}`,
          ]
            .filter((part) => part !== undefined)
            .join(', '),
        ]),
      ),
      '',
      `${counts.applied} applied, ${counts.refused} refused, ${counts.missing} missing` +
        `${invalid > 0 ? `, ${invalid} receipt(s) not signed by their key` : ''}${foreign > 0 ? `, ${foreign} receipt(s) of other keys or issuers` : ''}.`,
    ].join('\n'),
  );
  if (invalid > 0) return ExitCode.VERIFICATION_FAILED;
  return counts.applied === items.length ? ExitCode.OK : ExitCode.BATCH_INCOMPLETE;
}
