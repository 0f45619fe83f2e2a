/**
 * Just enough DER (X.690) for the certificates the key issues (attestation.ts): the types of an X.509 v3 certificate,
 * and a certificate's subject read back to name the issuer of the next. Written here, not with an ASN.1 library:
 * @peculiar/asn1-x509 (CommonJS) cost `hkey sim` 25-40 ms at every start, for certificates built only when a key
 * attests or derives its identity.
 */

const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

function element(tag: number, contents: readonly Uint8Array[]): Uint8Array {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...lengthBytes(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...contents: Uint8Array[]): Uint8Array => element(Tag.sequence, contents);
export const set = (...contents: Uint8Array[]): Uint8Array => element(Tag.set, contents);
/** [number] EXPLICIT. */
export const explicit = (number: number, ...contents: Uint8Array[]): Uint8Array => element(0xa0 | number, contents);
export const octetString = (bytes: Uint8Array): Uint8Array => element(Tag.octetString, [bytes]);
export const utf8String = (text: string): Uint8Array => element(Tag.utf8String, [new TextEncoder().encode(text)]);
export const printableString = (text: string): Uint8Array => element(Tag.printableString, [new TextEncoder().encode(text)]);
export const TRUE = Uint8Array.of(Tag.boolean, 1, 0xff);

/** A non-negative INTEGER from its minimal big-endian two's-complement contents (the caller's to keep minimal). */
export const integer = (contents: Uint8Array): Uint8Array => element(Tag.integer, [contents]);

/** A BIT STRING of whole bytes (unused bits 0): keys and signatures. */
export const bitString = (bytes: Uint8Array): Uint8Array => element(Tag.bitString, [Uint8Array.of(0), bytes]);

/** A named-bit BIT STRING (X.509 KeyUsage): bit 0 is the first byte's top bit; trailing zero bits are left off. */
export function namedBits(bits: readonly number[]): Uint8Array {
  const last = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(last / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return element(Tag.bitString, [Uint8Array.of(7 - (last & 7)), bytes]);
}

/** An OBJECT IDENTIFIER from dotted form; arcs may exceed 2^53 (UUID arcs under 2.25). */
export function objectIdentifier(dotted: string): Uint8Array {
  const [first = 0n, second = 0n, ...rest] = dotted.split('.').map(BigInt);
  const contents: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const digits = [Number(arc & 0x7fn)];
    for (let high = arc >> 7n; high > 0n; high >>= 7n) digits.unshift(Number(high & 0x7fn) | 0x80);
    contents.push(...digits);
  }
  return element(Tag.objectIdentifier, [Uint8Array.from(contents)]);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds in UTC. */
export function time(date: Date): Uint8Array {
  const digits = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-T:]/g, '');
  const utc = date.getUTCFullYear() < 2050;
  return element(utc ? Tag.utcTime : Tag.generalizedTime, [new TextEncoder().encode(utc ? digits.slice(2) : digits)]);
}

/** The element at `offset`: where its contents start and where it ends. */
function readElement(der: Uint8Array, offset: number): { tag: number; offset: number; start: number; end: number } {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('The DER element is cut short.');
  let start = offset + 2;
  let length = first;
  if (first & 0x80) {
    length = 0;
    for (const byte of der.subarray(start, start + (first & 0x7f))) length = length * 256 + byte;
    start += first & 0x7f;
  }
  if (start + length > der.length) throw new RangeError('The DER element is cut short.');
  return { tag, offset, start, end: start + length };
}

/** The subject Name of a DER certificate, as its DER bytes: the issuer of every certificate it signs. */
export function certificateSubject(certificate: Uint8Array): Uint8Array {
  const tbs = readElement(certificate, readElement(certificate, 0).start);
  let field = readElement(certificate, tbs.start);
  // version [0] is there in v2 and v3 certificates; then serialNumber, signature, issuer and validity precede subject.
  const skipped = field.tag === 0xa0 ? 5 : 4;
  for (let index = 0; index < skipped; index++) field = readElement(certificate, field.end);
  return certificate.slice(field.offset, field.end);
}
