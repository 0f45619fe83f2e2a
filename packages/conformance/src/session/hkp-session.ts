/**
 * HKP requests over any Transport, decoded strictly (docs/protocol.md §3), without throwing on error statuses:
 * cases look at the status. A response that is not valid HKP/1 (non-canonical CBOR, unknown keys, a status
 * byte HKP/1 does not define) fails the case wherever it appears. Every response is kept in the run's
 * transcript, so the write-only rule (§5.1) can be checked against everything the key said.
 */
import { type ExchangeOptions, type Transport } from '@hkey/bridge';
import {
  type CommandName,
  type DecodedResponse,
  HkeyError,
  type RequestOf,
  type ResponseOf,
  Status,
  type StatusName,
  decodeResponse,
  encodeRequest,
  statusName,
} from '@hkey/protocol';
import { byteName, describeBytes, fail } from '../checks.js';
import type { DeviceController, PresenceAction } from '../controller/device-controller.js';

export interface TranscriptEntry {
  /** What was asked, e.g. "AccountGet" or "the request 01 a1 …". */
  readonly request: string;
  readonly response: Uint8Array;
}

export interface CallOptions {
  /**
   * What the user does if the key waits for its button. Default: the key must not wait; if it does, the call
   * is cancelled at once and the case fails.
   */
  readonly presence?: PresenceAction;
  /** Called once, when the key starts waiting for its button (its first KEEPALIVE with status 2). */
  readonly onWaiting?: () => void;
  /** Gives up (and cancels on the key) after this long. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface CallResult<N extends CommandName> {
  readonly status: StatusName;
  readonly result: ResponseOf<N> | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly raw: Uint8Array;
  /** Whether the key waited for its button (sent KEEPALIVE with status 2). */
  readonly askedForPresence: boolean;
}

export class HkpSession {
  constructor(
    readonly transport: Transport,
    private readonly controller: DeviceController,
    private readonly transcript: TranscriptEntry[],
  ) {}

  /** Sends request bytes as they are and returns the response bytes as they are. */
  raw(request: Uint8Array, options: CallOptions = {}): Promise<{ raw: Uint8Array; askedForPresence: boolean }> {
    return this.exchange(request, `the request ${describeBytes(request, 8)}`, options);
  }

  async call<N extends CommandName>(command: N, params: RequestOf<N>, options: CallOptions = {}): Promise<CallResult<N>> {
    const { raw, askedForPresence } = await this.exchange(encodeRequest(command, params), command, options);
    const decoded = decodeStrictly(command, raw);
    if (decoded.ok) return { status: 'OK', result: decoded.result, details: undefined, raw, askedForPresence };
    return { status: decoded.status, result: undefined, details: decoded.details, raw, askedForPresence };
  }

  /** The command's result; any other status fails the case. */
  async ok<N extends CommandName>(command: N, params: RequestOf<N>, options?: CallOptions): Promise<ResponseOf<N>> {
    const response = await this.call(command, params, options);
    if (response.result === undefined) fail(`${command} to answer OK`, `${command} answered ${describeStatus(response)}`);
    return response.result;
  }

  /** The command must answer `status`; returns the whole response for further checks. */
  async expectStatus<N extends CommandName>(command: N, params: RequestOf<N>, status: StatusName, options?: CallOptions): Promise<CallResult<N>> {
    const response = await this.call(command, params, options);
    if (response.status !== status) fail(`${command} to answer ${status} (${byteName(Status[status])})`, `${command} answered ${describeStatus(response)}`);
    return response;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** One exchange, kept in the transcript under `label`; fails the case when the key waits for a button it should not. */
  private async exchange(request: Uint8Array, label: string, options: CallOptions): Promise<{ raw: Uint8Array; askedForPresence: boolean }> {
    const unexpected = new AbortController();
    let askedForPresence = false;
    let answering: Promise<void> | undefined;
    const exchangeOptions: ExchangeOptions = {
      signal: options.signal === undefined ? unexpected.signal : AbortSignal.any([options.signal, unexpected.signal]),
      timeoutMs: options.timeoutMs,
      onKeepalive: (status) => {
        if (status !== 'user-presence' || askedForPresence) return;
        askedForPresence = true;
        options.onWaiting?.();
        if (options.presence === undefined) unexpected.abort();
        else answering = this.controller.answerPresence(options.presence);
      },
    };
    let raw: Uint8Array;
    try {
      raw = await this.transport.exchange(request, exchangeOptions);
    } catch (error) {
      if (unexpected.signal.aborted) failUnexpectedWait();
      throw error;
    } finally {
      await answering;
    }
    if (unexpected.signal.aborted) failUnexpectedWait();
    this.transcript.push({ request: label, response: raw });
    return { raw, askedForPresence };
  }
}

function failUnexpectedWait(): never {
  fail('an answer without waiting for the button (§4, §6.3)', 'the key waited for its button (KEEPALIVE status 2)');
}

/** Decodes with the reference decoder; anything it rejects is a key that does not speak HKP/1. */
export function decodeStrictly<N extends CommandName>(command: N, raw: Uint8Array): DecodedResponse<N> {
  try {
    return decodeResponse(command, raw);
  } catch (error) {
    if (error instanceof HkeyError) {
      fail(
        `a valid HKP/1 response to ${command}: canonical CBOR with the keys of §4 (§3.2, §3.5)`,
        `${error.code} (${error.message}) in ${describeBytes(raw)}`,
      );
    }
    throw error;
  }
}

function describeStatus(response: { readonly status: StatusName; readonly details?: Record<string, unknown> | undefined }): string {
  const details = response.details === undefined ? '' : ` ${JSON.stringify(response.details)}`;
  return `${response.status} (${byteName(Status[response.status])})${details}`;
}

/** The status of a raw response: its name, or the byte when HKP/1 does not define it. */
export function rawStatus(raw: Uint8Array): string {
  if (raw.length === 0) return 'an empty response';
  const name = statusName(raw[0] as number);
  return name === undefined ? `undefined status ${byteName(raw[0] as number)}` : `${name} (${byteName(raw[0] as number)})`;
}
