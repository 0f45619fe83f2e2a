/**
 * WebIDL conversion of the options a page passes (WebAuthn L3 §5.4, §5.5): required members, BufferSources copied,
 * DOMStrings and longs converted the way browsers do. Every failure is the TypeError a browser raises, so a
 * malformed call rejects at once instead of reaching a key.
 */
import { conversionError } from './errors.js';
import type { CredentialDescriptor, ResidentKey, UserVerification } from './types.js';

type Dictionary = Record<string, unknown>;

export class WebIdlReader {
  constructor(
    readonly operation: 'create' | 'get',
    /** "Failed to read the 'x' property from 'Y': " for each enclosing member. */
    private readonly path = '',
  ) {}

  /** A reader for a member that is a dictionary; undefined and null are the empty dictionary, as WebIDL says. */
  dictionary(value: unknown, member: string, owner: string): [Dictionary, WebIdlReader] {
    const inner = new WebIdlReader(this.operation, `${this.path}Failed to read the '${member}' property from '${owner}': `);
    if (value === undefined || value === null) return [{}, inner];
    if (typeof value !== 'object' && typeof value !== 'function') throw inner.fail("The provided value is not of type 'object'.");
    return [value as Dictionary, inner];
  }

  fail(problem: string): TypeError {
    return conversionError(this.operation, this.path, problem);
  }

  required(dictionary: Dictionary, member: string, owner: string): unknown {
    const value = dictionary[member];
    if (value === undefined)
      throw new WebIdlReader(this.operation, `${this.path}Failed to read the '${member}' property from '${owner}': `).fail('Required member is undefined.');
    return value;
  }

  member(member: string, owner: string): WebIdlReader {
    return new WebIdlReader(this.operation, `${this.path}Failed to read the '${member}' property from '${owner}': `);
  }

  domString(value: unknown): string {
    if (typeof value === 'symbol') throw this.fail('Cannot convert a Symbol value to a string.');
    return String(value);
  }

  /** WebIDL `long`: ToNumber, truncated, wrapped to 32 bits; NaN and infinities are 0. */
  long(value: unknown): number {
    return Number(value) | 0;
  }

  /** WebIDL `unsigned long`. */
  unsignedLong(value: unknown): number {
    return Number(value) >>> 0;
  }

  bufferSource(value: unknown): Uint8Array {
    if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    throw this.fail("The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
  }

  sequence(value: unknown): unknown[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== 'object' || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw this.fail('The provided value cannot be converted to a sequence.');
    }
    return [...(value as Iterable<unknown>)];
  }

  /** PublicKeyCredentialDescriptor (§5.8.3). */
  descriptors(value: unknown, member: string, owner: string): CredentialDescriptor[] {
    return this.member(member, owner)
      .sequence(value)
      .map((entry, index) => {
        const [descriptor, reader] = this.dictionary(entry, `${member}[${index}]`, owner);
        const type = reader.domString(reader.required(descriptor, 'type', 'PublicKeyCredentialDescriptor'));
        const id = reader.member('id', 'PublicKeyCredentialDescriptor').bufferSource(reader.required(descriptor, 'id', 'PublicKeyCredentialDescriptor'));
        const transports =
          descriptor.transports === undefined
            ? undefined
            : reader
                .member('transports', 'PublicKeyCredentialDescriptor')
                .sequence(descriptor.transports)
                .map((transport) => reader.domString(transport));
        return { type, id, ...(transports === undefined ? {} : { transports }) };
      });
  }
}

/** L3 turned these enums into DOMStrings: an unknown value is ignored (the default applies), as Chrome does. */
export function userVerification(value: unknown): UserVerification {
  return value === 'required' || value === 'discouraged' ? value : 'preferred';
}

export function residentKey(value: unknown, requireResidentKey: unknown): ResidentKey {
  if (value === 'required' || value === 'preferred' || value === 'discouraged') return value;
  return requireResidentKey === true ? 'required' : 'discouraged';
}
