/**
 * Replaces every field marked secret (docs/protocol.md §6.4) with a placeholder, recursively, so that
 * parameters can be logged, recorded and shown. Byte strings that are not secret are shown by length only.
 */
import { type Schema, schemaFields } from './schema.js';

export const REDACTED = '[redacted]';

export function redactParams(schema: Schema, params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of schemaFields(schema)) {
    const value = params[name];
    if (value === undefined) continue;
    if (field.secret) out[name] = REDACTED;
    else if (field.type.nested && Array.isArray(value))
      out[name] = value.map((item) => redactParams(field.type.nested as Schema, item as Record<string, unknown>));
    else if (field.type.nested) out[name] = redactParams(field.type.nested, value as Record<string, unknown>);
    else if (value instanceof Uint8Array) out[name] = `[${value.length} bytes]`;
    else if (typeof value === 'bigint') out[name] = value.toString();
    else out[name] = value;
  }
  return out;
}
