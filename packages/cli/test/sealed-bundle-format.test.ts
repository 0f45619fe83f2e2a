/** The bundle, inventory and receipt line formats (@hkey/protocol bundle.ts): round trips and strict refusals. */
import { describe, expect, test } from 'vitest';
import {
  SealedError,
  fromBase64Url,
  parseBundleItem,
  parseBundleManifest,
  parseInventoryEntry,
  parseReceiptLines,
  serializeBundleItem,
  serializeBundleManifest,
  serializeInventoryEntry,
  toBase64Url,
  encodeSealedHeader,
} from '@hkey/protocol';

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);
const header = (sequence: number, serial = 'HK-1') =>
  encodeSealedHeader({ issuerId: bytes(16, 1), serial, kemKeyHash: bytes(32, 2), sequence, notAfter: 2, created: 1 });
const item = { sequence: 3, header: header(3), enc: bytes(65, 4), ciphertext: bytes(40, 5), signature: bytes(64, 6) };

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof SealedError ? error.code : 'OTHER';
  }
  return undefined;
}

describe('base64url', () => {
  test('round trips every length, and refuses padding, other alphabets and stray bits', () => {
    for (let length = 0; length < 10; length++) {
      const data = Uint8Array.from({ length }, (_, index) => index * 37 + 250);
      expect(fromBase64Url(toBase64Url(data))).toEqual(data);
      expect(toBase64Url(data)).toBe(Buffer.from(data).toString('base64url'));
    }
    expect(fromBase64Url('AA==')).toBeUndefined();
    expect(fromBase64Url('A+')).toBeUndefined();
    expect(fromBase64Url('AB')).toBeUndefined();
    expect(fromBase64Url('A')).toBeUndefined();
  });
});

describe('lines', () => {
  test('an item line round trips; its sequence and serial must agree with its header', () => {
    const line = serializeBundleItem(item);
    expect(parseBundleItem(line, 'HK-1')).toEqual(item);
    expect(code(() => parseBundleItem(line, 'HK-2'))).toBe('BUNDLE_MALFORMED');
    expect(code(() => parseBundleItem(serializeBundleItem({ ...item, sequence: 4 }), 'HK-1'))).toBe('BUNDLE_MALFORMED');
    expect(code(() => parseBundleItem(line.replace('{', '{"extra":1,'), 'HK-1'))).toBe('BUNDLE_MALFORMED');
    expect(code(() => parseBundleItem(line.replace(/"enc":"[^"]*"/, '"enc":"AAAA"'), 'HK-1'))).toBe('BUNDLE_MALFORMED');
    expect(code(() => parseBundleItem('not json', 'HK-1'))).toBe('BUNDLE_MALFORMED');
  });

  test('a manifest round trips; a key named twice or a wrong format is refused', () => {
    const key = {
      serial: 'HK-1',
      kemPublicKey: bytes(65, 4),
      signingPublicKey: bytes(65, 4),
      chain: [bytes(3, 1), bytes(3, 2)],
      items: 1,
      sha256: bytes(32, 9),
    };
    const manifest = { issuerId: bytes(16, 1), issuerPublicKey: bytes(65, 4), created: 5, keys: [key] };
    expect(parseBundleManifest(serializeBundleManifest(manifest))).toEqual(manifest);
    expect(code(() => parseBundleManifest(serializeBundleManifest({ ...manifest, keys: [key, key] })))).toBe('BUNDLE_MALFORMED');
    expect(code(() => parseBundleManifest(serializeBundleManifest(manifest).replace('hkey-sealed-bundle', 'other')))).toBe('BUNDLE_MALFORMED');
  });

  test('an inventory line round trips; a serial unfit for a file name is refused', () => {
    const entry = {
      serial: 'HK-1',
      kemPublicKey: bytes(65, 4),
      signingPublicKey: bytes(65, 3),
      chain: [bytes(3, 1), bytes(3, 2)],
      lifecycle: 'ACTIVE',
      sequence: 2,
    };
    expect(parseInventoryEntry(serializeInventoryEntry(entry))).toEqual(entry);
    expect(code(() => parseInventoryEntry(serializeInventoryEntry({ ...entry, serial: '../x' })))).toBe('INVENTORY_MALFORMED');
  });

  test('receipt lines: the error names the line', () => {
    const good = JSON.stringify({ receipt: toBase64Url(bytes(10, 1)), signature: toBase64Url(bytes(64, 2)) });
    expect(parseReceiptLines(`${good}\n\n${good}\n`)).toHaveLength(2);
    expect(() => parseReceiptLines(`${good}\n{"receipt":"AA"}\n`)).toThrow(/^Line 2: /);
  });
});
