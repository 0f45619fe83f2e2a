/**
 * The security key's requests on one CTAPHID channel of the raw HID link (docs/protocol.md §9, CTAP 2.1
 * §11.2.9.1): CTAP2 commands in CTAPHID_CBOR and U2F APDUs in CTAPHID_MSG, encoded and decoded with the protocol
 * package's CTAP2 codec. Every CBOR answer must be on the CBOR command and canonical (CTAP 2.1 §8); KEEPALIVE
 * UPNEEDED is answered with the case's presence action, and a key that waits for its button unasked fails.
 */
import { CtapError, type CtapMap, ctapStatusName, decodeCtap, encodeCtap, HidCommand, HidKeepaliveStatus } from '@hkey/protocol';
import { byteName, check, describeBytes, fail } from '../../checks.js';
import type { PresenceAction } from '../../controller/device-controller.js';
import { type HidMessage, type RawHidLink, describeMessage } from '../../hid/raw-hid-link.js';
import type { CaseContext } from '../../runner/case-context.js';
import { delay } from '../../checks.js';
import { ANSWER_MS, SILENCE_MS } from '../support/timing.js';

export interface CtapAnswer {
  readonly status: number;
  /** The response map; undefined when the status byte came alone. */
  readonly body: CtapMap | undefined;
  readonly keepalives: readonly HidMessage[];
  /** When the answer's first packet arrived (performance.now()). */
  readonly at: number;
}

export interface U2fAnswer {
  readonly data: Uint8Array;
  readonly statusWord: number;
}

export interface FidoCallOptions {
  /** What the user does when the key asks for its button; default: the key must not ask. */
  readonly presence?: PresenceAction;
}

/** "NO_CREDENTIALS (0x2e)". */
export function ctapStatusText(status: number): string {
  return `${ctapStatusName(status) ?? 'an undefined status'} (${byteName(status)})`;
}

/** A request the case builds: the command byte and its parameters (a map, or raw bytes for malformed CBOR). */
export function ctapRequest(command: number, params?: CtapMap | Uint8Array): Uint8Array {
  const body = params === undefined ? new Uint8Array(0) : params instanceof Uint8Array ? params : encodeCtap(params);
  return Uint8Array.of(command, ...body);
}

/** How long a restarted key may take to come back (a replugged USB key enumerates again). */
const COME_BACK_MS = 30_000;

export class FidoChannel {
  private constructor(
    private readonly ctx: CaseContext,
    readonly link: RawHidLink,
    readonly cid: number,
  ) {}

  /** A new raw link and a channel on it (CTAP 2.1 §11.2.9.1.3). */
  static async open(ctx: CaseContext): Promise<FidoChannel> {
    const link = await ctx.hid();
    return new FidoChannel(ctx, link, await link.allocate());
  }

  /** Power-cycles the key and opens a channel once it answers again: a power cycle forgets every channel. */
  static async afterRestart(ctx: CaseContext): Promise<FidoChannel> {
    await ctx.controller.restart();
    const deadline = Date.now() + COME_BACK_MS;
    for (;;) {
      try {
        return await FidoChannel.open(ctx);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await delay(500);
      }
    }
  }

  /** Sends a CTAP2 request; read its answer with answer(). Resolves when the last packet left. */
  send(request: Uint8Array): Promise<number> {
    return this.link.sendMessage(this.cid, HidCommand.CBOR, request);
  }

  /** One CTAP2 command and its answer. */
  async call(command: number, params?: CtapMap | Uint8Array, options: FidoCallOptions = {}): Promise<CtapAnswer> {
    await this.send(ctapRequest(command, params));
    return this.answer(options);
  }

  /** A command that must answer OK; returns its response map (empty when the key sent the status alone). */
  async ok(command: number, params: CtapMap | undefined, what: string, options: FidoCallOptions = {}): Promise<CtapMap> {
    const answer = await this.call(command, params, options);
    check(answer.status === 0, `${what}: status OK (0x00)`, () => ctapStatusText(answer.status));
    return answer.body ?? new Map();
  }

  /** A command that must answer `status`. */
  async expectStatus(command: number, params: CtapMap | Uint8Array | undefined, status: number, what: string, options: FidoCallOptions = {}): Promise<CtapAnswer> {
    const answer = await this.call(command, params, options);
    check(answer.status === status, `${what}: ${ctapStatusText(status)}`, () => ctapStatusText(answer.status));
    return answer;
  }

  /** The answer to the CBOR request in progress, KEEPALIVEs collected; presence handled as `options` says. */
  async answer(options: FidoCallOptions = {}): Promise<CtapAnswer> {
    const keepalives: HidMessage[] = [];
    let answered = false;
    for (;;) {
      const message = await this.link.readMessage(this.cid, ANSWER_MS);
      if (message === undefined) fail('an answer to the CBOR request (CTAP 2.1 §11.2.9.1.2)', `silence for ${ANSWER_MS} ms`);
      if (message.cmd === HidCommand.KEEPALIVE) {
        keepalives.push(message);
        if (message.payload[0] === HidKeepaliveStatus.UPNEEDED && !answered) {
          answered = true;
          if (options.presence === undefined) {
            await this.cancel();
            fail('an answer without waiting for the button', 'KEEPALIVE UPNEEDED: the key waited for its button');
          }
          await this.ctx.controller.answerPresence(options.presence);
        }
        continue;
      }
      if (message.cmd !== HidCommand.CBOR) fail('the answer on CTAPHID_CBOR (0x10) (CTAP 2.1 §11.2.9.1.2)', describeMessage(message));
      check(message.payload.length > 0, 'a CBOR answer starting with its status byte (CTAP 2.1 §8.2)', () => 'an empty CBOR answer');
      return { status: message.payload[0] as number, body: responseMap(message.payload), keepalives, at: message.at };
    }
  }

  /** CTAPHID_CANCEL for the request in progress (CTAP 2.1 §11.2.9.1.5); resolves when it left. */
  cancel(): Promise<number> {
    return this.link.sendMessage(this.cid, HidCommand.CANCEL, new Uint8Array(0));
  }

  /** Sends the CBOR request and returns once the key says it waits for the button, leaving it waiting. */
  async untilUpNeeded(request: Uint8Array): Promise<HidMessage[]> {
    this.ctx.onCleanup(async () => {
      await this.cancel();
      await this.link.readResponse(this.cid, SILENCE_MS);
    });
    await this.send(request);
    const keepalives: HidMessage[] = [];
    for (;;) {
      const message = await this.link.readMessage(this.cid, ANSWER_MS);
      if (message?.cmd !== HidCommand.KEEPALIVE) fail('KEEPALIVE UPNEEDED while the key waits for the button (CTAP 2.1 §11.2.9.1.7)', describeMessage(message));
      keepalives.push(message);
      if (message.payload[0] === HidKeepaliveStatus.UPNEEDED) return keepalives;
    }
  }

  /** One U2F APDU in CTAPHID_MSG (CTAP 2.1 §11.2.9.1.1); the answer must come on MSG and end in a status word. */
  async u2f(apdu: Uint8Array): Promise<U2fAnswer> {
    await this.link.sendMessage(this.cid, HidCommand.MSG, apdu);
    const message = await this.link.readResponse(this.cid, ANSWER_MS);
    if (message?.cmd !== HidCommand.MSG) fail('the answer on CTAPHID_MSG (0x03)', describeMessage(message));
    check(message.payload.length >= 2, 'a response APDU ending in a 2-byte status word', () => describeBytes(message.payload));
    const end = message.payload.length - 2;
    return { data: message.payload.slice(0, end), statusWord: ((message.payload[end] as number) << 8) | (message.payload[end + 1] as number) };
  }
}

/** The CBOR after the status byte: a canonical map (CTAP 2.1 §8), or nothing. */
function responseMap(payload: Uint8Array): CtapMap | undefined {
  if (payload.length === 1) return undefined;
  let value;
  try {
    value = decodeCtap(payload.subarray(1));
  } catch (error) {
    fail('a response in CTAP2 canonical CBOR (CTAP 2.1 §8)', error instanceof CtapError ? `${error.message} (${describeBytes(payload)})` : String(error));
  }
  if (!(value instanceof Map)) fail('a response map (CTAP 2.1 §8.2)', describeBytes(payload));
  return value;
}
