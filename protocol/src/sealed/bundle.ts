/**
 * The files sealed provisioning passes around (docs/design/sealed-provisioning.md "Bundle"): inventory lines (a
 * key's public identity), a bundle's manifest (bundle.json), its item lines (items/SERIAL.jsonl) and receipt
 * lines (receipts.jsonl). All are JSON with bytes as unpadded base64url; none holds a secret. Parsing is strict:
 * every member typed, unknown members refused, one spelling per value, so two tools never read one file two ways.
 */
import { fromBase64Url, toBase64Url } from '../base64url.js';
import { SealedError, type SealedErrorCode } from './sealed-error.js';
import { decodeSealedHeader } from './sealed-header.js';
import { MAX_SEALED_CIPHERTEXT_BYTES, type SealedItem } from './sealed-item.js';
import type { SignedReceipt } from './sealed-receipt.js';

export const BUNDLE_FORMAT = 'hkey-sealed-bundle';
export const BUNDLE_VERSION = 1;
/**
 * The device certificate's extension holding the key-agreement public key, an OCTET STRING of the SEC1 uncompressed
 * point (docs/protocol.md §10.2). A UUID OID (ITU-T X.667, arc 2.25): no registration, no clash with anyone's arc.
 */
export const KEM_KEY_EXTENSION_OID = '2.25.163362454534605685408922073621100056452';
/** Serials name files (items/SERIAL.jsonl), so they are kept to characters safe in any file system. */
const SERIAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const MAX_CHAIN = 4;
const MAX_CERTIFICATE_BYTES = 4096;

/** Strict reads of one JSON object's members. */
class JsonFields {
  private readonly seen = new Set<string>();

  constructor(
    private readonly object: Record<string, unknown>,
    private readonly code: SealedErrorCode,
    private readonly what: string,
  ) {}

  static parse(text: string, code: SealedErrorCode, what: string): JsonFields {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SealedError(code, `The ${what} is not JSON.`);
    }
    return JsonFields.of(value, code, what);
  }

  static of(value: unknown, code: SealedErrorCode, what: string): JsonFields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SealedError(code, `The ${what} is not a JSON object.`);
    return new JsonFields(value as Record<string, unknown>, code, what);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.object, name);
  }

  raw(name: string): unknown {
    this.seen.add(name);
    if (!this.has(name)) throw new SealedError(this.code, `The ${this.what} has no ${name}.`);
    return this.object[name];
  }

  bytes(name: string, min: number, max = min): Uint8Array {
    return this.bytesOf(this.raw(name), name, min, max);
  }

  bytesOf(value: unknown, name: string, min: number, max: number): Uint8Array {
    const bytes = typeof value === 'string' ? fromBase64Url(value) : undefined;
    if (bytes === undefined || bytes.length < min || bytes.length > max) {
      throw this.invalid(name, min === max ? `${min} bytes in base64url` : `${min} to ${max} bytes in base64url`);
    }
    return bytes;
  }

  uint(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw this.invalid(name, `an integer from ${min} to ${max}`);
    return value;
  }

  serial(name = 'serial'): string {
    const value = this.raw(name);
    if (typeof value !== 'string' || !SERIAL_PATTERN.test(value)) throw this.invalid(name, 'a serial of letters, digits, ".", "_" and "-"');
    return value;
  }

  text(name: string, pattern: RegExp): string {
    const value = this.raw(name);
    if (typeof value !== 'string' || !pattern.test(value)) throw this.invalid(name, `text matching ${pattern.source}`);
    return value;
  }

  array(name: string, min: number, max: number): unknown[] {
    const value = this.raw(name);
    if (!Array.isArray(value) || value.length < min || value.length > max) throw this.invalid(name, `an array of ${min} to ${max} entries`);
    return value;
  }

  end(): void {
    const unknown = Object.keys(this.object).find((name) => !this.seen.has(name));
    // The member is named by position: a file's keys are not ours to repeat.
    if (unknown !== undefined) {
      throw new SealedError(this.code, `The ${this.what} has a member this version does not define (member ${Object.keys(this.object).indexOf(unknown) + 1}).`);
    }
  }

  invalid(name: string, expected: string): SealedError {
    return new SealedError(this.code, `The ${this.what}'s ${name} must be ${expected}.`);
  }
}

/** A key's public identity as `hkey identity` exports it and a bundle keeps a copy of it. */
export interface KeyIdentityEntry {
  readonly serial: string;
  readonly kemPublicKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  /** DER certificates: the device certificate first, up to the manufacturer root. */
  readonly chain: readonly Uint8Array[];
}

/** One inventory line: the identity, plus what the key said of its state when it was read. */
export interface InventoryEntry extends KeyIdentityEntry {
  readonly lifecycle?: string;
  readonly issuerId?: Uint8Array;
  readonly sequence?: number;
}

function identityJson(entry: KeyIdentityEntry): Record<string, unknown> {
  return {
    serial: entry.serial,
    kemPublicKey: toBase64Url(entry.kemPublicKey),
    signingPublicKey: toBase64Url(entry.signingPublicKey),
    chain: entry.chain.map(toBase64Url),
  };
}

function readIdentity(fields: JsonFields): KeyIdentityEntry {
  return {
    serial: fields.serial(),
    kemPublicKey: fields.bytes('kemPublicKey', 65),
    signingPublicKey: fields.bytes('signingPublicKey', 65),
    chain: fields.array('chain', 2, MAX_CHAIN).map((value, index) => fields.bytesOf(value, `chain[${index}]`, 1, MAX_CERTIFICATE_BYTES)),
  };
}

export function serializeInventoryEntry(entry: InventoryEntry): string {
  return JSON.stringify({
    ...identityJson(entry),
    ...(entry.lifecycle !== undefined && { lifecycle: entry.lifecycle }),
    ...(entry.issuerId !== undefined && { issuerId: toBase64Url(entry.issuerId) }),
    ...(entry.sequence !== undefined && { sequence: entry.sequence }),
  });
}

export function parseInventoryEntry(line: string): InventoryEntry {
  const fields = JsonFields.parse(line, 'INVENTORY_MALFORMED', 'inventory line');
  const entry: InventoryEntry = {
    ...readIdentity(fields),
    ...(fields.has('lifecycle') && { lifecycle: fields.text('lifecycle', /^[A-Z]{1,16}$/) }),
    ...(fields.has('issuerId') && { issuerId: fields.bytes('issuerId', 16) }),
    ...(fields.has('sequence') && { sequence: fields.uint('sequence', 0, 0xffff_ffff) }),
  };
  fields.end();
  return entry;
}

/** Every line of an inventory file (JSON Lines; blank lines allowed); the error names the line. */
export function parseInventory(text: string): InventoryEntry[] {
  return nonBlankLines(text).map(({ line, number }) => withLine(number, 'INVENTORY_MALFORMED', () => parseInventoryEntry(line)));
}

/** What bundle.json says of one key: its identity (the issuer checked it) and its items file. */
export interface BundleKey extends KeyIdentityEntry {
  readonly items: number;
  /** SHA-256 of items/SERIAL.jsonl. */
  readonly sha256: Uint8Array;
}

export interface BundleManifest {
  readonly issuerId: Uint8Array;
  readonly issuerPublicKey: Uint8Array;
  /** Unix seconds. */
  readonly created: number;
  readonly keys: readonly BundleKey[];
}

export function serializeBundleManifest(manifest: BundleManifest): string {
  const keys = manifest.keys.map((key) => ({ ...identityJson(key), items: key.items, sha256: toBase64Url(key.sha256) }));
  const json = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    issuerId: toBase64Url(manifest.issuerId),
    issuerPublicKey: toBase64Url(manifest.issuerPublicKey),
    created: manifest.created,
    keys,
  };
  return `${JSON.stringify(json, null, 1)}\n`;
}

export function parseBundleManifest(text: string): BundleManifest {
  const fields = JsonFields.parse(text, 'BUNDLE_MALFORMED', 'bundle manifest');
  if (fields.raw('format') !== BUNDLE_FORMAT) throw fields.invalid('format', `"${BUNDLE_FORMAT}"`);
  fields.uint('version', BUNDLE_VERSION, BUNDLE_VERSION);
  const manifest: BundleManifest = {
    issuerId: fields.bytes('issuerId', 16),
    issuerPublicKey: fields.bytes('issuerPublicKey', 65),
    created: fields.uint('created'),
    keys: fields.array('keys', 0, 100_000).map((value, index) => {
      const key = JsonFields.of(value, 'BUNDLE_MALFORMED', `bundle manifest's key ${index + 1}`);
      const entry: BundleKey = { ...readIdentity(key), items: key.uint('items', 0, 0xffff_ffff), sha256: key.bytes('sha256', 32) };
      key.end();
      return entry;
    }),
  };
  fields.end();
  const serials = new Set(manifest.keys.map((key) => key.serial));
  if (serials.size !== manifest.keys.length) throw new SealedError('BUNDLE_MALFORMED', 'The bundle manifest names a key twice.');
  return manifest;
}

/** One line of items/SERIAL.jsonl: a sealed item and, for people and the relay, its sequence in clear. */
export interface BundleItem extends SealedItem {
  readonly sequence: number;
}

export function serializeBundleItem(item: BundleItem): string {
  return JSON.stringify({
    sequence: item.sequence,
    header: toBase64Url(item.header),
    enc: toBase64Url(item.enc),
    ciphertext: toBase64Url(item.ciphertext),
    signature: toBase64Url(item.signature),
  });
}

/** An item line; its header must decode and agree with the line's sequence and with the key the file is for. */
export function parseBundleItem(line: string, serial: string): BundleItem {
  const fields = JsonFields.parse(line, 'BUNDLE_MALFORMED', 'bundle item');
  const item: BundleItem = {
    sequence: fields.uint('sequence', 1, 0xffff_ffff),
    header: fields.bytes('header', 1, 256),
    enc: fields.bytes('enc', 65),
    ciphertext: fields.bytes('ciphertext', 1, MAX_SEALED_CIPHERTEXT_BYTES),
    signature: fields.bytes('signature', 64),
  };
  fields.end();
  let header;
  try {
    header = decodeSealedHeader(item.header);
  } catch (error) {
    throw new SealedError('BUNDLE_MALFORMED', 'The bundle item has a header that does not decode.', { cause: error });
  }
  if (header.sequence !== item.sequence) throw new SealedError('BUNDLE_MALFORMED', "The bundle item's sequence differs from its header's.");
  if (header.serial !== serial) throw new SealedError('BUNDLE_MALFORMED', 'The bundle item is sealed for another key than its file names.');
  return item;
}

/**
 * The lines of items/SERIAL.jsonl in file order. Order and repeats are the key's to judge (it refuses replays and
 * reorders with a receipt), so the relay forwards what the file holds.
 */
export function parseBundleItems(text: string, serial: string): BundleItem[] {
  return nonBlankLines(text).map(({ line, number }) => withLine(number, 'BUNDLE_MALFORMED', () => parseBundleItem(line, serial)));
}

export function serializeBundleItems(items: readonly BundleItem[]): string {
  return items.map((item) => `${serializeBundleItem(item)}\n`).join('');
}

export function serializeReceiptLine(signed: SignedReceipt): string {
  return JSON.stringify({ receipt: toBase64Url(signed.receipt), signature: toBase64Url(signed.signature) });
}

export function parseReceiptLine(line: string): SignedReceipt {
  const fields = JsonFields.parse(line, 'RECEIPT_MALFORMED', 'receipt line');
  const signed = { receipt: fields.bytes('receipt', 1, 256), signature: fields.bytes('signature', 64) };
  fields.end();
  return signed;
}

/** Every line of a receipts file (JSON Lines; blank lines allowed); the error names the line. */
export function parseReceiptLines(text: string): SignedReceipt[] {
  return nonBlankLines(text).map(({ line, number }) => withLine(number, 'RECEIPT_MALFORMED', () => parseReceiptLine(line)));
}

function nonBlankLines(text: string): { line: string; number: number }[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.replace(/\r$/, ''), number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
}

function withLine<T>(number: number, code: SealedErrorCode, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SealedError) throw new SealedError(code, `Line ${number}: ${error.message}`, { cause: error });
    throw error;
  }
}
