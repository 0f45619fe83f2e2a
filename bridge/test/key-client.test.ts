/** KeyClient end to end against the real simulator, in-process and over UDP. */
import { afterEach, describe, expect, test } from 'vitest';
import { AccountFlag, Limits, hotp, totp } from '@hkey/protocol';
import { neverPress } from '@hkey/firmware-sim';
import { BridgeError, DeviceStatusError, TransportError, isDeviceStatus } from '@hkey/bridge';
import { failure, LINKS, type Rig, rig, SECRET, sleep, untilWaiting } from './rig.js';

let current: Rig | undefined;
async function open(...args: Parameters<typeof rig>): Promise<Rig> {
  current = await rig(...args);
  return current;
}
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** The error a promise rejects with. */
describe.each(LINKS)('KeyClient over %s', (link) => {
  test('getInfo reports the key and the channel its CTAPHID INIT', async () => {
    const { client, transport, key } = await open(link);
    const info = await client.getInfo();
    expect(info).toMatchObject({ serial: key.serial, protocolVersion: 1, pinState: 'NOT_SET', locked: false, accountCount: 0 });
    expect(transport.channel.info.protocolVersion).toBe(2);
    expect(transport.descriptor.transport).toBe(link === 'udp' ? 'udp' : 'virtual');
  });

  test('accounts: create, get, list across pages, update, find, delete', async () => {
    const { client } = await open(link);
    const github = await client.createAccount({ name: 'GitHub', login: 'alice', password: 'pw', urls: ['https://github.com'] });
    expect(github.id).toBe(1);
    expect(await client.getAccount(github.id)).toEqual({
      id: 1,
      name: 'GitHub',
      login: 'alice',
      hasPassword: true,
      urls: ['https://github.com'],
      flags: 0,
    });
    // More than one AccountList page (at most 32 accounts each).
    for (let index = 0; index < 40; index++) await client.createAccount({ name: `account ${index}` });
    await client.createAccount({ name: 'secret', flags: AccountFlag.HIDDEN });
    const listed = await client.listAccounts();
    expect(listed).toHaveLength(41);
    expect(listed.map((account) => account.id)).toEqual(Array.from({ length: 41 }, (_, index) => index + 1));
    expect(await client.listAccounts({ includeHidden: true })).toHaveLength(42);

    await client.updateAccount({ id: github.id, login: 'bob', clear: 0x02 });
    expect(await client.getAccount(github.id)).toMatchObject({ login: 'bob', hasPassword: false });

    expect((await client.findAccount('GitHub'))?.id).toBe(1);
    expect((await client.findAccount('github'))?.id).toBe(1);
    expect((await client.findAccount('SECRET'))?.name).toBe('secret');
    expect((await client.findAccount('3'))?.name).toBe('account 1');
    expect((await client.findAccount(3))?.name).toBe('account 1');
    expect(await client.findAccount('nothing')).toBeUndefined();

    await client.deleteAccount(github.id);
    const error = await failure(client.getAccount(github.id));
    expect(error).toBeInstanceOf(DeviceStatusError);
    expect(error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', status: 'ACCOUNT_NOT_FOUND', statusByte: 0x50 });
    expect((await failure(client.createAccount({ name: 'account 0' }))).code).toBe('ACCOUNT_NAME_TAKEN');
  });

  test('findAccount falls back to the id when a name matches ignoring case more than once', async () => {
    const { client } = await open(link);
    await client.createAccount({ name: 'Mail' });
    await client.createAccount({ name: 'MAIL' });
    await client.createAccount({ name: '1' });
    expect(await client.findAccount('mail')).toBeUndefined();
    expect((await client.findAccount('MAIL'))?.id).toBe(2);
    expect((await client.findAccount('1'))?.id).toBe(3);
  });

  test('OTP codes match RFC 6238 and RFC 4226 on the key clock and counter', async () => {
    const { client } = await open(link);
    await client.setTime(2_000_000_000);
    const totpAccount = await client.createAccount({ name: 'totp', otp: { secret: SECRET, kind: 'TOTP', digits: 8, algorithm: 'SHA256', period: 60 } });
    const code = await client.getOtp(totpAccount.id);
    expect(code.validUntil).toBeDefined();
    const validUntil = Number(code.validUntil);
    expect(validUntil % 60).toBe(0);
    expect(validUntil).toBeGreaterThan(2_000_000_000);
    expect(code.code).toBe(totp(SECRET, validUntil - 60, { period: 60, digits: 8, algorithm: 'SHA256' }));

    const hotpAccount = await client.createAccount({ name: 'hotp', otp: { secret: SECRET, kind: 'HOTP', counter: 5 } });
    const first = await client.getOtp(hotpAccount.id);
    const second = await client.getOtp(hotpAccount.id);
    expect([first.counter, second.counter].map(Number)).toEqual([5, 6]);
    expect(first.code).toBe(hotp(SECRET, 5));
    expect(second.code).toBe(hotp(SECRET, 6));

    const none = await client.createAccount({ name: 'plain' });
    expect((await failure(client.getOtp(none.id))).code).toBe('NO_OTP');
  });

  test('PIN flow: set with a press, lock, typed errors with retries, unlock, block, wipe', async () => {
    const { client, button } = await open(link);
    await client.setPin({ pin: '1234', maxRetries: 3 }, { onUserPresence: () => button.press() });
    await client.createAccount({ name: 'a' });
    expect((await client.getInfo()).pinState).toBe('SET');
    expect((await failure(client.setPin({ pin: '5678' }, { onUserPresence: () => button.press() }))).code).toBe('PIN_ALREADY_SET');

    await client.lock();
    const locked = await failure(client.listAccounts());
    expect(locked).toBeInstanceOf(DeviceStatusError);
    expect(locked.code).toBe('PIN_REQUIRED');
    expect(locked.message).toContain('verify the PIN');

    const wrong = await failure(client.verifyPin('0000'));
    expect(isDeviceStatus(wrong, 'PIN_INVALID')).toBe(true);
    if (isDeviceStatus(wrong, 'PIN_INVALID')) expect(wrong.details?.retries).toBe(2);
    expect(wrong.message).toBe('Wrong PIN: 2 attempts left before the key blocks.');
    expect(wrong.message).not.toContain('0000');

    expect(await client.verifyPin('1234')).toEqual({ retries: 3 });
    expect(await client.listAccounts()).toHaveLength(1);
    expect((await failure(client.changePin({ currentPin: '1234', newPin: '12' }))).code).toBe('PIN_POLICY_VIOLATION');
    await client.changePin({ currentPin: '1234', newPin: '4321' });

    for (const expected of [2, 1, 0]) {
      const error = await failure(client.verifyPin('9999'));
      expect(error).toMatchObject({ code: 'PIN_INVALID', details: { retries: expected } });
    }
    const blocked = await failure(client.getOtp(1));
    expect(blocked).toMatchObject({ code: 'PIN_BLOCKED', statusByte: 0x32 });
    expect(blocked.message).toContain('wipe');

    await client.wipe({ onUserPresence: () => button.hold(Limits.wipeHoldMs) });
    expect(await client.getInfo()).toMatchObject({ pinState: 'NOT_SET', accountCount: 0 });
  });

  test('user presence: onUserPresence fires once while the key waits, the press releases the password', async () => {
    const { client, button } = await open(link);
    const { id } = await client.createAccount({ name: 'site', password: 'hunter2' });
    let prompts = 0;
    const password = client.getPassword(id, { onUserPresence: () => prompts++ });
    await untilWaiting(button);
    // Several keepalives (every 75 ms) arrive while the key waits; the prompt must still fire once.
    await sleep(300);
    expect(prompts).toBe(1);
    button.press();
    expect(await password).toEqual({ password: 'hunter2' });
    expect(prompts).toBe(1);

    const denied = client.getPassword(id, { onUserPresence: () => button.deny() });
    expect((await failure(denied)).code).toBe('USER_PRESENCE_DENIED');
  });

  test('aborting during a button wait cancels on the key, rejects CANCELLED, and the key stays usable', async () => {
    const { client, button, key } = await open(link);
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const controller = new AbortController();
    const password = client.getPassword(id, { signal: controller.signal });
    await untilWaiting(button);
    const since = key.events.lastSeq;
    controller.abort();
    const error = await failure(password);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('CANCELLED');
    expect(error.cause).toBe(controller.signal.reason);
    // The key answered the CANCEL itself (HKP status CANCELLED), well within the grace period.
    expect(key.events.since(since).some((event) => event.type === 'presence' && event.state === 'cancelled')).toBe(true);
    expect(key.events.since(since).some((event) => event.type === 'response' && event.status === 'CANCELLED')).toBe(true);
    expect(button.waiting).toBeUndefined();
    expect((await client.getInfo()).accountCount).toBe(1);
    // A signal already aborted never reaches the key.
    expect((await failure(client.getInfo({ signal: controller.signal }))).code).toBe('CANCELLED');
  });

  test('20 concurrent calls run and resolve in call order', async () => {
    const { client } = await open(link);
    const settled: number[] = [];
    const calls = Array.from({ length: 20 }, (_, index) =>
      client.createAccount({ name: `n${index}` }).then((result) => {
        settled.push(index);
        return result.id;
      }),
    );
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(settled).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect((await client.listAccounts()).map((account) => account.name)).toEqual(Array.from({ length: 20 }, (_, index) => `n${index}`));
  });

  test('aborting a queued call removes it without reaching the key', async () => {
    const { client, button, key } = await open(link);
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const running = client.getPassword(id);
    const controller = new AbortController();
    const queued = client.createAccount({ name: 'never' }, { signal: controller.signal });
    const after = client.createAccount({ name: 'after' });
    await untilWaiting(button);
    controller.abort();
    expect((await failure(queued)).code).toBe('CANCELLED');
    expect(button.waiting).toBeDefined();
    button.press();
    expect(await running).toEqual({ password: 'pw' });
    expect((await after).id).toBe(2);
    const commands = key.events.since(0).filter((event) => event.type === 'command' && event.command === 'AccountCreate');
    expect(commands).toHaveLength(2);
    expect((await client.listAccounts()).map((account) => account.name)).toEqual(['site', 'after']);
  });

  test('timeoutMs cancels a call the key cannot finish; the key stays usable', async () => {
    const { client, key } = await open(link, { presence: neverPress });
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const started = Date.now();
    const error = await failure(client.getPassword(id, { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(key.events.since(0).some((event) => event.type === 'presence' && event.state === 'cancelled')).toBe(true);
    expect((await client.getInfo()).accountCount).toBe(1);
    // A call whose time runs out in the queue never reaches the key.
    const blocker = client.getPassword(id, { timeoutMs: 300 });
    const queued = client.getInfo({ timeoutMs: 100 });
    expect((await failure(queued)).code).toBe('TIMEOUT');
    expect((await failure(blocker)).code).toBe('TIMEOUT');
    expect(key.events.since(0).filter((event) => event.type === 'command' && event.command === 'GetInfo')).toHaveLength(1);
  });

  test('CHANNEL_BUSY is retried every 100 ms until the key takes the request', async () => {
    const { client, key } = await open(link);
    key.linkFaults.busyReplies = 3;
    const started = Date.now();
    expect((await client.getInfo()).serial).toBe(key.serial);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(key.events.since(0).filter((event) => event.type === 'command' && event.command === 'GetInfo')).toHaveLength(1);
  });

  test('a key that stays busy for the idle timeout fails the call with a typed CTAPHID error', async () => {
    const { client, key } = await open(link, { idleTimeoutMs: 300 });
    key.linkFaults.busyReplies = 1_000;
    const error = await failure(client.getInfo());
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'HID_CHANNEL_BUSY', hidError: 0x06 });
    key.linkFaults.busyReplies = 0;
    expect((await client.getInfo()).serial).toBe(key.serial);
  });

  test('a key that power-cycles forgets the channel: the bridge allocates a new one and retries once', async () => {
    const { client, transport, key } = await open(link);
    const before = transport.channel.channelId;
    await key.powerCycle();
    expect((await client.getInfo()).serial).toBe(key.serial);
    expect(transport.channel.channelId).not.toBe(before);
  });

  test('the link going away emits disconnect and fails later calls with DISCONNECTED', async () => {
    const { client, transport, unplug } = await open(link);
    await client.getInfo();
    const disconnected = new Promise<BridgeError>((resolve) => transport.on('disconnect', resolve));
    await unplug();
    // In-process the port reports the unplug at once; a datagram to a closed UDP port comes back as ICMP
    // "port unreachable", so UDP notices with the next call.
    const next = failure(client.getInfo());
    expect((await disconnected).code).toBe('DISCONNECTED');
    expect((await next).code).toBe('DISCONNECTED');
    expect((await failure(client.getInfo())).code).toBe('DISCONNECTED');
  });
});

test('unplugging in-process fails the running and the queued calls with DISCONNECTED', async () => {
  const { client, unplug, button } = await open('in-process');
  const { id } = await client.createAccount({ name: 'site', password: 'pw' });
  const running = failure(client.getPassword(id));
  const queued = failure(client.getInfo());
  await untilWaiting(button);
  await unplug();
  expect((await running).code).toBe('DISCONNECTED');
  expect((await queued).code).toBe('DISCONNECTED');
});

test('a UDP key that goes silent mid-call fails it with TIMEOUT after the idle timeout', async () => {
  const { client, unplug, button } = await open('udp', { idleTimeoutMs: 300 });
  const { id } = await client.createAccount({ name: 'site', password: 'pw' });
  const running = failure(client.getPassword(id));
  await untilWaiting(button);
  await unplug();
  expect((await running).code).toBe('TIMEOUT');
});
