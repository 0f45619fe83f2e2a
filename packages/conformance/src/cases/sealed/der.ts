/**
 * Just enough DER (X.690) to read one extension of an X.509 certificate: node:crypto's X509Certificate checks
 * signatures and names but does not expose extensions it does not know.
 */
interface Tlv {
  readonly tag: number;
  readonly content: Uint8Array;
  /** Where the next element starts. */
  readonly end: number;
}

function readTlv(bytes: Uint8Array, offset: number): Tlv | undefined {
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  if (tag === undefined || length === undefined) return undefined;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > bytes.length) return undefined;
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + (bytes[start + index] as number);
    start += count;
  }
  if (start + length > bytes.length) return undefined;
  return { tag, content: bytes.subarray(start, start + length), end: start + length };
}

function children(bytes: Uint8Array): Tlv[] | undefined {
  const result: Tlv[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const tlv = readTlv(bytes, offset);
    if (tlv === undefined) return undefined;
    result.push(tlv);
    offset = tlv.end;
  }
  return result;
}

/** An OBJECT IDENTIFIER's contents in dotted form. */
export function oidText(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  const [first = 0n, ...rest] = arcs;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...rest].join('.');
}

const SEQUENCE = 0x30;
const OID = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3;

/** The extnValue contents of the extension `oid` of a DER certificate; undefined when it has none or does not parse. */
export function certificateExtension(der: Uint8Array, oid: string): Uint8Array | undefined {
  const certificate = readTlv(der, 0);
  if (certificate?.tag !== SEQUENCE) return undefined;
  const tbs = children(certificate.content)?.[0];
  if (tbs?.tag !== SEQUENCE) return undefined;
  const wrapper = children(tbs.content)?.find((element) => element.tag === EXTENSIONS);
  const list = wrapper && children(wrapper.content)?.[0];
  if (list?.tag !== SEQUENCE) return undefined;
  for (const extension of children(list.content) ?? []) {
    const parts = children(extension.content);
    if (extension.tag !== SEQUENCE || parts === undefined || parts[0]?.tag !== OID || oidText(parts[0].content) !== oid) continue;
    const value = parts[1]?.tag === BOOLEAN ? parts[2] : parts[1];
    return value?.tag === OCTET_STRING ? value.content : undefined;
  }
  return undefined;
}

/** The contents of a DER OCTET STRING that is exactly `bytes`, else undefined. */
export function octetStringContents(bytes: Uint8Array): Uint8Array | undefined {
  const tlv = readTlv(bytes, 0);
  return tlv?.tag === OCTET_STRING && tlv.end === bytes.length ? tlv.content : undefined;
}
