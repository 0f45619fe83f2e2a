import { describe, expect, test } from 'vitest';
import { FramingError } from '../src/errors.js';
import { BLE_MAX_MESSAGE_SIZE, BleCommand, bleFragmentCount, bleFragmentSize, encodeBleMessage } from '../src/ble/index.js';
import { counting, hex, toHex } from './framing-helpers.js';

function rejects(fn: () => unknown, code: string, transportError: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FramingError);
  expect((caught as FramingError).code).toBe(code);
  expect((caught as FramingError).transportError).toBe(transportError);
}

describe('bleFragmentSize (docs/protocol.md §2.3)', () => {
  test.each([
    [23, 20, 20],
    [23, 512, 20],
    [185, 512, 182],
    [247, 512, 244],
    [247, 100, 100],
    [517, 512, 512],
    [515, 512, 512],
    [514, 512, 511],
  ])('MTU %i, control point length %i → %i', (mtu, controlPointLength, size) => {
    expect(bleFragmentSize(mtu, controlPointLength)).toBe(size);
  });

  test.each([22, 518, 100.5, Number.NaN])('MTU %s is refused', (mtu) => {
    rejects(() => bleFragmentSize(mtu, 20), 'BLE_INVALID_MTU', 0x02);
  });

  test.each([19, 513, 20.5])('control point length %s is refused', (length) => {
    rejects(() => bleFragmentSize(23, length), 'BLE_INVALID_CONTROL_POINT_LENGTH', 0x02);
  });
});

describe('encodeBleMessage byte layout (docs/protocol.md §2.4)', () => {
  test('an empty MSG is the 3-byte header alone', () => {
    expect(encodeBleMessage(BleCommand.MSG, new Uint8Array(0), 20).map(toHex)).toEqual(['830000']);
  });

  // FIDO BLE frames seen in public authenticator debugging threads: MSG(83) length 1 with
  // authenticatorGetInfo (04), and MSG length 7 with a U2F VERSION APDU.
  test('matches public FIDO BLE frames', () => {
    expect(encodeBleMessage(0x83, hex('04'), 20).map(toHex)).toEqual(['83000104']);
    expect(encodeBleMessage(0x83, hex('00030000000000'), 20).map(toHex)).toEqual(['83000700030000000000']);
  });

  test('17 bytes fill one 20-byte fragment; 18 need a second', () => {
    expect(encodeBleMessage(BleCommand.PING, counting(17), 20).map(toHex)).toEqual([`810011${toHex(counting(17))}`]);
    expect(encodeBleMessage(BleCommand.PING, counting(18), 20).map(toHex)).toEqual([`810012${toHex(counting(17))}`, '0011']);
  });

  test('continuations carry fragmentSize − 1 bytes and the last is not padded', () => {
    const fragments = encodeBleMessage(BleCommand.MSG, counting(60), 20);
    expect(fragments.map(toHex)).toEqual([
      `83003c${toHex(counting(17))}`,
      `00${toHex(counting(19, 17))}`,
      `01${toHex(counting(19, 36))}`,
      `02${toHex(counting(5, 55))}`,
    ]);
  });

  test('7609 bytes at MTU 23 take 401 fragments and SEQ wraps 0x7F → 0x00 three times', () => {
    const payload = counting(BLE_MAX_MESSAGE_SIZE, 1);
    const fragments = encodeBleMessage(BleCommand.MSG, payload, 20);
    expect(fragments).toHaveLength(401);
    expect(bleFragmentCount(BLE_MAX_MESSAGE_SIZE, 20)).toBe(401);
    expect(toHex(fragments[0]!.subarray(0, 3))).toBe('831db9');
    expect(fragments.slice(1).map((f) => f[0])).toEqual(Array.from({ length: 400 }, (_, i) => i % 128));
    expect(fragments[128]![0]).toBe(0x7f);
    expect(fragments[129]![0]).toBe(0x00);
    expect(fragments.slice(0, -1).every((f) => f.length === 20)).toBe(true);
    // 7609 − 17 = 7592 = 399 × 19 + 11: the last continuation carries 11 bytes.
    expect(fragments.at(-1)!.length).toBe(1 + 11);
  });

  test.each([
    [0, 20, 1],
    [17, 20, 1],
    [18, 20, 2],
    [36, 20, 2],
    [37, 20, 3],
    [509, 512, 1],
    [510, 512, 2],
    [7609, 512, 15],
  ])('%i bytes at fragment size %i → %i fragments', (length, size, count) => {
    expect(encodeBleMessage(BleCommand.MSG, counting(length), size)).toHaveLength(count);
    expect(bleFragmentCount(length, size)).toBe(count);
  });

  test('fragments are views of one allocation holding header bytes and payload only', () => {
    const fragments = encodeBleMessage(BleCommand.MSG, counting(100), 20);
    expect(fragments.every((f) => f.buffer === fragments[0]!.buffer)).toBe(true);
    expect(fragments.reduce((sum, f) => sum + f.length, 0)).toBe(100 + 3 + (fragments.length - 1));
  });
});

describe('encodeBleMessage refuses what must never be sent', () => {
  test.each([0x00, 0x7f, 0x100, -1, 1.5])('command %s', (cmd) => {
    rejects(() => encodeBleMessage(cmd, new Uint8Array(0), 20), 'BLE_INVALID_COMMAND', 0x01);
  });

  test.each([0, 19, 513, 20.5])('fragment size %s', (size) => {
    rejects(() => encodeBleMessage(BleCommand.MSG, new Uint8Array(0), size), 'BLE_INVALID_FRAGMENT_SIZE', 0x02);
  });

  test('a payload over 7609 bytes', () => {
    rejects(() => encodeBleMessage(BleCommand.MSG, new Uint8Array(7610), 20), 'BLE_MESSAGE_TOO_LONG', 0x03);
  });
});
