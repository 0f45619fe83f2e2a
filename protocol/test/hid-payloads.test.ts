import { describe, expect, test } from 'vitest';
import { FramingError } from '../src/errors.js';
import {
  decodeHidErrorPayload,
  decodeHidInitRequest,
  decodeHidInitResponse,
  decodeHidKeepalivePayload,
  decodeHidLockPayload,
  encodeHidErrorPayload,
  encodeHidInitRequest,
  encodeHidInitResponse,
  encodeHidKeepalivePayload,
  encodeHidLockPayload,
  HID_PROTOCOL_VERSION,
  HidCapability,
  HidError,
  HidKeepaliveStatus,
  HKP_HID_CAPABILITIES,
  type HidInitResponse,
} from '../src/hid/index.js';
import { hex, toHex } from './framing-helpers.js';

const response: HidInitResponse = {
  nonce: hex('0011223344556677'),
  cid: 0xa1b2c3d4,
  protocolVersion: HID_PROTOCOL_VERSION,
  majorVersion: 1,
  minorVersion: 2,
  buildVersion: 3,
  capabilities: HKP_HID_CAPABILITIES,
};

describe('INIT payloads (docs/protocol.md §1.6)', () => {
  test('keys announce WINK and CBOR, and NMSG clear because they answer U2F over MSG (§9.3)', () => {
    expect(HKP_HID_CAPABILITIES).toBe(0x05);
    expect(HKP_HID_CAPABILITIES & HidCapability.NMSG).toBe(0);
  });

  test('request: the 8-byte nonce', () => {
    const nonce = hex('0102030405060708');
    const payload = encodeHidInitRequest(nonce);
    expect(toHex(payload)).toBe('0102030405060708');
    expect(payload).not.toBe(nonce);
    expect(toHex(decodeHidInitRequest(payload)!)).toBe('0102030405060708');
  });

  test.each([0, 7, 9, 57])('a %i-byte nonce is refused', (length) => {
    expect(() => encodeHidInitRequest(new Uint8Array(length))).toThrow(FramingError);
    expect(decodeHidInitRequest(new Uint8Array(length))).toBeUndefined();
  });

  test('response layout: nonce(8) CID(4) version major minor build capabilities', () => {
    expect(toHex(encodeHidInitResponse(response))).toBe('0011223344556677' + 'a1b2c3d4' + '02' + '01' + '02' + '03' + '05');
  });

  test('response round trip', () => {
    expect(decodeHidInitResponse(encodeHidInitResponse(response))).toEqual(response);
  });

  test('decodes a response that sits inside a larger buffer', () => {
    const framed = new Uint8Array(30);
    framed.set(encodeHidInitResponse(response), 7);
    expect(decodeHidInitResponse(framed.subarray(7, 24))).toEqual(response);
  });

  test.each([0, 16, 18])('a %i-byte response does not decode', (length) => {
    expect(decodeHidInitResponse(new Uint8Array(length))).toBeUndefined();
  });

  test.each([
    ['a 7-byte nonce', { nonce: new Uint8Array(7) }, 'HID_INVALID_NONCE'],
    ['CID 0', { cid: 0 }, 'HID_INVALID_CID'],
    ['the broadcast CID', { cid: 0xffffffff }, 'HID_INVALID_CID'],
    ['a fractional CID', { cid: 1.5 }, 'HID_INVALID_CID'],
    ['a version over 255', { majorVersion: 256 }, 'HID_INVALID_INIT_RESPONSE'],
    ['negative capabilities', { capabilities: -1 }, 'HID_INVALID_INIT_RESPONSE'],
  ])('encoding refuses %s', (_, change, code) => {
    expect(() => encodeHidInitResponse({ ...response, ...change })).toThrow(expect.objectContaining({ code }));
  });
});

describe('one-byte payloads (docs/protocol.md §1.7, §1.9, §1.10)', () => {
  test('KEEPALIVE', () => {
    expect(toHex(encodeHidKeepalivePayload(HidKeepaliveStatus.UPNEEDED))).toBe('02');
    expect(decodeHidKeepalivePayload(hex('01'))).toBe(HidKeepaliveStatus.PROCESSING);
    expect(decodeHidKeepalivePayload(hex(''))).toBeUndefined();
    expect(decodeHidKeepalivePayload(hex('0101'))).toBeUndefined();
    expect(() => encodeHidKeepalivePayload(256)).toThrow(FramingError);
  });

  test('ERROR', () => {
    expect(toHex(encodeHidErrorPayload(HidError.CHANNEL_BUSY))).toBe('06');
    expect(decodeHidErrorPayload(hex('0b'))).toBe(HidError.INVALID_CHANNEL);
    expect(decodeHidErrorPayload(hex(''))).toBeUndefined();
    expect(() => encodeHidErrorPayload(-1)).toThrow(FramingError);
  });

  test('LOCK: 0..10 seconds; other lengths INVALID_LEN, over 10 INVALID_PAR', () => {
    expect(toHex(encodeHidLockPayload(10))).toBe('0a');
    expect(() => encodeHidLockPayload(11)).toThrow(expect.objectContaining({ code: 'HID_INVALID_LOCK_TIME' }));
    expect(decodeHidLockPayload(hex('00'))).toEqual({ ok: true, seconds: 0 });
    expect(decodeHidLockPayload(hex('0a'))).toEqual({ ok: true, seconds: 10 });
    expect(decodeHidLockPayload(hex('0b'))).toEqual({ ok: false, code: HidError.INVALID_PAR });
    expect(decodeHidLockPayload(hex(''))).toEqual({ ok: false, code: HidError.INVALID_LEN });
    expect(decodeHidLockPayload(hex('0101'))).toEqual({ ok: false, code: HidError.INVALID_LEN });
  });
});
