/** BleChannel against a scripted key: the error, cancel, timeout and resynchronisation paths of docs/protocol.md §2. */
import { describe, expect, test } from 'vitest';
import { BleCommand, BleError, BleKeepaliveStatus, BleReassembler, HKP_SERVICE_REVISION, Status, encodeBleMessage } from '@hkey/protocol';
import { BleChannel, type BleChannelOptions, type GattConnection, type GattNotifying, type GattReadable, type KeepaliveStatus } from '@hkey/bridge';
import { failure, sleep } from './rig.js';

/**
 * A GATT connection whose key is a script: every complete message the host writes goes to `onMessage`, which answers
 * with send() or not at all. Writes resolve in a later turn, as a BLE stack's do.
 */
class ScriptedKey implements GattConnection {
  readonly services = ['hkp'] as const;
  mtu = 23;
  length = 512;
  failWrites = false;
  closed = false;
  readonly writes: Uint8Array[] = [];
  readonly messages: { cmd: number; payload: Uint8Array }[] = [];
  onMessage: (cmd: number, payload: Uint8Array) => void = () => undefined;
  /** Runs as each write arrives, before the key looks at it. */
  onWrite: (index: number) => void = () => undefined;
  private readonly reassembler = new BleReassembler();
  private readonly notifyListeners = new Set<(value: Uint8Array, characteristic: GattNotifying) => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  private readonly mtuListeners = new Set<(mtu: number) => void>();

  async exchangeMtu(): Promise<number> {
    return this.mtu;
  }

  async read(characteristic: GattReadable): Promise<Uint8Array> {
    return characteristic === 'service-revision' ? new TextEncoder().encode(HKP_SERVICE_REVISION) : Uint8Array.of(this.length >> 8, this.length & 0xff);
  }

  async subscribe(): Promise<void> {}

  async write(value: Uint8Array): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failWrites) throw new Error('the adapter refused the write');
    this.onWrite(this.writes.length);
    this.writes.push(value.slice());
    // A write without response longer than the fragment size is dropped (§2.3).
    if (value.length > Math.min(this.length, this.mtu - 3)) return;
    const result = this.reassembler.feed(value, Date.now());
    if (result?.type === 'message' && result.cmd !== BleCommand.CANCEL) {
      this.messages.push({ cmd: result.cmd, payload: result.payload });
      this.onMessage(result.cmd, result.payload);
    }
  }

  /** Notifies one message, cut for the current MTU, in a later turn. */
  send(cmd: number, payload: Uint8Array = new Uint8Array(0)): void {
    for (const fragment of encodeBleMessage(cmd, payload, Math.min(this.length, this.mtu - 3))) this.notify(fragment);
  }

  notify(value: Uint8Array): void {
    setImmediate(() => {
      for (const listener of this.notifyListeners) listener(value, 'status');
    });
  }

  changeMtu(mtu: number): void {
    this.mtu = mtu;
    for (const listener of this.mtuListeners) listener(mtu);
  }

  drop(reason: string): void {
    for (const listener of this.disconnectListeners) listener(reason);
  }

  onNotify(listener: (value: Uint8Array, characteristic: GattNotifying) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  onMtuChange(listener: (mtu: number) => void): () => void {
    this.mtuListeners.add(listener);
    return () => this.mtuListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function channel(key: ScriptedKey, options: BleChannelOptions = {}): Promise<BleChannel> {
  return BleChannel.open(key, options);
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const isCancel = (value: Uint8Array | undefined): boolean => value !== undefined && value.length === 3 && value[0] === BleCommand.CANCEL;

describe('answers', () => {
  test('KEEPALIVE reports processing and user presence; MSG answers; PING echoes', async () => {
    const key = new ScriptedKey();
    key.onMessage = (cmd, payload) => {
      if (cmd === BleCommand.PING) return key.send(BleCommand.PING, payload);
      key.send(BleCommand.KEEPALIVE, Uint8Array.of(BleKeepaliveStatus.PROCESSING));
      key.send(BleCommand.KEEPALIVE, Uint8Array.of(BleKeepaliveStatus.UP_NEEDED));
      key.send(BleCommand.MSG, Uint8Array.of(Status.OK, 0xa0));
    };
    const ble = await channel(key);
    const statuses: KeepaliveStatus[] = [];
    expect(await ble.exchange(Uint8Array.of(0x01, 0xa0), { onKeepalive: (status) => statuses.push(status) })).toEqual(Uint8Array.of(0, 0xa0));
    expect(statuses).toEqual(['processing', 'user-presence']);
    await ble.ping(text('hello'));
    expect(key.writes[0]).toEqual(Uint8Array.of(BleCommand.MSG, 0, 2, 0x01, 0xa0));
  });

  test('a PING answered with other bytes, or a reply to another command, is a PROTOCOL_VIOLATION', async () => {
    const key = new ScriptedKey();
    key.onMessage = (cmd) => key.send(cmd === BleCommand.PING ? BleCommand.PING : BleCommand.PING, text('other'));
    const ble = await channel(key);
    expect((await failure(ble.ping(text('hello')))).code).toBe('PROTOCOL_VIOLATION');
    expect((await failure(ble.exchange(Uint8Array.of(0x01)))).code).toBe('PROTOCOL_VIOLATION');
  });

  test('a message over 7609 bytes is refused before anything is written', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key);
    expect((await failure(ble.exchange(new Uint8Array(7610)))).code).toBe('PROTOCOL_VIOLATION');
    expect(key.writes).toHaveLength(0);
  });
});

describe('ERROR', () => {
  test.each([
    [BleError.INVALID_CMD, 'BLE_INVALID_CMD'],
    [BleError.INVALID_PAR, 'BLE_INVALID_PAR'],
    [BleError.OTHER, 'BLE_OTHER'],
    [0x42, 'BLE_OTHER'],
  ])('code %i fails the call with %s, keeping the raw byte', async (code, expected) => {
    const key = new ScriptedKey();
    key.onMessage = () => key.send(BleCommand.ERROR, Uint8Array.of(code));
    const ble = await channel(key);
    const error = await failure(ble.exchange(Uint8Array.of(0x01)));
    expect(error.code).toBe(expected);
    expect((error as unknown as { bleError: number }).bleError).toBe(code);
    expect(key.messages).toHaveLength(1);
  });

  test.each([
    [BleError.INVALID_SEQ, 'BLE_INVALID_SEQ'],
    [BleError.INVALID_LEN, 'BLE_INVALID_LEN'],
    [BleError.REQ_TIMEOUT, 'BLE_REQ_TIMEOUT'],
  ])('code %i: the request is written again once (§2.8), then fails with %s', async (code, expected) => {
    const key = new ScriptedKey();
    key.onMessage = () => key.send(BleCommand.ERROR, Uint8Array.of(code));
    const ble = await channel(key);
    expect((await failure(ble.exchange(Uint8Array.of(0x01)))).code).toBe(expected);
    expect(key.messages).toHaveLength(2);

    key.onMessage = () => (key.messages.length === 3 ? key.send(BleCommand.ERROR, Uint8Array.of(code)) : key.send(BleCommand.MSG, Uint8Array.of(Status.OK)));
    expect(await ble.exchange(Uint8Array.of(0x01))).toEqual(Uint8Array.of(Status.OK));
    expect(key.messages).toHaveLength(4);
  });

  test('BUSY: resent after the key has been quiet, until it has been busy for the idle timeout (BLE_BUSY)', async () => {
    const key = new ScriptedKey();
    let busy = 2;
    key.onMessage = () => (busy-- > 0 ? key.send(BleCommand.ERROR, Uint8Array.of(BleError.BUSY)) : key.send(BleCommand.MSG, Uint8Array.of(Status.OK)));
    const ble = await channel(key, { idleTimeoutMs: 700 });
    expect(await ble.exchange(Uint8Array.of(0x01))).toEqual(Uint8Array.of(Status.OK));
    expect(key.messages).toHaveLength(3);
    expect(key.writes.filter(isCancel)).toHaveLength(2);

    busy = Infinity;
    const error = await failure(ble.exchange(Uint8Array.of(0x01)));
    expect(error.code).toBe('BLE_BUSY');
    expect(error.message).toContain('earlier request');
  });
});

describe('cancel and resynchronisation', () => {
  test('a queued call that is aborted or times out leaves without writing anything', async () => {
    const key = new ScriptedKey();
    let answer: () => void = () => undefined;
    key.onMessage = () => (answer = () => key.send(BleCommand.MSG, Uint8Array.of(Status.OK)));
    const ble = await channel(key);
    const running = ble.exchange(Uint8Array.of(0x01));
    const controller = new AbortController();
    const aborted = failure(ble.exchange(Uint8Array.of(0x02), { signal: controller.signal }));
    const timedOut = failure(ble.exchange(Uint8Array.of(0x03), { timeoutMs: 20 }));
    controller.abort();
    expect((await aborted).code).toBe('CANCELLED');
    expect((await timedOut).code).toBe('TIMEOUT');
    while (key.messages.length === 0) await sleep(1);
    answer();
    expect(await running).toEqual(Uint8Array.of(Status.OK));
    expect(key.messages.map((message) => message.payload[0])).toEqual([0x01]);
    expect((await failure(ble.exchange(Uint8Array.of(0x04), { signal: controller.signal }))).code).toBe('CANCELLED');
  });

  test('CANCEL answered with status CANCELLED rejects CANCELLED with the abort reason; the link stays in step', async () => {
    const key = new ScriptedKey();
    key.onMessage = (cmd, payload) => {
      if (payload[0] === 0x21) key.send(BleCommand.KEEPALIVE, Uint8Array.of(BleKeepaliveStatus.UP_NEEDED));
      else key.send(BleCommand.MSG, Uint8Array.of(Status.OK));
    };
    const ble = await channel(key);
    const controller = new AbortController();
    const pending = failure(ble.exchange(Uint8Array.of(0x21), { signal: controller.signal, onKeepalive: () => controller.abort('closed') }));
    while (!isCancel(key.writes.at(-1))) await sleep(1);
    key.send(BleCommand.MSG, Uint8Array.of(Status.CANCELLED));
    const error = await pending;
    expect(error.code).toBe('CANCELLED');
    expect(error.cause).toBe('closed');
    const before = key.writes.length;
    expect(await ble.exchange(Uint8Array.of(0x01))).toEqual(Uint8Array.of(Status.OK));
    // No CANCEL before the next request: the key answered the cancelled one.
    expect(key.writes.slice(before).some(isCancel)).toBe(false);
  });

  test('a CANCEL the key could not honour: the call settles with its answer', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key);
    const controller = new AbortController();
    const pending = ble.exchange(Uint8Array.of(0x12), { signal: controller.signal });
    while (key.messages.length === 0) await sleep(1);
    controller.abort();
    while (!isCancel(key.writes.at(-1))) await sleep(1);
    key.send(BleCommand.MSG, Uint8Array.of(Status.OK, 0xa1, 0x01, 0x07));
    expect(await pending).toEqual(Uint8Array.of(Status.OK, 0xa1, 0x01, 0x07));
  });

  test('an unanswered CANCEL: CANCELLED after the grace period; the next call drops the late answer of the old one', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key, { cancelGraceMs: 50 });
    const controller = new AbortController();
    const first = failure(ble.exchange(Uint8Array.of(0x11), { signal: controller.signal }));
    while (key.messages.length === 0) await sleep(1);
    controller.abort();
    expect((await first).code).toBe('CANCELLED');

    const second = ble.exchange(Uint8Array.of(0x10));
    // The channel gets back in step with another CANCEL before it writes the new request.
    while (key.writes.filter(isCancel).length < 2) await sleep(1);
    expect(key.messages).toHaveLength(1);
    key.onMessage = () => key.send(BleCommand.MSG, text('new answer'));
    key.send(BleCommand.MSG, text('old answer'));
    expect(new TextDecoder().decode(await second)).toBe('new answer');
  });

  test('a key that stays silent after an unanswered CANCEL: the next request goes out after 300 ms of silence', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key, { cancelGraceMs: 20 });
    const first = failure(ble.exchange(Uint8Array.of(0x11), { timeoutMs: 20 }));
    expect((await first).code).toBe('TIMEOUT');
    key.onMessage = () => key.send(BleCommand.MSG, Uint8Array.of(Status.OK));
    const started = Date.now();
    expect(await ble.exchange(Uint8Array.of(0x10))).toEqual(Uint8Array.of(Status.OK));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(key.writes.map((value) => value[0])).toEqual([BleCommand.MSG, BleCommand.CANCEL, BleCommand.CANCEL, BleCommand.MSG]);
  });

  test('KEEPALIVE keeps a call alive past the idle timeout; silence ends it with TIMEOUT and a CANCEL', async () => {
    const key = new ScriptedKey();
    key.onMessage = (cmd, payload) => {
      if (payload[0] !== 0x01) return;
      const timer = setInterval(() => key.send(BleCommand.KEEPALIVE, Uint8Array.of(BleKeepaliveStatus.PROCESSING)), 40);
      setTimeout(() => {
        clearInterval(timer);
        key.send(BleCommand.MSG, Uint8Array.of(Status.OK));
      }, 900);
    };
    const ble = await channel(key, { idleTimeoutMs: 300 });
    expect(await ble.exchange(Uint8Array.of(0x01))).toEqual(Uint8Array.of(Status.OK));
    expect((await failure(ble.exchange(Uint8Array.of(0x02)))).code).toBe('TIMEOUT');
    await expect.poll(() => isCancel(key.writes.at(-1))).toBe(true);
  });

  test('broken framing in an answer is a PROTOCOL_VIOLATION; so is an answer cut off for 2 s (REQ_TIMEOUT, §2.9)', async () => {
    const key = new ScriptedKey();
    key.onMessage = (cmd, payload) => {
      const answer = encodeBleMessage(BleCommand.MSG, new Uint8Array(50), 20);
      if (payload[0] === 0x01) {
        key.notify(answer[0] as Uint8Array);
        key.notify(answer[2] as Uint8Array);
      } else if (payload[0] === 0x02) {
        key.notify(answer[0] as Uint8Array);
      } else {
        key.send(BleCommand.MSG, Uint8Array.of(Status.OK));
      }
    };
    const ble = await channel(key);
    expect((await failure(ble.exchange(Uint8Array.of(0x01)))).code).toBe('PROTOCOL_VIOLATION');
    expect(await ble.exchange(Uint8Array.of(0x03))).toEqual(Uint8Array.of(Status.OK));
    const started = Date.now();
    expect((await failure(ble.exchange(Uint8Array.of(0x02)))).code).toBe('PROTOCOL_VIOLATION');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});

describe('MTU', () => {
  test('fragments follow the MTU in force; one that shrinks mid-message restarts it after a CANCEL', async () => {
    const key = new ScriptedKey();
    key.mtu = 247;
    key.onMessage = (cmd, payload) => key.send(cmd, payload);
    const ble = await channel(key);
    expect(ble.fragmentSize).toBe(244);
    const data = Uint8Array.from({ length: 2000 }, (_, index) => index & 0xff);
    const writes = key.writes.length;
    key.onWrite = (index) => {
      if (index === writes + 1) key.changeMtu(23);
    };
    await ble.ping(data);
    const sent = key.writes.slice(writes);
    const restart = sent.findIndex((value, index) => index > 0 && value[0] === BleCommand.PING);
    expect(isCancel(sent[restart - 1])).toBe(true);
    expect(sent.slice(0, restart - 1).every((value) => value.length === 244)).toBe(true);
    expect(sent.slice(restart).every((value) => value.length <= 20)).toBe(true);
    expect(key.messages).toHaveLength(1);
  });

  test('a control point length outside 20..512 is not an HKP key; a failed read is a DISCONNECTED; the port is closed', async () => {
    const short = new ScriptedKey();
    short.length = 19;
    expect((await failure(BleChannel.open(short))).code).toBe('PROTOCOL_VIOLATION');
    expect(short.closed).toBe(true);
    const broken = new ScriptedKey();
    broken.read = () => Promise.reject(new Error('GATT read failed'));
    expect((await failure(BleChannel.open(broken))).code).toBe('DISCONNECTED');
    expect(broken.closed).toBe(true);
  });

  test('the control point length caps the fragment size', async () => {
    const key = new ScriptedKey();
    key.mtu = 517;
    key.length = 100;
    expect((await channel(key)).fragmentSize).toBe(100);
  });
});

describe('the link', () => {
  test('a failed write loses the link: DISCONNECTED for every call and the disconnect listeners', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key);
    const heard: string[] = [];
    ble.onDisconnect((error) => heard.push(error.code));
    key.failWrites = true;
    const [first, second] = [failure(ble.exchange(Uint8Array.of(0x01))), failure(ble.exchange(Uint8Array.of(0x02)))];
    expect((await first).code).toBe('DISCONNECTED');
    expect((await second).code).toBe('DISCONNECTED');
    expect(heard).toEqual(['DISCONNECTED']);
    expect(key.closed).toBe(true);
    expect((await failure(ble.exchange(Uint8Array.of(0x03)))).code).toBe('DISCONNECTED');
  });

  test('the key drops the link: DISCONNECTED naming the reason', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key);
    const pending = failure(ble.exchange(Uint8Array.of(0x01)));
    while (key.messages.length === 0) await sleep(1);
    key.drop('out of range');
    const error = await pending;
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('out of range');
  });

  test('close() while the key works on a request: CANCEL, then the port closes, and the call rejects', async () => {
    const key = new ScriptedKey();
    const ble = await channel(key);
    const pending = failure(ble.exchange(Uint8Array.of(0x21)));
    while (key.messages.length === 0) await sleep(1);
    await ble.close();
    expect((await pending).code).toBe('DISCONNECTED');
    expect(isCancel(key.writes.at(-1))).toBe(true);
    expect(key.closed).toBe(true);
    await ble.close();
  });
});
