/** What every client call (HKP through KeyClient, CTAP through FidoClient) takes, and how it becomes exchange options. */
import type { ExchangeOptions, KeepaliveStatus } from './transport.js';

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Gives up after this long in total, cancelling the request on the key (TransportError TIMEOUT). */
  readonly timeoutMs?: number;
  /** Called once when the key starts waiting for its button (KEEPALIVE UPNEEDED). */
  readonly onUserPresence?: () => void;
}

/** Turns onUserPresence into a keepalive listener that fires it once; no closure when it is not wanted. */
export function exchangeOptions(options: CallOptions): ExchangeOptions {
  const onUserPresence = options.onUserPresence;
  if (onUserPresence === undefined) return options;
  let announced = false;
  return {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onKeepalive: (status: KeepaliveStatus) => {
      if (status !== 'user-presence' || announced) return;
      announced = true;
      onUserPresence();
    },
  };
}
