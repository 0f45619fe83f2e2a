import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { AccountFlag, encodeRequest, Limits } from '@hkey/protocol';
import { Button, MemoryStore, autoApprove, autoDeny, neverPress, scriptedPresence } from '@hkey/firmware-sim';
import { RFC_SECRET, START_MS, harness } from './harness.js';

const vectors = (name: string) => JSON.parse(readFileSync(new URL(`../../packages/conformance/vectors/${name}`, import.meta.url), 'utf8'));
const hotpVectors = vectors('rfc4226-hotp.json') as { vectors: { counter: number; code: string }[] };
const totpVectors = vectors('rfc6238-totp.json') as {
  secrets: Record<string, { ascii: string }>;
  vectors: { time: number; algorithm: 'SHA1' | 'SHA256' | 'SHA512'; code: string }[];
};

describe('identity and info (docs/protocol.md §4.2)', () => {
  test('a fresh key reports no PIN, full storage and its identity', async () => {
    const h = await harness({ storageTotal: 4096 });
    const info = await h.ok('GetInfo', {});
    expect(info).toMatchObject({
      serial: 'HK-SIM-000001',
      protocolVersion: 1,
      pinState: 'NOT_SET',
      locked: false,
      storageTotal: 4096,
      storageFree: 4096,
      accountCount: 0,
      battery: 100,
    });
    expect(info.time).toBe(Math.floor(START_MS / 1000));
  });

  test('SetTime moves the device clock, which then runs on', async () => {
    const h = await harness();
    await h.ok('SetTime', { time: 2_000_000_000 });
    h.clock.advance(5_000);
    expect((await h.ok('GetInfo', {})).time).toBe(2_000_000_005);
  });
});

describe('accounts (docs/protocol.md §4.8-§4.12, §5)', () => {
  test('create, get, list, update and delete', async () => {
    const h = await harness();
    const created = await h.ok('AccountCreate', {
      name: 'github',
      login: 'alice',
      password: 'pw',
      urls: ['https://github.com'],
      otp: { secret: RFC_SECRET, kind: 'TOTP' },
    });
    expect(created.id).toBe(1);
    expect(await h.ok('AccountGet', { id: 1 })).toEqual({
      id: 1,
      name: 'github',
      login: 'alice',
      hasPassword: true,
      urls: ['https://github.com'],
      flags: 0,
      otp: { kind: 'TOTP', algorithm: 'SHA1', digits: 6, period: 30 },
    });
    await h.ok('AccountUpdate', { id: 1, name: 'gh', clear: 0x02 });
    expect(await h.ok('AccountGet', { id: 1 })).toMatchObject({ name: 'gh', hasPassword: false });
    const second = await h.ok('AccountCreate', { name: 'mail' });
    expect(second.id).toBe(2);
    expect((await h.ok('AccountList', {})).accounts.map((a) => a.name)).toEqual(['gh', 'mail']);
    await h.ok('AccountDelete', { id: 1 });
    expect((await h.call('AccountGet', { id: 1 })).status).toBe('ACCOUNT_NOT_FOUND');
    // Ids are not reused (docs/protocol.md §5.1).
    expect((await h.ok('AccountCreate', { name: 'again' })).id).toBe(3);
  });

  test('names are unique, read-only accounts stay, set-and-clear is invalid', async () => {
    const h = await harness();
    await h.ok('AccountCreate', { name: 'a', flags: AccountFlag.READ_ONLY });
    await h.ok('AccountCreate', { name: 'b', login: 'x' });
    expect((await h.call('AccountCreate', { name: 'a' })).status).toBe('ACCOUNT_NAME_TAKEN');
    expect((await h.call('AccountUpdate', { id: 2, name: 'a' })).status).toBe('ACCOUNT_NAME_TAKEN');
    expect((await h.call('AccountUpdate', { id: 1, login: 'y' })).status).toBe('ACCOUNT_READ_ONLY');
    expect((await h.call('AccountDelete', { id: 1 })).status).toBe('ACCOUNT_READ_ONLY');
    expect((await h.call('AccountUpdate', { id: 2, login: 'z', clear: 0x01 })).status).toBe('INVALID_PARAMETER');
  });

  test('storage accounting is exact and STORAGE_FULL changes nothing (docs/protocol.md §5.3)', async () => {
    const h = await harness({ storageTotal: 200 });
    // 24 + 4 (name) + 5 (login) + (1 + 9) (url) + 16 + 20 (secret) = 79
    const created = await h.ok('AccountCreate', { name: 'mail', login: 'alice', urls: ['https://x'], otp: { secret: RFC_SECRET, kind: 'TOTP' } });
    expect(created.storageFree).toBe(200 - 79);
    const full = await h.call('AccountCreate', { name: 'x'.repeat(64), password: 'p'.repeat(60) });
    expect(full).toEqual({ ok: false, status: 'STORAGE_FULL', code: 0x55, details: { needed: 24 + 64 + 60, free: 121 } });
    expect((await h.ok('GetInfo', {})).accountCount).toBe(1);
    const update = await h.call('AccountUpdate', { id: created.id, password: 'q'.repeat(122) });
    expect(update).toMatchObject({ status: 'STORAGE_FULL', details: { needed: 122, free: 121 } });
    expect((await h.ok('AccountUpdate', { id: created.id, password: 'q'.repeat(121) })).storageFree).toBe(0);
  });

  test('AccountList pages and hides hidden accounts unless asked', async () => {
    const h = await harness();
    for (let i = 0; i < 40; i++) await h.ok('AccountCreate', { name: `acct-${i}`, flags: i % 10 === 0 ? AccountFlag.HIDDEN : 0 });
    const first = await h.ok('AccountList', {});
    expect(first.total).toBe(36);
    expect(first.accounts).toHaveLength(32);
    const rest = await h.ok('AccountList', { offset: 32 });
    expect(first.accounts.at(-1)?.name).toBe('acct-35');
    expect(rest.accounts.map((a) => a.name)).toEqual(['acct-36', 'acct-37', 'acct-38', 'acct-39']);
    expect((await h.ok('AccountList', { includeHidden: true })).total).toBe(40);
  });
});

describe('OTP through the device (docs/protocol.md §4.13, §7)', () => {
  test('RFC 4226 vectors: HOTP counter advances with every code', async () => {
    const h = await harness();
    const { id } = await h.ok('AccountCreate', { name: 'hotp', otp: { secret: RFC_SECRET, kind: 'HOTP' } });
    for (const vector of hotpVectors.vectors) {
      expect(await h.ok('GetOtp', { id })).toEqual({ code: vector.code, counter: vector.counter });
    }
    expect((await h.ok('AccountGet', { id })).otp).toMatchObject({ counter: 10 });
  });

  test('right after SetTime the clock reads the time set, on a clock with fractional milliseconds too', async () => {
    const h = await harness();
    // A virtual clock after a jump runs on fractions of a millisecond; rounding the offset to nearest put the
    // clock 0.4 ms before the time set, in the previous TOTP step.
    h.clock.advance(0.6);
    await h.ok('SetTime', { time: 1_234_567_890 });
    expect((await h.ok('GetInfo', {})).time).toBe(1_234_567_890);
  });

  test('RFC 6238 vectors on the device clock, all three algorithms', async () => {
    const h = await harness();
    const ids: Record<string, number> = {};
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const secret = new TextEncoder().encode(totpVectors.secrets[algorithm]?.ascii);
      ids[algorithm] = (await h.ok('AccountCreate', { name: algorithm, otp: { secret, kind: 'TOTP', algorithm, digits: 8 } })).id;
    }
    for (const vector of totpVectors.vectors) {
      await h.ok('SetTime', { time: vector.time });
      const result = await h.ok('GetOtp', { id: ids[vector.algorithm] as number });
      expect(result.code).toBe(vector.code);
      expect(result.validUntil).toBe((Math.floor(vector.time / 30) + 1) * 30);
    }
  });

  test('the secret never appears in any response', async () => {
    const h = await harness();
    const secret = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    const { id } = await h.ok('AccountCreate', { name: 's', login: 'l', otp: { secret, kind: 'HOTP' } });
    const needle = Buffer.from(secret).toString('hex');
    for (const request of [
      encodeRequest('AccountGet', { id }),
      encodeRequest('AccountList', { includeHidden: true }),
      encodeRequest('GetOtp', { id }),
      encodeRequest('GetInfo', {}),
    ]) {
      const response = (await h.session.handle(request)) as Uint8Array;
      expect(Buffer.from(response).toString('hex')).not.toContain(needle.slice(0, 20));
    }
  });

  test('the HOTP counter never wraps: at 2^64-1 the account is exhausted', async () => {
    const h = await harness();
    const { id } = await h.ok('AccountCreate', { name: 'last', otp: { secret: RFC_SECRET, kind: 'HOTP', counter: 2n ** 64n - 2n } });
    expect((await h.ok('GetOtp', { id })).counter).toBe(2n ** 64n - 2n);
    expect((await h.call('GetOtp', { id })).status).toBe('OTP_COUNTER_EXHAUSTED');
  });

  test('SetTime refuses times TOTP cannot represent', async () => {
    const h = await harness();
    expect((await h.call('SetTime', { time: 8_640_000_000_001 })).status).toBe('INVALID_PARAMETER');
  });

  test('NO_OTP and requires-touch', async () => {
    const h = await harness({ presence: autoDeny });
    const plain = await h.ok('AccountCreate', { name: 'plain' });
    expect((await h.call('GetOtp', { id: plain.id })).status).toBe('NO_OTP');
    const touchy = await h.ok('AccountCreate', { name: 'touch', flags: AccountFlag.REQUIRES_TOUCH, otp: { secret: RFC_SECRET, kind: 'TOTP' } });
    expect((await h.call('GetOtp', { id: touchy.id })).status).toBe('USER_PRESENCE_DENIED');
  });
});

describe('durability (docs/protocol.md §5.5)', () => {
  test('a HOTP code is never issued twice across power cuts', async () => {
    const store = new MemoryStore();
    const h = await harness({ store });
    const { id } = await h.ok('AccountCreate', { name: 'hotp', otp: { secret: RFC_SECRET, kind: 'HOTP' } });
    const seen = new Set<string>();
    const faults = ['power-cut-before-commit', 'power-cut-after-commit', 'short-write', undefined] as const;
    for (let round = 0; round < 12; round++) {
      const fault = faults[round % faults.length];
      if (fault) h.key.flashFaults.schedule(1, fault);
      const session = h.key.openSession('virtual');
      const response = await session.handle(encodeRequest('GetOtp', { id }));
      if (fault) {
        expect(response).toBeUndefined();
        continue;
      }
      const code = Buffer.from(response as Uint8Array).toString('hex');
      expect(seen.has(code)).toBe(false);
      seen.add(code);
    }
    const stored = await store.load();
    // Rounds with power-cut-after-commit consumed a counter value without issuing it.
    expect(stored?.accounts[0]?.otp?.counter).toBe(3n + 3n);
  });

  test('a failed flash write answers STORAGE_FAILURE and changes nothing', async () => {
    const h = await harness();
    h.key.flashFaults.schedule(1, 'write-error');
    expect((await h.call('AccountCreate', { name: 'x' })).status).toBe('STORAGE_FAILURE');
    expect((await h.ok('GetInfo', {})).accountCount).toBe(0);
  });
});

describe('PIN (docs/protocol.md §6.1, §6.2)', () => {
  async function withPin(maxRetries = 3) {
    const h = await harness({ presence: autoApprove });
    await h.ok('SetPin', { pin: '1234', maxRetries });
    return h;
  }

  test('SetPin enforces the policy and unlocks only the calling session', async () => {
    const h = await harness({ presence: autoApprove });
    expect((await h.call('SetPin', { pin: '12a4' })).status).toBe('PIN_POLICY_VIOLATION');
    expect((await h.call('SetPin', { pin: '123' })).status).toBe('PIN_POLICY_VIOLATION');
    const other = h.key.openSession('ble');
    await h.ok('SetPin', { pin: '1234' });
    expect((await h.call('SetPin', { pin: '5678' })).status).toBe('PIN_ALREADY_SET');
    expect((await h.ok('GetInfo', {})).locked).toBe(false);
    expect((await h.ok('GetInfo', {}, other)).locked).toBe(true);
    expect((await h.call('AccountList', {}, other)).status).toBe('PIN_REQUIRED');
    expect((await h.ok('VerifyPin', { pin: '1234' }, other)).retries).toBe(8);
    expect((await h.ok('AccountList', {}, other)).total).toBe(0);
  });

  test('wrong PINs count down to a block where only GetInfo, Wink and Wipe work', async () => {
    const h = await withPin(3);
    await h.ok('Lock', {});
    expect((await h.call('GetOtp', { id: 1 })).status).toBe('PIN_REQUIRED');
    expect(await h.call('VerifyPin', { pin: '0000' })).toMatchObject({ status: 'PIN_INVALID', details: { retries: 2 } });
    expect(await h.call('VerifyPin', { pin: 'not-a-pin' })).toMatchObject({ status: 'PIN_INVALID', details: { retries: 1 } });
    expect(await h.ok('VerifyPin', { pin: '1234' })).toEqual({ retries: 3 });
    for (const retries of [2, 1, 0]) expect(await h.call('VerifyPin', { pin: '9999' })).toMatchObject({ details: { retries } });
    expect((await h.call('VerifyPin', { pin: '1234' })).status).toBe('PIN_BLOCKED');
    expect((await h.call('AccountList', {})).status).toBe('PIN_BLOCKED');
    expect((await h.call('Lock', {})).status).toBe('PIN_BLOCKED');
    expect(await h.ok('GetInfo', {})).toMatchObject({ pinState: 'BLOCKED', pinRetries: 0 });
    await h.ok('Wink', {});
    await h.ok('Wipe', {});
    expect(await h.ok('GetInfo', {})).toMatchObject({ pinState: 'NOT_SET', locked: false, accountCount: 0 });
  });

  test('the retry counter is durable before the comparison: a power cut never refunds an attempt', async () => {
    const store = new MemoryStore();
    const h = await harness({ presence: autoApprove, store });
    await h.ok('SetPin', { pin: '1234', maxRetries: 5 });
    h.key.flashFaults.schedule(1, 'power-cut-after-commit');
    expect(await h.key.openSession('virtual').handle(encodeRequest('VerifyPin', { pin: '1234' }))).toBeUndefined();
    expect((await store.load())?.pin?.retries).toBe(4);
    const session = h.key.openSession('virtual');
    expect((await h.ok('VerifyPin', { pin: '1234' }, session)).retries).toBe(5);
  });

  test('ChangePin checks the current PIN and the policy of the new one', async () => {
    const h = await withPin(5);
    expect(await h.call('ChangePin', { currentPin: '0000', newPin: '5678' })).toMatchObject({ status: 'PIN_INVALID', details: { retries: 4 } });
    expect((await h.call('ChangePin', { currentPin: '1234', newPin: '12' })).status).toBe('PIN_POLICY_VIOLATION');
    expect((await h.ok('GetInfo', {})).pinRetries).toBe(5);
    await h.ok('ChangePin', { currentPin: '1234', newPin: '87654321' });
    await h.ok('Lock', {});
    expect((await h.ok('VerifyPin', { pin: '87654321' })).retries).toBe(5);
  });

  test('PIN_NOT_SET without a PIN; Lock is harmless then', async () => {
    const h = await harness();
    expect((await h.call('VerifyPin', { pin: '1234' })).status).toBe('PIN_NOT_SET');
    await h.ok('Lock', {});
    expect((await h.ok('GetInfo', {})).locked).toBe(false);
  });
});

describe('user presence (docs/protocol.md §6.3)', () => {
  test('GetPassword waits for the button, and reports the wait', async () => {
    const button = new Button();
    const h = await harness({ presence: button });
    const { id } = await h.ok('AccountCreate', { name: 'p', password: 'correct horse' });
    const statuses: string[] = [];
    const seq = h.key.events.lastSeq;
    const pending = h.session.handle(encodeRequest('GetPassword', { id }), { onStatus: (s) => statuses.push(s) });
    await h.key.events.waitFor((e) => e.type === 'presence' && e.state === 'waiting', { afterSeq: seq });
    expect(button.waiting?.reason).toBe('GetPassword p');
    expect(button.press()).toBe(true);
    const response = await pending;
    expect(Buffer.from(response as Uint8Array).toString('utf8')).toContain('correct horse');
    expect(statuses).toContain('user-presence');
  });

  test('timeout after 30 s, cancel, deny, and DEVICE_BUSY for others meanwhile', async () => {
    const h = await harness({ presence: neverPress });
    const { id } = await h.ok('AccountCreate', { name: 'p', password: 'pw' });
    const seq = h.key.events.lastSeq;
    const waiting = h.call('GetPassword', { id });
    await h.key.events.waitFor((e) => e.type === 'presence' && e.state === 'waiting', { afterSeq: seq });
    const other = h.key.openSession('ble');
    expect((await h.call('GetInfo', {}, other)).status).toBe('DEVICE_BUSY');
    h.clock.advance(29_999);
    h.clock.advance(1);
    expect((await waiting).status).toBe('USER_PRESENCE_TIMEOUT');

    const controller = new AbortController();
    const cancelled = h.session.handle(encodeRequest('GetPassword', { id }), { signal: controller.signal });
    controller.abort();
    expect((await cancelled)?.[0]).toBe(0x43);

    h.key.presence = scriptedPresence(['denied']);
    expect((await h.call('GetPassword', { id })).status).toBe('USER_PRESENCE_DENIED');
  });

  test('Wipe needs a 10-second hold', async () => {
    const button = new Button();
    const h = await harness({ presence: button });
    await h.ok('AccountCreate', { name: 'keep-me' });
    const seq = h.key.events.lastSeq;
    const early = h.call('Wipe', {});
    await h.key.events.waitFor((e) => e.type === 'presence' && e.state === 'waiting', { afterSeq: seq });
    button.hold(Limits.wipeHoldMs - 1);
    expect((await early).status).toBe('USER_PRESENCE_HOLD_TOO_SHORT');
    expect((await h.ok('GetInfo', {})).accountCount).toBe(1);
    const again = h.key.events.lastSeq;
    const wipe = h.call('Wipe', {});
    await h.key.events.waitFor((e) => e.type === 'presence' && e.state === 'waiting', { afterSeq: again });
    button.hold(Limits.wipeHoldMs);
    expect((await wipe).ok).toBe(true);
    expect((await h.ok('GetInfo', {})).accountCount).toBe(0);
  });
});

describe('battery and events', () => {
  test('an empty battery answers BATTERY_EMPTY to everything but GetInfo', async () => {
    const h = await harness();
    await h.key.setBattery(0);
    expect((await h.call('AccountList', {})).status).toBe('BATTERY_EMPTY');
    expect((await h.ok('GetInfo', {})).battery).toBe(0);
  });

  test('events never contain secrets, passwords or PINs', async () => {
    const h = await harness({ presence: autoApprove });
    await h.ok('SetPin', { pin: '86420975' });
    await h.ok('AccountCreate', { name: 'x', password: 'p4ssw0rd-secret', otp: { secret: RFC_SECRET, kind: 'TOTP' } });
    await h.ok('GetPassword', { id: 1 });
    const log = JSON.stringify(h.key.events.since(0), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const needle of ['86420975', 'p4ssw0rd-secret', '12345678901234567890']) expect(log).not.toContain(needle);
    expect(log).toContain('[redacted]');
  });
});

describe('clock drift', () => {
  test('a drifting clock runs fast or slow, and TOTP follows it', async () => {
    const h = await harness();
    await h.ok('SetTime', { time: 1_000_000_000 });
    h.key.setDrift(1_000); // 1000 ppm: 1 ms per second fast
    h.clock.advance(1_000_000);
    expect((await h.ok('GetInfo', {})).time).toBe(1_000_000_000 + 1_000 + 1);
    h.key.setDrift(-2_000);
    h.clock.advance(1_000_000);
    expect((await h.ok('GetInfo', {})).time).toBe(1_000_000_000 + 2_000 + 1 - 2);
  });
});
