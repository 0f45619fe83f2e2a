/**
 * The security key's requests on a CTAP link (docs/protocol.md §9): CTAPHID on the raw HID link (CTAP 2.1
 * §11.2.9.1) or the FIDO BLE service (CTAP 2.1 §11.4, §2.12), whichever the run speaks CTAP over, encoded and
 * decoded with the protocol package's CTAP2 codec. Every CBOR answer must be canonical (CTAP 2.1 §8); KEEPALIVE
 * UP_NEEDED is answered with the case's presence action, and a key that waits for its button unasked fails.
 */
import { CtapError, type CtapMap, ctapStatusName, decodeCtap, encodeCtap } from '@hkey/protocol';
import { byteName, check, describeBytes, fail } from '../../checks.js';
import type { PresenceAction } from '../../controller/device-controller.js';
import type { CaseContext } from '../../runner/case-context.js';
import { delay } from '../../checks.js';
import { ANSWER_MS, SILENCE_MS } from '../support/timing.js';
import { BleCtapLink } from './ble-ctap-link.js';
import { type CtapLink, type CtapRequestKind, KeepaliveStatus } from './ctap-link.js';
import { CtaphidLink } from './ctaphid-link.js';

export interface CtapAnswer {
  readonly status: number;
  /** The response map; undefined when the status byte came alone. */
  readonly body: CtapMap | undefined;
  /** The KEEPALIVE statuses seen before the answer. */
  readonly keepalives: readonly number[];
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
    readonly link: CtapLink,
  ) {}

  /** A new connection on the run's CTAP link: a CTAPHID channel (CTAP 2.1 §11.2.9.1.3) or a FIDO BLE connection. */
  static async open(ctx: CaseContext): Promise<FidoChannel> {
    const link = ctx.ctapTransport === 'ble' ? await BleCtapLink.open(await ctx.fidoBle()) : await CtaphidLink.open(await ctx.hid());
    return new FidoChannel(ctx, link);
  }

  /** Requests on a link the case opened itself, for the cases of one transport. */
  static over(ctx: CaseContext, link: CtapLink): FidoChannel {
    return new FidoChannel(ctx, link);
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
    return this.link.send('ctap2', request);
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
  async expectStatus(
    command: number,
    params: CtapMap | Uint8Array | undefined,
    status: number,
    what: string,
    options: FidoCallOptions = {},
  ): Promise<CtapAnswer> {
    const answer = await this.call(command, params, options);
    check(answer.status === status, `${what}: ${ctapStatusText(status)}`, () => ctapStatusText(answer.status));
    return answer;
  }

  /** The answer to the CTAP2 request in progress, KEEPALIVEs collected; presence handled as `options` says. */
  async answer(options: FidoCallOptions = {}): Promise<CtapAnswer> {
    const keepalives: number[] = [];
    let answered = false;
    for (;;) {
      const event = await this.link.next('ctap2', ANSWER_MS);
      if (event === undefined) fail(`an answer to the CTAP2 request on ${this.link.name}`, `silence for ${ANSWER_MS} ms`);
      if (event.kind === 'keepalive') {
        keepalives.push(checkedStatus(event.status));
        if (event.status === KeepaliveStatus.UP_NEEDED && !answered) {
          answered = true;
          if (options.presence === undefined) {
            await this.link.cancel();
            fail('an answer without waiting for the button', 'KEEPALIVE UP_NEEDED: the key waited for its button');
          }
          await this.ctx.controller.answerPresence(options.presence);
        }
        continue;
      }
      check(event.payload.length > 0, 'a CTAP2 answer starting with its status byte (CTAP 2.1 §8.2)', () => 'an empty answer');
      return { status: event.payload[0] as number, body: responseMap(event.payload), keepalives, at: event.at };
    }
  }

  /** CANCEL for the request in progress (CTAP 2.1 §11.2.9.1.5, §11.4); resolves when it left. */
  cancel(): Promise<number> {
    return this.link.cancel();
  }

  /** Sends the CTAP2 request and returns once the key says it waits for the button, leaving it waiting. */
  async untilUpNeeded(request: Uint8Array): Promise<number[]> {
    this.ctx.onCleanup(async () => {
      await this.cancel();
      await this.drain('ctap2');
    });
    await this.send(request);
    const keepalives: number[] = [];
    for (;;) {
      const event = await this.link.next('ctap2', ANSWER_MS);
      if (event?.kind !== 'keepalive')
        fail(
          `KEEPALIVE UP_NEEDED on ${this.link.name} while the key waits for the button (CTAP 2.1 §11.2.9.1.7, §11.4)`,
          event === undefined ? 'no answer' : `the answer (${describeBytes(event.payload)})`,
        );
      keepalives.push(checkedStatus(event.status));
      if (event.status === KeepaliveStatus.UP_NEEDED) return keepalives;
    }
  }

  /** One U2F APDU (CTAPHID_MSG, or MSG on BLE); the answer must end in a status word. */
  async u2f(apdu: Uint8Array): Promise<U2fAnswer> {
    await this.link.send('u2f', apdu);
    const payload = await this.drain('u2f', ANSWER_MS);
    if (payload === undefined) fail(`an answer to the U2F request on ${this.link.name}`, `silence for ${ANSWER_MS} ms`);
    check(payload.length >= 2, 'a response APDU ending in a 2-byte status word', () => describeBytes(payload));
    const end = payload.length - 2;
    return { data: payload.slice(0, end), statusWord: ((payload[end] as number) << 8) | (payload[end + 1] as number) };
  }

  /** Reads past KEEPALIVEs to the answer; undefined after `idleMs` of silence. */
  private async drain(kind: CtapRequestKind, idleMs = SILENCE_MS): Promise<Uint8Array | undefined> {
    for (;;) {
      const event = await this.link.next(kind, idleMs);
      if (event?.kind !== 'keepalive') return event?.payload;
    }
  }
}

/** A KEEPALIVE status the key may send; another would leave a host unsure whether to prompt for a touch. */
function checkedStatus(status: number): number {
  check(
    status === KeepaliveStatus.PROCESSING || status === KeepaliveStatus.UP_NEEDED,
    'KEEPALIVE status PROCESSING (1) or UP_NEEDED (2) (CTAP 2.1 §11.2.9.1.7, §11.4)',
    () => `status ${byteName(status)}`,
  );
  return status;
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
