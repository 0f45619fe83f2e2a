/** The strict canonical CBOR codec on typical GetOtp messages, against plain cbor-x. */
import { Encoder } from 'cbor-x';
import { decodeCbor, encodeCbor, type CborMap } from '@hkey/protocol';
import type { Comparison } from '../harness.js';

export function cborComparisons(): Comparison[] {
  const cborx = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
  const request: CborMap = new Map([[1, 513]]);
  const response: CborMap = new Map<number, string | number>([
    [1, '123456'],
    [2, 1_700_000_010],
  ]);
  const make = (label: string, value: CborMap) => ({
    benchmark: `CBOR encode+decode, GetOtp ${label}`,
    subject: { name: 'encodeCbor + strict decodeCbor', run: () => decodeCbor(encodeCbor(value)) },
    reference: { name: 'cbor-x encode + decode', run: () => cborx.decode(cborx.encode(value)) },
    target: 0.8,
  });
  return [make('request {1: 513}', request), make('response {1: "123456", 2: 1700000010}', response)];
}
