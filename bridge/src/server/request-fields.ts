/**
 * Reading untrusted request messages: every malformed field becomes BAD_MESSAGE naming the field, so a bad
 * client gets an error reply and the server carries on.
 */
import { BridgeError } from '../errors.js';
import { BRIDGE_PROTOCOL_VERSION, fromHex } from '../bridge-protocol.js';

export type RequestId = string | number;

export class BadMessageError extends BridgeError {
  constructor(
    message: string,
    code = 'BAD_MESSAGE',
    /** The id of the request, when the message had a readable one; the error reply carries it (else null). */
    readonly requestId: RequestId | null = null,
  ) {
    super(code, message);
  }
}

export interface ParsedRequest {
  readonly id: RequestId;
  readonly type: string;
  readonly body: Record<string, unknown>;
  /** Came as a binary frame (`hkey.v1.bin`): its reply and keepalives go back as binary frames. */
  readonly binary?: boolean;
}

/** A request id echoed back, or null when the message has none worth echoing. */
export function readId(value: unknown): RequestId | null {
  if (typeof value === 'string' && value.length > 0 && value.length <= 64) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return null;
}

/** Parses one text message; throws BadMessageError with the id attached when it could be read. */
export function parseRequest(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadMessageError('A message must be one JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadMessageError('A message must be one JSON object.');
  }
  const body = value as Record<string, unknown>;
  const id = readId(body.id);
  if (id === null) throw new BadMessageError('"id" must be a string of 1 to 64 characters or an integer.');
  if (body.v !== BRIDGE_PROTOCOL_VERSION) {
    throw new BadMessageError(`This bridge speaks protocol version ${BRIDGE_PROTOCOL_VERSION} ("v": ${BRIDGE_PROTOCOL_VERSION}).`, 'UNSUPPORTED_VERSION', id);
  }
  if (typeof body.type !== 'string') throw new BadMessageError('"type" must be a string.', 'BAD_MESSAGE', id);
  return { id, type: body.type, body };
}

export function str(body: Record<string, unknown>, name: string, maxLength = 256): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw new BadMessageError(`"${name}" must be a non-empty string.`);
  return value;
}

export function bool(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (typeof value !== 'boolean') throw new BadMessageError(`"${name}" must be true or false.`);
  return value;
}

export function int(body: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = body[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new BadMessageError(`"${name}" must be an integer from ${min} to ${max}.`);
  return value;
}

export function oneOf<T extends string>(body: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const value = body[name];
  if (!allowed.includes(value as T)) throw new BadMessageError(`"${name}" must be one of ${allowed.join(', ')}.`);
  return value as T;
}

/** minBytes..maxBytes bytes: lowercase hex in JSON messages, raw in binary frames. */
export function bytes(body: Record<string, unknown>, name: string, minBytes: number, maxBytes: number): Uint8Array {
  const value = body[name];
  const decoded =
    value instanceof Uint8Array
      ? value.length <= maxBytes
        ? value
        : undefined
      : typeof value === 'string' && value.length <= maxBytes * 2
        ? fromHex(value)
        : undefined;
  if (decoded === undefined || decoded.length < minBytes) throw new BadMessageError(`"${name}" must be lowercase hex of ${minBytes} to ${maxBytes} bytes.`);
  return decoded;
}
