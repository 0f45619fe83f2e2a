/**
 * Typed reads of CTAP request members with the statuses CTAP 2.1 prescribes: a required member that is absent is
 * MISSING_PARAMETER, a member of the wrong CBOR type is CBOR_UNEXPECTED_TYPE (CTAP 2.1 §6, docs/protocol.md §9.2).
 */
import type { CtapKey, CtapMap, CtapValue } from './ctap-cbor.js';
import { CtapError } from './ctap-error.js';

function wrongType(name: string, expected: string): CtapError {
  return new CtapError('CBOR_UNEXPECTED_TYPE', `The member "${name}" must be ${expected}.`);
}

function missing(name: string): CtapError {
  return new CtapError('MISSING_PARAMETER', `The member "${name}" is required.`);
}

/** The request itself: CTAP parameters always form a map (an empty body counts as an empty map). */
export function asCtapMap(value: CtapValue | undefined, name: string): CtapMap {
  if (value === undefined) return new Map();
  if (!(value instanceof Map)) throw wrongType(name, 'a map');
  return value;
}

type Read<T> = (map: CtapMap, key: CtapKey, name: string) => T | undefined;

function reader<T>(expected: string, test: (value: CtapValue) => value is CtapValue & T): Read<T> {
  return (map, key, name) => {
    const value = map.get(key);
    if (value === undefined) return undefined;
    if (!test(value)) throw wrongType(name, expected);
    return value as T;
  };
}

export const memberBytes = reader<Uint8Array>('a byte string', (v): v is Uint8Array => v instanceof Uint8Array);
export const memberText = reader<string>('a text string', (v): v is string => typeof v === 'string');
export const memberInteger = reader<number>('an integer', (v): v is number => typeof v === 'number');
export const memberBoolean = reader<boolean>('true or false', (v): v is boolean => typeof v === 'boolean');
export const memberMap = reader<CtapMap>('a map', (v): v is CtapMap => v instanceof Map);
export const memberArray = reader<CtapValue[]>('an array', (v): v is CtapValue[] => Array.isArray(v));

/** A required member: absent is MISSING_PARAMETER. */
export function requiredMember<T>(read: Read<T>, map: CtapMap, key: CtapKey, name: string): T {
  const value = read(map, key, name);
  if (value === undefined) throw missing(name);
  return value;
}
