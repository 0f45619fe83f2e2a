/**
 * Deliberately broken keys: each is the reference simulator with one fault a firmware could plausibly have, and
 * names the conformance case meant to catch it. None needs test-only code in the simulator: they change options,
 * the store, handler variants (VirtualKeyOptions.handlers), the key's sessions, or what reaches the host.
 */
import { type CommandContext, type DeviceState, MemoryStore, type KeySession, type VirtualKey, defaultHandlers } from '@hkey/firmware-sim';
import {
  type CborValue,
  Commands,
  CtapCommand,
  CtapStatus,
  type CtapMap,
  Status,
  U2fInstruction,
  decodeCbor,
  decodeCtap,
  decodeRequest,
  encodeCbor,
  encodeCtap,
  sha256,
} from '@hkey/protocol';
import type { Mutant } from './mutant-rig.js';

const utf8 = new TextEncoder();

/** A session whose responses pass through `alter` (with the request they answer). */
function alteredSession(
  alter: (response: Uint8Array, request: Uint8Array, key: VirtualKey) => Uint8Array,
): (session: KeySession, key: VirtualKey) => KeySession {
  return (session, key) => ({
    id: session.id,
    transport: session.transport,
    get locked() {
      return session.locked;
    },
    close: () => session.close(),
    ctap: (request, options) => session.ctap(request, options),
    u2f: (apdu, options) => session.u2f(apdu, options),
    handle: async (request, options) => {
      const response = await session.handle(request, options);
      return response === undefined ? undefined : alter(response, request, key);
    },
  });
}

interface FidoAlteration {
  /** Alters a CTAP2 request (command byte + CBOR) before the key sees it. */
  readonly request?: (request: Uint8Array) => Uint8Array;
  /** Alters a CTAP2 answer (status byte + CBOR), given the request as the host sent it. */
  readonly response?: (response: Uint8Array, request: Uint8Array) => Uint8Array;
  /** Alters a U2F response APDU, given the request APDU. */
  readonly u2f?: (response: Uint8Array, apdu: Uint8Array) => Uint8Array;
}

/** A session whose security-key traffic passes through `alter`; HKP is untouched. */
function alteredFido(alter: FidoAlteration): (session: KeySession) => KeySession {
  return (session) => ({
    id: session.id,
    transport: session.transport,
    get locked() {
      return session.locked;
    },
    close: () => session.close(),
    handle: (request, options) => session.handle(request, options),
    ctap: async (request, options) => {
      const response = await session.ctap(alter.request?.(request) ?? request, options);
      return response === undefined || alter.response === undefined ? response : alter.response(response, request);
    },
    u2f: async (apdu, options) => {
      const response = await session.u2f(apdu, options);
      return response === undefined || alter.u2f === undefined ? response : alter.u2f(response, apdu);
    },
  });
}

/** The parameter map of a CTAP2 request or the map of an OK answer; undefined for anything else (malformed CBOR included). */
function ctapBody(message: Uint8Array): CtapMap | undefined {
  if (message.length < 2) return undefined;
  try {
    const body = decodeCtap(message.subarray(1));
    return body instanceof Map ? body : undefined;
  } catch {
    return undefined;
  }
}

/** An OK answer to `command` with its map changed by `change` (which edits the map in place). */
function changeAnswer(command: number, change: (body: CtapMap, request: Uint8Array) => void): (response: Uint8Array, request: Uint8Array) => Uint8Array {
  return (response, request) => {
    const body = request[0] === command && response[0] === CtapStatus.OK ? ctapBody(response) : undefined;
    if (body === undefined) return response;
    change(body, request);
    return concat([CtapStatus.OK], encodeCtap(body));
  };
}

/** A request for `command` with its parameters changed by `change` (in place). */
function changeRequest(command: number, change: (body: CtapMap) => void): (request: Uint8Array) => Uint8Array {
  return (request) => {
    const body = request[0] === command ? ctapBody(request) : undefined;
    if (body === undefined) return request;
    change(body);
    return concat([command], encodeCtap(body));
  };
}

/** authData (member 2 of MakeCredential and GetAssertion answers) with `edit` applied to a copy. */
function editAuthData(body: CtapMap, edit: (authData: Uint8Array) => void): void {
  const authData = body.get(2);
  if (!(authData instanceof Uint8Array)) return;
  const copy = authData.slice();
  edit(copy);
  body.set(2, copy);
}

/** The handler context with some members replaced; `state` stays live for the rest. */
function contextWith(ctx: CommandContext, replaced: PropertyDescriptorMap): CommandContext {
  return Object.create(ctx, replaced) as CommandContext;
}

/** A flash that silently loses writes which only advance HOTP counters: in memory the counter moves, stored it does not. */
class CounterForgettingStore extends MemoryStore {
  override async save(state: DeviceState): Promise<void> {
    const stored = await this.load();
    if (stored !== undefined && withoutCounters(stored) === withoutCounters(state)) return;
    await super.save(state);
  }
}

function withoutCounters(state: DeviceState): string {
  return JSON.stringify(state, (name, value: unknown) =>
    name === 'counter' ? undefined : value instanceof Uint8Array ? Array.from(value) : typeof value === 'bigint' ? value.toString() : value,
  );
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'KEEPALIVE every 250 ms on HID',
    killer: 'HID-23',
    hid: { keepaliveMs: 250 },
  },
  {
    name: 'continuation SEQ off by one (starts at 1) in HID responses',
    killer: 'HID-08',
    hidReport: (report) => {
      if (((report[4] as number) & 0x80) !== 0) return report;
      const altered = report.slice();
      altered[4] = ((report[4] as number) + 1) & 0x7f;
      return altered;
    },
  },
  {
    name: 'non-canonical CBOR in responses (map count in a 1-byte argument)',
    killer: 'MSG-03',
    session: alteredSession((response) =>
      response.length > 1 && ((response[1] as number) & 0xe0) === 0xa0 && ((response[1] as number) & 0x1f) < 24
        ? concat([response[0] as number, 0xb8, (response[1] as number) & 0x1f], response.subarray(2))
        : response,
    ),
  },
  {
    name: 'the OTP secret readable through AccountGet',
    killer: 'SEM-08',
    session: alteredSession((response, request, key) => {
      if (request[0] !== Commands.AccountGet.code || response[0] !== Status.OK) return response;
      const { id } = decodeRequest(request).params as { id: number };
      const secret = key.state.accounts.find((account) => account.id === id)?.otp?.secret;
      const account = decodeCbor(response.subarray(1)) as Map<number, CborValue>;
      const otp = account.get(9);
      if (secret === undefined || !(otp instanceof Map)) return response;
      otp.set(1, secret);
      return concat([Status.OK], encodeCbor(account));
    }),
  },
  {
    name: 'the advanced HOTP counter never reaches storage',
    killer: 'SEM-09',
    store: () => new CounterForgettingStore(),
  },
  {
    name: 'the PIN compared before the attempt is charged (only wrong PINs charged)',
    killer: 'SEM-18',
    handlers: {
      VerifyPin: async (ctx, params) => {
        const pin = ctx.state.pin;
        if (pin === undefined || pin.retries === 0) return defaultHandlers.VerifyPin(ctx, params);
        const candidate = ctx.hmacSha256(pin.salt, utf8.encode(params.pin));
        if (!candidate.every((byte, index) => byte === pin.hash[index])) return defaultHandlers.VerifyPin(ctx, params);
        await ctx.commit({ ...ctx.state, pin: { ...pin, retries: pin.maxRetries } });
        ctx.session.unlocked = true;
        return { retries: pin.maxRetries };
      },
    },
  },
  {
    name: 'TOTP ignores the stored period (always 30 s)',
    killer: 'SEM-06',
    handlers: {
      GetOtp: (ctx, params) =>
        defaultHandlers.GetOtp(
          contextWith(ctx, {
            state: {
              get: () => ({
                ...ctx.state,
                accounts: ctx.state.accounts.map((account) => (account.otp?.kind === 'TOTP' ? { ...account, otp: { ...account.otp, period: 30 } } : account)),
              }),
            },
          }),
          params,
        ),
    },
  },
  {
    name: 'MSG_TIMEOUT after 1500 ms instead of 500 ms',
    killer: 'HID-20',
    hid: { packetTimeoutMs: 1500 },
  },
  {
    name: 'KEEPALIVE every 250 ms on BLE',
    killer: 'BLE-15',
    ble: { keepaliveMs: 250 },
  },
  {
    name: 'BLE continuation SEQ wraps after 0x7E instead of 0x7F',
    killer: 'BLE-06',
    bleNotification: () => {
      let continuations = 0;
      return (value) => {
        if (((value[0] as number) & 0x80) !== 0) {
          continuations = 0;
          return value;
        }
        const altered = value.slice();
        altered[0] = continuations++ % 0x7f;
        return altered;
      };
    },
  },
  {
    name: 'error responses echo the request parameters',
    killer: 'MSG-02',
    session: alteredSession((response, request) =>
      response.length === 1 && response[0] !== Status.OK && request.length > 1 ? concat(response, request.subarray(1)) : response,
    ),
  },
  {
    name: 'SetPin accepts 3-digit PINs',
    killer: 'SEM-15',
    handlers: {
      SetPin: (ctx, params) => defaultHandlers.SetPin(ctx, { ...params, pin: /^[0-9]{3}$/.test(params.pin) ? `${params.pin}0` : params.pin }),
    },
  },
  {
    name: 'Wipe after a short press instead of a 10-second hold',
    killer: 'SEM-20',
    handlers: {
      Wipe: (ctx, params) =>
        defaultHandlers.Wipe(contextWith(ctx, { requirePresence: { value: (_kind: string, reason: string) => ctx.requirePresence('press', reason) } }), params),
    },
  },
  {
    name: 'INIT announces NMSG (no U2F) beside CBOR',
    killer: 'FIDO-01',
    hidReport: (report) => {
      if (report[4] !== 0x86 || report[6] !== 17) return report;
      const altered = report.slice();
      altered[23] = (report[23] as number) | 0x08;
      return altered;
    },
  },
  {
    name: 'GetInfo leaves FIDO_2_1 out of versions',
    killer: 'FIDO-05',
    session: alteredFido({
      response: changeAnswer(CtapCommand.GetInfo, (body) => {
        const versions = body.get(1);
        if (Array.isArray(versions))
          body.set(
            1,
            versions.filter((version) => version !== 'FIDO_2_1'),
          );
      }),
    }),
  },
  {
    name: 'a missing parameter answered INVALID_PARAMETER instead of MISSING_PARAMETER',
    killer: 'FIDO-07',
    session: alteredFido({
      response: (response) => (response.length === 1 && response[0] === CtapStatus.MISSING_PARAMETER ? Uint8Array.of(CtapStatus.INVALID_PARAMETER) : response),
    }),
  },
  {
    name: 'MakeCredential authData without the UP flag',
    killer: 'FIDO-09',
    session: alteredFido({
      response: changeAnswer(CtapCommand.MakeCredential, (body) => editAuthData(body, (authData) => (authData[32] = (authData[32] as number) & ~0x01))),
    }),
  },
  {
    name: 'packed attestation signed over another clientDataHash',
    killer: 'FIDO-09',
    session: alteredFido({
      request: changeRequest(CtapCommand.MakeCredential, (body) => {
        const clientDataHash = body.get(1);
        if (clientDataHash instanceof Uint8Array) body.set(1, sha256(clientDataHash));
      }),
    }),
  },
  {
    name: 'the signature counter stuck at 1 in assertions',
    killer: 'FIDO-10',
    session: alteredFido({ response: changeAnswer(CtapCommand.GetAssertion, (body) => editAuthData(body, (authData) => authData.set([0, 0, 0, 1], 33))) }),
  },
  {
    name: 'excludeList ignored',
    killer: 'FIDO-11',
    session: alteredFido({ request: changeRequest(CtapCommand.MakeCredential, (body) => body.delete(5)) }),
  },
  {
    name: 'a wrong PIN does not lower pinRetries',
    killer: 'FIDO-14',
    session: alteredFido({
      response: changeAnswer(CtapCommand.ClientPIN, (body, request) => {
        if (ctapBody(request)?.get(2) === 1) body.set(3, 8);
      }),
    }),
  },
  {
    name: 'CANCEL answered OPERATION_DENIED instead of KEEPALIVE_CANCEL',
    killer: 'FIDO-04',
    session: alteredFido({
      response: (response) => (response.length === 1 && response[0] === CtapStatus.KEEPALIVE_CANCEL ? Uint8Array.of(CtapStatus.OPERATION_DENIED) : response),
    }),
  },
  {
    name: 'KEEPALIVE UP_NEEDED sent as status 0x03 on the FIDO BLE service',
    killer: 'FIDO-03',
    ctapTransport: 'ble',
    // A KEEPALIVE fits one fragment: CMD 0x82, length 00 01, the status.
    fidoNotification: () => (value) => (value.length === 4 && value[0] === 0x82 && value[3] === 0x02 ? Uint8Array.of(0x82, 0x00, 0x01, 0x03) : value),
  },
  {
    name: 'the U2F counter stuck at 1',
    killer: 'FIDO-23',
    session: alteredFido({
      u2f: (response, apdu) => {
        if (apdu[1] !== U2fInstruction.AUTHENTICATE || response.length < 7 || response[response.length - 2] !== 0x90) return response;
        const altered = response.slice();
        altered.set([0, 0, 0, 1], 1);
        return altered;
      },
    }),
  },
];
