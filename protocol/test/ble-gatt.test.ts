import { describe, expect, test } from 'vitest';
import { FramingError } from '../src/errors.js';
import { decodeControlPointLength, encodeControlPointLength, HKP_GATT, HKP_SERVICE_REVISION } from '../src/ble/index.js';
import { hex, toHex } from './framing-helpers.js';

describe('HKP GATT model (docs/protocol.md §2.2)', () => {
  test('five distinct lowercase 128-bit UUIDs of version 4 and RFC 4122 variant', () => {
    const uuids = Object.values(HKP_GATT);
    expect(new Set(uuids).size).toBe(5);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('the UUIDs the spec documents', () => {
    expect(HKP_GATT).toEqual({
      SERVICE_UUID: 'c11f0000-7503-4ab4-b248-398ca4dd13b6',
      CONTROL_POINT_UUID: 'c11f0001-7503-4ab4-b248-398ca4dd13b6',
      STATUS_UUID: 'c11f0002-7503-4ab4-b248-398ca4dd13b6',
      CONTROL_POINT_LENGTH_UUID: 'c11f0003-7503-4ab4-b248-398ca4dd13b6',
      SERVICE_REVISION_UUID: 'c11f0004-7503-4ab4-b248-398ca4dd13b6',
    });
  });

  test('service revision "1.0" is three UTF-8 bytes', () => {
    expect(toHex(new TextEncoder().encode(HKP_SERVICE_REVISION))).toBe('312e30');
  });

  test('control point length: uint16 big-endian, 20..512', () => {
    expect(toHex(encodeControlPointLength(20))).toBe('0014');
    expect(toHex(encodeControlPointLength(512))).toBe('0200');
    expect(decodeControlPointLength(hex('00f4'))).toBe(244);
    expect(decodeControlPointLength(hex('0013'))).toBeUndefined();
    expect(decodeControlPointLength(hex('0201'))).toBeUndefined();
    expect(decodeControlPointLength(hex('14'))).toBeUndefined();
    expect(decodeControlPointLength(hex('001400'))).toBeUndefined();
    expect(() => encodeControlPointLength(19)).toThrow(FramingError);
    expect(() => encodeControlPointLength(513)).toThrow(FramingError);
  });
});
