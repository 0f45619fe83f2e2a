/**
 * `hkey provision bundle DIR`: relays a sealed bundle (made by `hkey seal` where the secrets are) to the keys it is
 * for, found by serial at the --transport addresses (any transport, the bridge too). This machine never holds a
 * secret in clear: every item is encrypted to its key. Progress, resume and the audit log are those of
 * `hkey provision`; each key's signed receipts go to receipts.jsonl for the issuer (`hkey receipts verify`).
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Status, decodeReceipt, parseReceiptLines, verifyReceipt } from '@hkey/protocol';
import { CliError, errorCode, errorMessage } from '../cli-error.js';
import { candidateTransports, lockPolicy, probeKeys } from '../connect.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { AuditLog } from '../provision/audit-log.js';
import type { RowResult } from '../provision/runner.js';
import { type RelayContext, notSent, relayToKey, withConcurrency } from '../provision/sealed-relay.js';
import { createView } from '../provision/view.js';
import { type Bundle, readBundle } from '../sealed/bundle-dir.js';

export interface ProvisionBundleOptions {
  receipts: string;
}

/** --parallel and --audit belong to `hkey provision`, which commander hands them to (they reach us with the globals). */
interface SharedOptions {
  readonly parallel?: boolean | number;
  readonly audit?: string;
}

/** Hex hashes of the items that receipts in the receipts file (each checked against its key) show taken by their key. */
async function doneItems(path: string, bundle: Bundle): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new CliError('BATCH_AUDIT', `Cannot read the receipts file ${path}: check its permissions.`);
  }
  // A half-written last line (a run that lost power) is dropped: its item is sent again and answered as a replay.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  let lines;
  try {
    lines = parseReceiptLines(complete);
  } catch {
    throw new CliError('BATCH_AUDIT', `The receipts file ${path} is damaged: move it away (keep it for the issuer) and run again.`);
  }
  const keys = new Map(bundle.manifest.keys.map((key) => [key.serial, key]));
  const done = new Set<string>();
  for (const signed of lines) {
    try {
      const key = keys.get(decodeReceipt(signed.receipt).serial);
      const receipt = key && (await verifyReceipt(signed, key.signingPublicKey));
      if (receipt && (receipt.status === 0 || receipt.status === Status.SEALED_REPLAY)) done.add(Buffer.from(receipt.itemHash).toString('hex'));
    } catch {
      // A receipt of another bundle's key, or not genuine: it proves nothing here.
    }
  }
  return done;
}

function summarize(context: RunContext, dir: string, options: { receipts: string; audit: string }, results: readonly RowResult[]): number {
  const count = (kind: RowResult['result']): number => results.filter((result) => result.result === kind).length;
  const counts = { applied: count('ok'), skipped: count('skipped'), refused: count('failed'), notSent: count('not-reached') };
  context.output.result({ event: 'summary', bundle: basename(resolve(dir)), audit: options.audit, receipts: options.receipts, counts, items: results }, () =>
    [
      table(
        ['key', 'item', 'result', 'detail'],
        results.map((result) => [
          result.serial ?? '-',
          String(result.row),
          result.result,
          result.code === undefined ? '' : `${result.code}: ${result.message ?? ''}`,
        ]),
      ),
      '',
      `${counts.applied} applied, ${counts.skipped} taken before, ${counts.refused} refused or failed, ${counts.notSent} not sent. ` +
        `Receipts: ${options.receipts} (for the issuer: hkey receipts verify). Audit log: ${options.audit}.`,
    ].join('\n'),
  );
  return counts.refused + counts.notSent;
}

export async function provisionBundle(context: RunContext, dir: string, own: ProvisionBundleOptions): Promise<number> {
  const { output, globals } = context;
  const shared = globals as unknown as SharedOptions;
  const parallel = typeof shared.parallel === 'number' ? shared.parallel : 1;
  const options = { receipts: own.receipts, audit: shared.audit ?? './hkey-audit.jsonl' };
  const bundle = await readBundle(dir);
  const done = await doneItems(options.receipts, bundle);
  const probes = await probeKeys(candidateTransports(globals.transport), lockPolicy(context));
  const reached = new Map<string, NonNullable<(typeof probes)[number]['key']>>();
  for (const probe of probes) {
    if (probe.key === undefined) continue;
    // A key the bundle is not for, or the same key at a second address, is left alone.
    const wanted = bundle.items.has(probe.key.info.serial) && !reached.has(probe.key.info.serial);
    if (wanted) reached.set(probe.key.info.serial, probe.key);
    else await probe.key.close();
  }
  const total = [...bundle.items.values()].reduce((sum, items) => sum + items.length, 0);
  const audit = await AuditLog.open(options.audit);
  const receipts = await AuditLog.open(options.receipts);
  const view = await createView(output, total);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const results: RowResult[] = [];
  try {
    const relay: RelayContext = {
      bundle: basename(resolve(dir)),
      audit,
      receipts,
      done,
      timeoutMs: globals.timeout,
      signal: controller.signal,
      events: view,
    };
    for (const key of bundle.manifest.keys) {
      if (reached.has(key.serial)) continue;
      const missing = notSent(
        key.serial,
        bundle.items.get(key.serial) ?? [],
        'NO_DEVICE',
        'This key was not among the keys reached: connect it and run again.',
      );
      for (const result of missing) view.rowFinished(result);
      results.push(...missing);
    }
    await withConcurrency(
      bundle.manifest.keys.filter((key) => reached.has(key.serial)),
      parallel,
      async (bundleKey) => {
        const key = reached.get(bundleKey.serial)!;
        const items = bundle.items.get(bundleKey.serial) ?? [];
        try {
          view.keyReady(bundleKey.serial, key.url);
          results.push(...(await relayToKey(key, bundleKey, items, relay)));
        } catch (error) {
          results.push(...notSent(bundleKey.serial, items, errorCode(error) ?? 'UNEXPECTED', `Key ${bundleKey.serial}: ${errorMessage(error)}`));
        } finally {
          await key.close();
        }
      },
    );
  } finally {
    view.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await audit.close();
    await receipts.close();
  }
  results.sort((a, b) => (a.serial ?? '').localeCompare(b.serial ?? '') || a.row - b.row);
  const incomplete = summarize(context, dir, options, results);
  if (controller.signal.aborted) return ExitCode.INTERRUPTED;
  return incomplete > 0 ? ExitCode.BATCH_INCOMPLETE : ExitCode.OK;
}
