/** The CTAPHID host channel against the simulator, with reports tampered with in flight. */
import { afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { HID_BROADCAST_CID, HidCommand, encodeRequest, readHidCid } from '@hkey/protocol';
import { type DeviceState, MemoryStore, VirtualKey, connectInProcess, neverPress } from '@hkey/firmware-sim';
import { BridgeError, HidChannel, type HidReportPort, KeyClient, type KeepaliveStatus, openVirtualTransport } from '@hkey/bridge';
import { failure, type Rig, rig, sleep, tamper, untilWaiting } from './rig.js';

let current: Rig | undefined;
async function open(...args: Parameters<typeof rig>): Promise<Rig> {
  current = await rig(...args);
  return current;
}
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const isInit = (report: Uint8Array, cmd: number): boolean => report[4] === (cmd | 0x80);

describe('channel allocation and resynchronisation', () => {
  test("INIT responses carrying another host's nonce are ignored", async () => {
    const foreignCid = 0x0badcafe;
    const { client, transport } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          in: (report) => {
            if (readHidCid(report) !== HID_BROADCAST_CID || !isInit(report, HidCommand.INIT)) return [report];
            const foreign = report.slice();
            foreign[7] = (foreign[7] as number) ^ 0xff;
            new DataView(foreign.buffer).setUint32(15, foreignCid);
            return [foreign, report];
          },
        }),
    });
    expect(transport.channel.channelId).not.toBe(foreignCid);
    expect(transport.channel.channelId).not.toBe(HID_BROADCAST_CID);
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });

  test('a malformed response fails the call with PROTOCOL_VIOLATION; the next call resynchronises on the same CID', async () => {
    let breakNext = false;
    const initsOnChannel: number[] = [];
    const { client, transport } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          out: (report) => {
            if (isInit(report, HidCommand.INIT) && readHidCid(report) !== HID_BROADCAST_CID) initsOnChannel.push(readHidCid(report));
            return report;
          },
          in: (report) => {
            // The second packet of a multi-packet response gets a wrong SEQ.
            if (breakNext && (report[4] as number) === 0) {
              breakNext = false;
              const broken = report.slice();
              broken[4] = 5;
              return [broken];
            }
            return [report];
          },
        }),
    });
    for (let index = 0; index < 5; index++) await client.createAccount({ name: `account with a long enough name ${index}` });
    breakNext = true;
    const error = await failure(client.listAccounts());
    expect(error.code).toBe('PROTOCOL_VIOLATION');
    expect(initsOnChannel).toEqual([]);
    const cid = transport.channel.channelId;
    expect(await client.listAccounts()).toHaveLength(5);
    expect(initsOnChannel).toEqual([cid]);
    expect(transport.channel.channelId).toBe(cid);
  });

  test('a response to a different command is a PROTOCOL_VIOLATION', async () => {
    let rewrite = true;
    const { client } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          in: (report) => {
            if (!rewrite || !isInit(report, HidCommand.HKP_MSG)) return [report];
            rewrite = false;
            const changed = report.slice();
            changed[4] = HidCommand.WINK | 0x80;
            return [changed];
          },
        }),
    });
    expect((await failure(client.getInfo())).code).toBe('PROTOCOL_VIOLATION');
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });

  test('an HKP response that does not decode is a PROTOCOL_VIOLATION with the decoding error as cause', async () => {
    let corrupt = true;
    const { client } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          in: (report) => {
            if (!corrupt || !isInit(report, HidCommand.HKP_MSG)) return [report];
            corrupt = false;
            const changed = report.slice();
            changed[7] = 0x99;
            return [changed];
          },
        }),
    });
    const error = await failure(client.getInfo());
    expect(error.code).toBe('PROTOCOL_VIOLATION');
    expect((error.cause as { code?: string }).code).toBe('UNKNOWN_STATUS');
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });

  test('a report the key rejects maps its CTAPHID ERROR code', async () => {
    let rewrite = true;
    const { client } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          out: (report) => {
            if (!rewrite || !isInit(report, HidCommand.HKP_MSG)) return report;
            rewrite = false;
            const changed = report.slice();
            changed[4] = 0x51 | 0x80;
            return changed;
          },
        }),
    });
    const error = await failure(client.getInfo());
    expect(error).toMatchObject({ code: 'HID_INVALID_CMD', hidError: 0x01 });
    expect(error.message).toBe('The key does not support this HID command.');
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });
});

describe('retries the spec asks for', () => {
  test('a request garbled on the way (ERROR INVALID_SEQ) is sent again, once', async () => {
    let garble = true;
    const { client, key } = await open('in-process', {
      wrap: (port) =>
        tamper(port, {
          out: (report) => {
            if (!garble || report[4] !== 0) return report;
            garble = false;
            const changed = report.slice();
            changed[4] = 9;
            return changed;
          },
        }),
    });
    const urls = Array.from({ length: 4 }, (_, index) => `https://example.com/${index}/${'x'.repeat(100)}`);
    expect((await client.createAccount({ name: 'long', urls })).id).toBe(1);
    expect(garble).toBe(false);
    expect(key.events.since(0).filter((event) => event.type === 'command' && event.command === 'AccountCreate')).toHaveLength(1);
  });

  test('a device that is not CTAPHID version 2 is refused at open', async () => {
    const key = await VirtualKey.start();
    const port = tamper(connectInProcess(key), {
      in: (report) => {
        if (!isInit(report, HidCommand.INIT)) return [report];
        const changed = report.slice();
        changed[7 + 12] = 1;
        return [changed];
      },
    });
    expect((await failure(openVirtualTransport(port))).code).toBe('PROTOCOL_VIOLATION');
  });
});

describe('keepalive, timeouts and cancellation', () => {
  test('keepalives are reported and keep a long button wait alive past the idle timeout', async () => {
    const { transport, client, button } = await open('in-process', { idleTimeoutMs: 200 });
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const statuses: KeepaliveStatus[] = [];
    const response = transport.exchange(encodeRequest('GetPassword', { id }), { onKeepalive: (status) => statuses.push(status) });
    await untilWaiting(button);
    await sleep(600);
    button.press();
    expect((await response)[0]).toBe(0x00);
    expect(statuses).toContain('user-presence');
  });

  test('without keepalives a silent key fails the call with TIMEOUT after the idle timeout', async () => {
    let silence = false;
    const { client } = await open('in-process', {
      presence: neverPress,
      idleTimeoutMs: 200,
      wrap: (port) => tamper(port, { in: (report) => (silence && isInit(report, HidCommand.KEEPALIVE) ? [] : [report]) }),
    });
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    silence = true;
    const started = Date.now();
    expect((await failure(client.getPassword(id))).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await client.getInfo()).accountCount).toBe(1);
  });

  test('an unanswered CANCEL gives up after the grace period, and the next call resynchronises the key', async () => {
    const { client, key, transport } = await open('in-process', {
      presence: neverPress,
      cancelGraceMs: 150,
      wrap: (port) => tamper(port, { out: (report) => (isInit(report, HidCommand.CANCEL) ? undefined : report) }),
    });
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const controller = new AbortController();
    const password = client.getPassword(id, { signal: controller.signal });
    await sleep(50);
    const started = Date.now();
    controller.abort();
    expect((await failure(password)).code).toBe('CANCELLED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // Without the INIT on its channel the key would still be busy with the request and refuse PING (CHANNEL_BUSY).
    await transport.channel.ping(Uint8Array.of(1, 2, 3));
    // The simulator answers that INIT a few microtasks before the aborted command lets go of the key.
    await sleep(1);
    expect((await client.getInfo()).accountCount).toBe(1);
    expect(key.events.since(0).some((event) => event.type === 'presence' && event.state === 'cancelled')).toBe(true);
  });

  test("a CANCEL that comes too late settles the call with the key's answer: the command took effect", async () => {
    let saving: () => void = () => undefined;
    class SlowStore extends MemoryStore {
      override async save(state: DeviceState): Promise<void> {
        saving();
        await sleep(100);
        await super.save(state);
      }
    }
    const key = await VirtualKey.start({ store: new SlowStore() });
    const transport = await openVirtualTransport(connectInProcess(key));
    const client = new KeyClient(transport);
    const controller = new AbortController();
    const writing = new Promise<void>((resolve) => (saving = resolve));
    const created = client.createAccount({ name: 'durable' }, { signal: controller.signal });
    await writing;
    controller.abort();
    expect((await created).id).toBe(1);
    expect((await client.getAccount(1)).name).toBe('durable');
    await transport.close();
  });

  test('one signal shared by several calls cancels them all', async () => {
    const { client, button } = await open('in-process');
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const controller = new AbortController();
    const calls = [
      client.getPassword(id, { signal: controller.signal }),
      client.getInfo({ signal: controller.signal }),
      client.getInfo({ signal: controller.signal }),
    ];
    await untilWaiting(button);
    controller.abort();
    for (const call of calls) expect((await failure(call)).code).toBe('CANCELLED');
    // A signal that has already done its work may be used again without effect.
    const reused = new AbortController();
    await client.getInfo({ signal: reused.signal });
    await client.getInfo({ signal: reused.signal });
    reused.abort();
    expect((await client.getInfo()).accountCount).toBe(1);
  });

  test('close() cancels the running call on the key and rejects pending calls without a disconnect event', async () => {
    const { client, transport, key, button } = await open('in-process');
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    let disconnects = 0;
    transport.on('disconnect', () => disconnects++);
    const running = failure(client.getPassword(id));
    const queued = failure(client.getInfo());
    await untilWaiting(button);
    await transport.close();
    expect((await running).code).toBe('DISCONNECTED');
    expect((await queued).code).toBe('DISCONNECTED');
    await sleep(10);
    expect(key.events.since(0).some((event) => event.type === 'presence' && event.state === 'cancelled')).toBe(true);
    expect(disconnects).toBe(0);
    await transport.close();
  });
});

describe('CTAPHID commands and ports', () => {
  test('ping echoes multi-packet data and wink reaches the key', async () => {
    const { transport, key } = await open('in-process');
    const data = Uint8Array.from({ length: 300 }, (_, index) => index & 0xff);
    await transport.channel.ping(data);
    const winked = key.events.waitFor((event) => event.type === 'wink');
    await transport.channel.wink();
    await winked;
  });

  test('a port whose send() is asynchronous keeps multi-packet requests in order', async () => {
    const key = await VirtualKey.start();
    const port = connectInProcess(key);
    const asyncPort: HidReportPort = {
      send: (report) => new Promise((resolve) => setTimeout(() => resolve(port.send(report)), Math.random() * 2)),
      onReport: (listener) => port.onReport(listener),
      close: () => port.close(),
    };
    const transport = await openVirtualTransport(asyncPort);
    const client = new KeyClient(transport);
    const urls = Array.from({ length: 8 }, (_, index) => `https://example.com/${'x'.repeat(200)}/${index}`);
    const created = await Promise.all([client.createAccount({ name: 'a', urls }), client.createAccount({ name: 'b', urls })]);
    expect(created.map((account) => account.id)).toEqual([1, 2]);
    expect((await client.getAccount(2)).urls).toEqual(urls);
    await transport.close();
  });

  test('a failing send() is a disconnect', async () => {
    const key = await VirtualKey.start();
    const port = connectInProcess(key);
    let broken = false;
    const flaky: HidReportPort = {
      send: (report) => (broken ? Promise.reject(new Error('EIO')) : port.send(report)),
      onReport: (listener) => port.onReport(listener),
      close: () => port.close(),
    };
    const channel = await HidChannel.open(flaky);
    const disconnected = new Promise<BridgeError>((resolve) => channel.onDisconnect(resolve));
    broken = true;
    const error = await failure(channel.exchange(encodeRequest('GetInfo', {})));
    expect(error.code).toBe('DISCONNECTED');
    expect((error.cause as Error).message).toBe('EIO');
    expect(await disconnected).toBe(error);
  });

  test('open() fails with TIMEOUT when nothing answers INIT, and closes the port', async () => {
    let closed = false;
    const silent: HidReportPort = { send: () => undefined, onReport: () => () => undefined, close: () => void (closed = true) };
    expect((await failure(HidChannel.open(silent, { timeoutMs: 50 }))).code).toBe('TIMEOUT');
    expect(closed).toBe(true);
  });
});

test('property: calls aborted while queued never reach the key; the others run in call order', async () => {
  const key = await VirtualKey.start();
  const transport = await openVirtualTransport(connectInProcess(key));
  const client = new KeyClient(transport);
  let round = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }), async (aborts) => {
      round++;
      const controllers = aborts.map(() => new AbortController());
      const calls = aborts.map((_, index) =>
        client.createAccount({ name: `r${round}-${index}` }, { signal: controllers[index]?.signal }).then(
          () => 'ok',
          (error: BridgeError) => error.code,
        ),
      );
      // The first call is already on the key; the rest are queued.
      aborts.forEach((abort, index) => {
        if (abort && index > 0) controllers[index]?.abort();
      });
      const outcomes = await Promise.all(calls);
      expect(outcomes).toEqual(aborts.map((abort, index) => (abort && index > 0 ? 'CANCELLED' : 'ok')));
      const names = (await client.listAccounts()).map((account) => account.name).filter((name) => name.startsWith(`r${round}-`));
      expect(names).toEqual(aborts.flatMap((abort, index) => (abort && index > 0 ? [] : [`r${round}-${index}`])));
      for (const account of await client.listAccounts()) await client.deleteAccount(account.id);
    }),
    { numRuns: 40 },
  );
  await transport.close();
});
