/**
 * Deliberately broken keys: each is the reference simulator with one fault a firmware could plausibly have, and
 * names the conformance case meant to catch it. None needs test-only code in the simulator: they change options,
 * the store, handler variants (VirtualKeyOptions.handlers), the key's sessions, or what reaches the host.
 */
import { type CommandContext, type DeviceState, MemoryStore, type KeySession, type VirtualKey, defaultHandlers } from '@hkey/firmware-sim';
import { type CborValue, Commands, Status, decodeCbor, decodeRequest, encodeCbor } from '@hkey/protocol';
import type { Mutant } from './mutant-rig.js';

const utf8 = new TextEncoder();

/** A session whose responses pass through `alter` (with the request they answer). */
function alteredSession(alter: (response: Uint8Array, request: Uint8Array, key: VirtualKey) => Uint8Array): (session: KeySession, key: VirtualKey) => KeySession {
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
              get: () => ({ ...ctx.state, accounts: ctx.state.accounts.map((account) => (account.otp?.kind === 'TOTP' ? { ...account, otp: { ...account.otp, period: 30 } } : account)) }),
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
    session: alteredSession((response, request) => (response.length === 1 && response[0] !== Status.OK && request.length > 1 ? concat(response, request.subarray(1)) : response)),
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
      Wipe: (ctx, params) => defaultHandlers.Wipe(contextWith(ctx, { requirePresence: { value: (_kind: string, reason: string) => ctx.requirePresence('press', reason) } }), params),
    },
  },
];
