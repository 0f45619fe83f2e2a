/**
 * One ceremony over every key of the source at once, as browsers run it: each key gets its own attempt; the first
 * key the user touches wins and the others are cancelled (CTAPHID CANCEL through their signals); a key unplugged
 * mid-ceremony drops out, and one plugged in joins. With no key at all, or none left, the ceremony keeps waiting for
 * one until the time is up, as Chrome does, so a page never learns whether a key is there; then the page gets
 * NotAllowedError. An aborted signal ends everything with its reason, also one aborted before the ceremony began.
 */
import { CtapError } from '@hkey/protocol';
import type { DeviceSource, ShimDevice } from '../device-source.js';
import { algorithmUnsupported, credentialExcluded, notAllowed } from './errors.js';
import { type KeyLink, openKeyLink } from './key-link.js';

/** Thrown by an attempt once its key was touched: ends the whole ceremony with `error` (the user chose this key). */
export class AfterTouch extends Error {
  constructor(readonly error: DOMException) {
    super(error.message);
  }
}

/** CTAP errors that come after the user's touch and end the ceremony. */
export function afterTouchError(error: unknown): unknown {
  if (!(error instanceof CtapError)) return error;
  if (error.code === 'CTAP_CREDENTIAL_EXCLUDED') return new AfterTouch(credentialExcluded());
  if (error.code === 'CTAP_OPERATION_DENIED' || error.code === 'CTAP_NO_CREDENTIALS') return new AfterTouch(notAllowed(error));
  return error;
}

/** One key's part in the ceremony. */
export interface KeyAttempt {
  /** Aborted when another key wins, the key is unplugged, or the ceremony ends. */
  readonly signal: AbortSignal;
  /** The user touched this key: true when it is the winner (the others are cancelled), false when another key won first. */
  claim(): boolean;
}

export interface CeremonyRun<T> {
  readonly source: DeviceSource;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Runs the ceremony on one key; resolving means the key was touched and produced the result. */
  readonly attempt: (link: KeyLink, key: KeyAttempt) => Promise<T>;
}

/** Why the time ran out: NotSupportedError when a key refused every algorithm, otherwise NotAllowedError. */
function noKeyLeft(dropped: readonly unknown[]): DOMException {
  const unsupported = dropped.some((error) => error instanceof CtapError && error.code === 'CTAP_UNSUPPORTED_ALGORITHM');
  return unsupported ? algorithmUnsupported() : notAllowed();
}

export function runCeremony<T>(run: CeremonyRun<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // The signal may have fired while the caller awaited (hashing clientDataJSON): an abort listener would never run.
    if (run.signal?.aborted === true) return reject(run.signal.reason);
    const controllers = new Map<string, AbortController>();
    const dropped: unknown[] = [];
    let winner: string | undefined;
    let settled = false;
    const unwatch: (() => void)[] = [];

    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      for (const stop of unwatch) stop();
      for (const [id, controller] of controllers) if (id !== winner) controller.abort();
      settle();
    };
    const abortAll = (): void => {
      for (const controller of controllers.values()) controller.abort();
    };
    const onAbort = (): void => {
      abortAll();
      finish(() => reject(run.signal?.reason));
    };
    const timer = setTimeout(() => {
      abortAll();
      finish(() => reject(noKeyLeft(dropped)));
    }, run.timeoutMs);
    run.signal?.addEventListener('abort', onAbort, { once: true });

    const claim = (id: string): boolean => {
      if (settled && winner !== id) return false;
      if (winner === undefined) {
        winner = id;
        for (const [other, controller] of controllers) if (other !== id) controller.abort();
      }
      return winner === id;
    };

    const start = (device: ShimDevice): void => {
      if (settled || controllers.has(device.id)) return;
      const controller = new AbortController();
      controllers.set(device.id, controller);
      void (async () => {
        let link: KeyLink | undefined;
        try {
          link = await openKeyLink(run.source, device);
          if (controller.signal.aborted) throw controller.signal.reason;
          const value = await run.attempt(link, { signal: controller.signal, claim: () => claim(device.id) });
          if (claim(device.id)) finish(() => resolve(value));
        } catch (error) {
          if (error instanceof AfterTouch) {
            if (claim(device.id)) finish(() => reject(error.error));
          } else if (winner === device.id) {
            // The chosen key failed after its touch (unplugged during the PIN prompt, a PIN problem): the ceremony fails.
            finish(() => reject(error instanceof DOMException ? error : notAllowed(error)));
          } else {
            dropped.push(error);
          }
        } finally {
          controllers.delete(device.id);
          await link?.close().catch(() => undefined);
        }
      })();
    };

    const stop = run.source.watch?.((change) => {
      if (change.type === 'add') start(change.device);
      else controllers.get(change.device.id)?.abort();
    });
    if (stop !== undefined) unwatch.push(stop);
    run.source.list().then(
      (devices) => {
        for (const device of devices) start(device);
      },
      (error: unknown) => finish(() => reject(notAllowed(error))),
    );
  });
}
