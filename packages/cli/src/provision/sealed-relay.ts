/**
 * Relays a sealed bundle's items to their keys (`hkey provision bundle`): each key gets its own items in file order
 * over one session, up to `parallel` keys at a time. The relay sees only opaque items (HPKE): it forwards them,
 * checks and keeps each key's signed receipt (receipts.jsonl) and records every outcome in the audit log. A key
 * that refuses an item without consuming its sequence would refuse every later one as out of order, so the relay
 * stops there and reports the rest as not sent.
 */
import { type BundleItem, type BundleKey, HkeyError, itemHashOf, serializeReceiptLine, statusName, verifyReceipt } from '@hkey/protocol';
import { errorCode, errorMessage } from '../cli-error.js';
import type { OpenKey } from '../connect.js';
import type { AuditLog } from './audit-log.js';
import type { ProvisionEvents, RowResult } from './runner.js';

export interface RelayContext {
  readonly bundle: string;
  readonly audit: AuditLog;
  readonly receipts: AuditLog;
  /** Items (by hex item hash) whose receipts.jsonl already shows them consumed by their key: a re-run skips them. */
  readonly done: ReadonlySet<string>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly events: ProvisionEvents;
}

const ACCOUNT = 'sealed item';
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export const itemKey = (item: BundleItem): string => hex(itemHashOf(item));

function result(serial: string, item: BundleItem, outcome: RowResult['result'], extra: Partial<RowResult> = {}): RowResult {
  return { row: item.sequence, serial, account: ACCOUNT, result: outcome, ...extra };
}

/** Items a key never got: its key was not reached, the run stopped, or an earlier item blocked the rest. */
export function notSent(serial: string, items: readonly BundleItem[], code: string, message: string): RowResult[] {
  return items.map((item) => result(serial, item, 'not-reached', { code, message }));
}

async function audit(context: RelayContext, serial: string, item: BundleItem, entry: { result: 'applied' | 'refused' | 'failed'; code?: string; id?: number }) {
  await context.audit.append({ time: new Date().toISOString(), bundle: context.bundle, serial, sequence: item.sequence, ...entry });
}

/** One key's items, in order, over `key` (already matched by serial). */
export async function relayToKey(key: OpenKey, bundleKey: BundleKey, items: readonly BundleItem[], context: RelayContext): Promise<RowResult[]> {
  const serial = bundleKey.serial;
  const results: RowResult[] = [];
  const { timeoutMs } = context;
  let applied = (await key.client.getIdentity({ timeoutMs })).sequence ?? 0;
  for (const [index, item] of items.entries()) {
    if (context.signal.aborted) {
      results.push(...notSent(serial, items.slice(index), 'INTERRUPTED', 'Stopped before this item.'));
      break;
    }
    if (item.sequence <= applied && context.done.has(itemKey(item))) {
      results.push(result(serial, item, 'skipped'));
      continue;
    }
    context.events.rowStarted(item.sequence, ACCOUNT, serial);
    let outcome: RowResult;
    try {
      const signed = await key.client.applySealed(item, { timeoutMs });
      // Checked against the certified key the issuer sealed to: a receipt no genuine key signed is worthless.
      const receipt = await verifyReceipt(signed, bundleKey.signingPublicKey);
      await context.receipts.appendLine(serializeReceiptLine(signed));
      const status = statusName(receipt.status) ?? `STATUS_${receipt.status}`;
      const id = receipt.accountId;
      if (receipt.status === 0) {
        applied = item.sequence;
        await audit(context, serial, item, { result: 'applied', ...(id !== undefined && { id }) });
        outcome = result(serial, item, 'ok', id === undefined ? {} : { id });
      } else {
        await audit(context, serial, item, { result: 'refused', code: status });
        applied = (await key.client.getIdentity({ timeoutMs })).sequence ?? 0;
        // SEALED_REPLAY: the key had it already, nothing is lost.
        outcome =
          status === 'SEALED_REPLAY'
            ? result(serial, item, 'skipped', { code: status, message: 'The key had already taken this item; it kept its receipt.' })
            : result(serial, item, 'failed', { code: status, message: `Key ${serial} refused the item (${status}).` });
      }
    } catch (error) {
      const code = errorCode(error) ?? 'UNEXPECTED';
      await audit(context, serial, item, { result: 'failed', code });
      const message = error instanceof HkeyError || error instanceof Error ? errorMessage(error) : 'The item could not be delivered.';
      results.push(result(serial, item, 'failed', { code, message }));
      context.events.rowFinished(results[results.length - 1] as RowResult);
      results.push(...notSent(serial, items.slice(index + 1), 'SEALED_BLOCKED', `The link to key ${serial} failed at item ${item.sequence}: run again.`));
      break;
    }
    results.push(outcome);
    context.events.rowFinished(outcome);
    if (outcome.result === 'failed' && applied < item.sequence) {
      const rest = items.slice(index + 1).filter((later) => later.sequence > item.sequence);
      const message = `Key ${serial} takes no item after ${item.sequence} until that one lands: ask the issuer for a new one.`;
      results.push(...notSent(serial, rest, 'SEALED_BLOCKED', message));
      break;
    }
  }
  return results;
}

/** Runs `work` over `inputs` with at most `limit` at a time. */
export async function withConcurrency<T>(inputs: readonly T[], limit: number, work: (input: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) await work(inputs[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
}
