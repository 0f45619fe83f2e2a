/**
 * The sealed formats' parsers (docs/protocol.md §10.4, §10.5) and the bundle files' (docs/design/sealed-provisioning.md
 * "Bundle"): whatever the input, only a SealedError with its format's code escapes, and what is accepted is the one
 * spelling of its value (it re-encodes to the same bytes, or parses back to the same value). A case is one input.
 */
import fc from 'fast-check';
import {
  type CborMap,
  type CborValue,
  SealedError,
  decodeReceipt,
  decodeSealedHeader,
  decodeSealedOperation,
  encodeCbor,
  encodeReceipt,
  encodeSealedHeader,
  encodeSealedOperation,
  parseBundleItems,
  parseBundleManifest,
  parseInventory,
  parseReceiptLines,
  readSealedItemParams,
  sealedItemParams,
  serializeBundleItems,
  serializeBundleManifest,
  serializeInventoryEntry,
  serializeReceiptLine,
  toBase64Url,
} from '@hkey/protocol';
import { check } from './budget.js';
import { generator, mutatedBytes, mutatedText, nearValidBytes, seededBytes } from './mutate.js';
import { fail, sameBytes } from './oracle.js';

const SERIAL = 'HK-SIM-000001';

function bytesFrom(seed: number, length: number): Uint8Array {
  const next = generator(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

const validHeader = fc.record({
  issuerId: fc.integer().map((seed) => bytesFrom(seed, 16)),
  serial: fc.constantFrom(SERIAL, 'K', 'x'.repeat(64)),
  kemKeyHash: fc.integer().map((seed) => bytesFrom(seed, 32)),
  sequence: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constantFrom(0xffff_ffff, Number.MAX_SAFE_INTEGER)),
  notAfter: fc.nat(),
  created: fc.nat(),
});
const validReceipt = fc.record({
  serial: fc.constantFrom(SERIAL, 'K'),
  issuerId: fc.integer().map((seed) => bytesFrom(seed, 16)),
  sequence: fc.nat(),
  status: fc.integer({ min: 0, max: 255 }),
  accountId: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
  itemHash: fc.integer().map((seed) => bytesFrom(seed, 32)),
  time: fc.nat(),
});

/** Small CBOR values of every type a field could wrongly hold. */
const cborValue: fc.Arbitrary<CborValue> = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.constantFrom<CborValue>(0xffff_ffff, 2n ** 64n - 1n, true, false, ''),
  fc.constantFrom(1, 15, 16, 17, 32, 64, 65, 66).chain((length) => fc.integer().map((seed) => bytesFrom(seed, length))),
  fc.string({ maxLength: 8 }),
  fc.array(seededBytes(0, 300), { maxLength: 3 }),
  fc.constant(new Map<number, CborValue>([[1, 2]])),
);
const cborMap: fc.Arbitrary<CborMap> = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), cborValue), { selector: ([key]) => key, maxLength: 9 })
  .map((entries) => new Map(entries));

const operationBytes = fc.tuple(fc.integer({ min: 0, max: 11 }), cborMap).map(([operation, params]) =>
  encodeCbor(
    new Map<number, CborValue>([
      [1, operation],
      [2, params],
    ]),
  ),
);

/** Structurally valid ApplySealed parameters (no cryptography: the parser does none), then changed member by member. */
const itemParams: fc.Arbitrary<CborMap> = fc
  .tuple(validHeader, fc.integer(), fc.integer({ min: 1, max: 700 }), cborMap, fc.boolean())
  .map(([header, seed, length, changes, change]) => {
    const params = sealedItemParams({
      header: encodeSealedHeader(header),
      enc: bytesFrom(seed, 65),
      ciphertext: bytesFrom(seed + 1, length),
      signature: bytesFrom(seed + 2, 64),
    });
    if (change) for (const [key, value] of changes) params.set(key, value);
    return params;
  });

type Input = { readonly parser: 'header' | 'receipt' | 'operation'; readonly bytes: Uint8Array } | { readonly parser: 'item'; readonly params: CborMap };

const inputs: fc.Arbitrary<Input> = fc.oneof(
  nearValidBytes(validHeader.map(encodeSealedHeader), 160).map((bytes) => ({ parser: 'header' as const, bytes })),
  nearValidBytes(validReceipt.map(encodeReceipt), 160).map((bytes) => ({ parser: 'receipt' as const, bytes })),
  fc.oneof(operationBytes, mutatedBytes(operationBytes), cborMap.map(encodeCbor)).map((bytes) => ({ parser: 'operation' as const, bytes })),
  itemParams.map((params) => ({ parser: 'item' as const, params })),
);

function refusedWith(error: unknown, code: string, what: string): void {
  if (!(error instanceof SealedError)) throw error;
  if (error.code !== code) fail(`${what}: refused with ${error.code}, not ${code}`);
}

function checkInput(input: Input): void {
  switch (input.parser) {
    case 'header': {
      let header;
      try {
        header = decodeSealedHeader(input.bytes);
      } catch (error) {
        return refusedWith(error, 'SEALED_MALFORMED', 'header');
      }
      if (!sameBytes(encodeSealedHeader(header), input.bytes)) fail('an accepted header does not re-encode to its bytes');
      return;
    }
    case 'receipt': {
      let receipt;
      try {
        receipt = decodeReceipt(input.bytes);
      } catch (error) {
        return refusedWith(error, 'RECEIPT_MALFORMED', 'receipt');
      }
      if (!sameBytes(encodeReceipt(receipt), input.bytes)) fail('an accepted receipt does not re-encode to its bytes');
      return;
    }
    case 'operation': {
      let operation;
      try {
        operation = decodeSealedOperation(input.bytes);
      } catch (error) {
        return refusedWith(error, 'SEALED_MALFORMED', 'operation');
      }
      if (!sameBytes(encodeSealedOperation(operation), input.bytes)) fail('an accepted operation does not re-encode to its bytes');
      return;
    }
    case 'item': {
      let read;
      try {
        read = readSealedItemParams(input.params);
      } catch (error) {
        return refusedWith(error, 'SEALED_MALFORMED', 'item');
      }
      const again = readSealedItemParams(sealedItemParams(read.item));
      const { item } = again;
      const same =
        sameBytes(item.header, read.item.header) &&
        sameBytes(item.enc, read.item.enc) &&
        sameBytes(item.ciphertext, read.item.ciphertext) &&
        sameBytes(item.signature, read.item.signature);
      if (!same || again.header.sequence !== read.header.sequence) fail('an accepted item does not read back the same after re-chunking');
      if (!sameBytes(encodeSealedHeader(read.header), read.item.header)) fail("an accepted item's header is not canonical");
    }
  }
}

export function fuzzSealedParsers(cases: number): number {
  check(fc.property(inputs, checkInput), cases);
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Bundle files: inventory lines, bundle.json, items/SERIAL.jsonl, receipts.jsonl

const identity = fc.record({
  serial: fc.constantFrom(SERIAL, 'HK-2', 'a.b_c-d'),
  kemPublicKey: fc.integer().map((seed) => bytesFrom(seed, 65)),
  signingPublicKey: fc.integer().map((seed) => bytesFrom(seed, 65)),
  chain: fc.array(
    fc.integer().map((seed) => bytesFrom(seed, 40)),
    { minLength: 2, maxLength: 3 },
  ),
});
const inventoryLines = fc
  .array(
    fc.tuple(identity, fc.option(fc.record({ lifecycle: fc.constantFrom('READY', 'ACTIVE'), issuerId: fc.constant(bytesFrom(7, 16)), sequence: fc.nat() }))),
    { minLength: 1, maxLength: 3 },
  )
  .map((entries) => entries.map(([entry, state]) => `${serializeInventoryEntry({ ...entry, ...(state ?? {}) })}\n`).join(''));
const manifest = fc.tuple(fc.array(identity, { maxLength: 3 }), fc.nat()).map(([keys, created]) =>
  serializeBundleManifest({
    issuerId: bytesFrom(1, 16),
    issuerPublicKey: bytesFrom(2, 65),
    created,
    keys: [...new Map(keys.map((key) => [key.serial, { ...key, items: 3, sha256: bytesFrom(3, 32) }])).values()],
  }),
);
const itemLines = fc
  .array(
    fc.tuple(validHeader, fc.integer()).map(([header, seed]) => ({
      sequence: header.sequence,
      header: encodeSealedHeader({ ...header, serial: SERIAL }),
      enc: bytesFrom(seed, 65),
      ciphertext: bytesFrom(seed + 1, 1 + (seed & 0x3f)),
      signature: bytesFrom(seed + 2, 64),
    })),
    { minLength: 1, maxLength: 3 },
  )
  .map(serializeBundleItems);
const receiptLines = fc
  .array(
    fc.tuple(validReceipt, fc.integer()).map(([receipt, seed]) => serializeReceiptLine({ receipt: encodeReceipt(receipt), signature: bytesFrom(seed, 64) })),
    { minLength: 1, maxLength: 3 },
  )
  .map((lines) => `${lines.join('\n')}\n`);

const JSON_PIECES = ['"', '{', '}', '[', ']', ',', ':', '\n', '\\', '\\u0000', 'null', '1e3', '-1', '=', '+', '/', 'A', '"extra":1,', '\r\n'];
type BundleFile = 'inventory' | 'manifest' | 'items' | 'receipts';
const bundleInputs: fc.Arbitrary<{ file: BundleFile; text: string }> = fc.oneof(
  ...(
    [
      ['inventory', inventoryLines],
      ['manifest', manifest],
      ['items', itemLines],
      ['receipts', receiptLines],
    ] as const
  ).map(([file, valid]) =>
    fc
      .oneof({ weight: 1, arbitrary: valid }, { weight: 5, arbitrary: mutatedText(valid, JSON_PIECES) }, { weight: 1, arbitrary: fc.json() })
      .map((text) => ({ file, text })),
  ),
);

const CODES: Readonly<Record<BundleFile, string>> = {
  inventory: 'INVENTORY_MALFORMED',
  manifest: 'BUNDLE_MALFORMED',
  items: 'BUNDLE_MALFORMED',
  receipts: 'RECEIPT_MALFORMED',
};

/** Parses, and for what is accepted: serialises and parses again to the same value. */
function roundTrip(file: BundleFile, text: string): { first: unknown; second: unknown } {
  switch (file) {
    case 'inventory': {
      const first = parseInventory(text);
      return { first, second: parseInventory(first.map((entry) => `${serializeInventoryEntry(entry)}\n`).join('')) };
    }
    case 'manifest': {
      const first = parseBundleManifest(text);
      return { first, second: parseBundleManifest(serializeBundleManifest(first)) };
    }
    case 'items': {
      const first = parseBundleItems(text, SERIAL);
      return { first, second: parseBundleItems(serializeBundleItems(first), SERIAL) };
    }
    case 'receipts': {
      const first = parseReceiptLines(text);
      return { first, second: parseReceiptLines(first.map((line) => `${serializeReceiptLine(line)}\n`).join('')) };
    }
  }
}

const comparable = (value: unknown): string => JSON.stringify(value, (_, inner: unknown) => (inner instanceof Uint8Array ? toBase64Url(inner) : inner));

export function fuzzBundleParsers(cases: number): number {
  check(
    fc.property(bundleInputs, ({ file, text }) => {
      let result;
      try {
        result = roundTrip(file, text);
      } catch (error) {
        return refusedWith(error, CODES[file], file);
      }
      if (comparable(result.first) !== comparable(result.second)) fail(`an accepted ${file} file does not parse back the same once written`);
    }),
    cases,
  );
  return cases;
}
