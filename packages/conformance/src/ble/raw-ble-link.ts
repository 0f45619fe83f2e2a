/**
 * Raw fragments to and from a key over one BLE connection (docs/protocol.md §2), for the BLE framing cases.
 * Every message the key notifies is checked against §2.4 as it is reassembled: full fragments but the last,
 * the last carrying exactly what is left, SEQ 0..0x7F wrapping to 0. A broken one fails the case on the spot.
 */
import { BLE_SERVICE_CHARACTERISTICS, type BleService, type BleServiceCharacteristics, type GattConnection } from '@hkey/bridge';
import {
  BLE_ATT_HEADER_SIZE,
  BLE_CONT_HEADER_SIZE,
  BLE_INIT_BIT,
  BLE_INIT_HEADER_SIZE,
  BLE_MAX_CONTROL_POINT_LENGTH,
  BLE_MAX_MESSAGE_SIZE,
  BLE_MAX_SEQ,
  BLE_MIN_CONTROL_POINT_LENGTH,
  BleCommand,
  decodeUint16,
  encodeBleMessage,
} from '@hkey/protocol';
import { Arrivals } from '../arrivals.js';
import { byteName, fail } from '../checks.js';

export interface TimedFragment {
  readonly value: Uint8Array;
  /** performance.now() when the notification arrived. */
  readonly at: number;
}

export interface BleMessage {
  readonly cmd: number;
  readonly payload: Uint8Array;
  readonly fragments: readonly TimedFragment[];
  readonly at: number;
}

const FRAMING = 'fragments framed as §2.4 says';

export class RawBleLink {
  private readonly notifications: TimedFragment[] = [];
  private readonly arrivals = new Arrivals();
  private disconnected: string | undefined;

  private constructor(
    readonly connection: GattConnection,
    readonly controlPointLength: number,
    private readonly characteristics: BleServiceCharacteristics,
  ) {
    connection.onNotify((value, characteristic) => {
      if (characteristic !== characteristics.status) return;
      this.notifications.push({ value: value.slice(), at: performance.now() });
      this.arrivals.notify();
    });
    connection.onDisconnect((reason) => {
      this.disconnected = reason;
      this.arrivals.notify();
    });
  }

  /**
   * On a connected key, enables the notifications of `service` and reads its control point length, as a host does
   * before its first request (§2.2, §2.12).
   */
  static async open(connection: GattConnection, service: BleService = 'hkp'): Promise<RawBleLink> {
    const characteristics = BLE_SERVICE_CHARACTERISTICS[service];
    await connection.subscribe(true, characteristics.status);
    const value = await connection.read(characteristics.controlPointLength);
    const controlPointLength = decodeUint16(value);
    if (controlPointLength === undefined || controlPointLength < BLE_MIN_CONTROL_POINT_LENGTH || controlPointLength > BLE_MAX_CONTROL_POINT_LENGTH) {
      fail(
        `a control point length from ${BLE_MIN_CONTROL_POINT_LENGTH} to ${BLE_MAX_CONTROL_POINT_LENGTH} (§2.2)`,
        controlPointLength === undefined ? `${value.length} bytes` : String(controlPointLength),
      );
    }
    return new RawBleLink(connection, controlPointLength, characteristics);
  }

  /** ATT_MTU in force. */
  get mtu(): number {
    return this.connection.mtu;
  }

  /** min(control point length, ATT_MTU − 3) (§2.3). */
  get fragmentSize(): number {
    return Math.min(this.controlPointLength, this.connection.mtu - BLE_ATT_HEADER_SIZE);
  }

  /** Writes fragments (Write Without Response, or Write Requests on fidoControlPoint); resolves with the time the last one left. */
  async send(fragments: readonly Uint8Array[]): Promise<number> {
    const { controlPoint, writeWithResponse } = this.characteristics;
    for (const fragment of fragments) await this.connection.write(fragment, writeWithResponse, controlPoint);
    return performance.now();
  }

  /** One Write Request; false when it was refused (an ATT error from the key, or the host stack declining to send it). */
  async writeRequest(value: Uint8Array): Promise<boolean> {
    try {
      await this.connection.write(value, true, this.characteristics.controlPoint);
      return true;
    } catch (error) {
      if (this.disconnected !== undefined) throw error;
      return false;
    }
  }

  sendMessage(cmd: number, payload: Uint8Array): Promise<number> {
    return this.send(encodeBleMessage(cmd, payload, this.fragmentSize));
  }

  /** The next complete notified message, or undefined when none starts within `timeoutMs`. */
  async readMessage(timeoutMs: number): Promise<BleMessage | undefined> {
    const fragmentSize = this.fragmentSize;
    const first = await this.next(timeoutMs);
    if (first === undefined) return undefined;
    const head = first.value;
    if (head.length === 0) fail(FRAMING, 'an empty notification');
    if (((head[0] as number) & BLE_INIT_BIT) === 0) fail(FRAMING, `a continuation (SEQ ${head[0]}) with no message in progress`);
    if (head.length < BLE_INIT_HEADER_SIZE) fail(`${FRAMING}: an initialization fragment of at least 3 bytes`, `${head.length} bytes`);
    checkSize(head, fragmentSize);
    const length = ((head[1] as number) << 8) | (head[2] as number);
    if (length > BLE_MAX_MESSAGE_SIZE) fail(`${FRAMING}: a length of at most ${BLE_MAX_MESSAGE_SIZE}`, `length ${length}`);
    const payload = new Uint8Array(length);
    let filled = head.length - BLE_INIT_HEADER_SIZE;
    if (filled > length) fail(`${FRAMING}: no more data than the declared ${length} bytes`, `${filled} bytes in the first fragment`);
    payload.set(head.subarray(BLE_INIT_HEADER_SIZE));
    const fragments = [first];
    let previous = head;
    for (let seq = 0; filled < length; seq = (seq + 1) & BLE_MAX_SEQ) {
      // §2.4: every fragment but the last is exactly fragment size bytes long.
      if (previous.length !== fragmentSize)
        fail(
          `${FRAMING}: full ${fragmentSize}-byte fragments before the last`,
          `a ${previous.length}-byte fragment with ${length - filled} bytes still to come`,
        );
      const next = await this.next(timeoutMs);
      if (next === undefined) fail(`${FRAMING}: all ${length} bytes of the message`, `${filled} bytes, then silence for ${timeoutMs} ms`);
      const value = next.value;
      if (value.length === 0) fail(FRAMING, 'an empty notification in the middle of a message');
      if (((value[0] as number) & BLE_INIT_BIT) !== 0)
        fail(`${FRAMING}: continuation SEQ ${seq}`, `a new initialization fragment (${byteName(value[0] as number)}) after ${filled} of ${length} bytes`);
      if (value[0] !== seq)
        fail(`${FRAMING}: continuation SEQ ${seq} (${byteName(seq)})`, `SEQ ${byteName(value[0] as number)} after ${fragments.length - 1} continuations`);
      checkSize(value, fragmentSize);
      const size = value.length - BLE_CONT_HEADER_SIZE;
      if (size > length - filled) fail(`${FRAMING}: no more data than the message has left`, `${size} bytes with ${length - filled} left`);
      payload.set(value.subarray(BLE_CONT_HEADER_SIZE), filled);
      filled += size;
      fragments.push(next);
      previous = value;
    }
    return { cmd: head[0] as number, payload, fragments, at: first.at };
  }

  /** The next message that is not a KEEPALIVE; KEEPALIVEs go to `keepalives` and each restarts the wait (§2.10). */
  async readResponse(idleMs: number, keepalives: BleMessage[] = []): Promise<BleMessage | undefined> {
    for (;;) {
      const message = await this.readMessage(idleMs);
      if (message === undefined || message.cmd !== BleCommand.KEEPALIVE) return message;
      if (message.payload.length !== 1) fail('KEEPALIVE with exactly one status byte (§2.6)', `KEEPALIVE with ${message.payload.length} bytes`);
      keepalives.push(message);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private next(timeoutMs: number): Promise<TimedFragment | undefined> {
    return this.arrivals.next(() => {
      const entry = this.notifications.shift();
      if (entry === undefined && this.disconnected !== undefined) fail('the connection to stay up', `it dropped: ${this.disconnected}`);
      return entry;
    }, timeoutMs);
  }
}

function checkSize(value: Uint8Array, fragmentSize: number): void {
  if (value.length > fragmentSize) fail(`${FRAMING}: fragments of at most ${fragmentSize} bytes (§2.3)`, `a ${value.length}-byte notification`);
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(BleCommand).map(([name, code]) => [code, name]));

/** "ERROR 0x04", "PING (40 bytes)". */
export function describeBleMessage(message: BleMessage | undefined): string {
  if (message === undefined) return 'no answer';
  const name = COMMAND_NAMES.get(message.cmd) ?? `command ${byteName(message.cmd)}`;
  if (message.cmd === BleCommand.ERROR || message.cmd === BleCommand.KEEPALIVE) {
    return `${name} ${message.payload.length === 1 ? byteName(message.payload[0] as number) : `with ${message.payload.length} bytes`}`;
  }
  return `${name} (${message.payload.length} bytes)`;
}
