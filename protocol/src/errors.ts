/**
 * Every error the protocol package throws is an HkeyError with a stable string `code`.
 * Codes are part of the public API: never rename one once shipped. Messages are one sentence
 * and never contain secret material (callers pass field names, never values).
 */
export class HkeyError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A CBOR item broke one of the strictness rules of docs/protocol.md §3.3; `status` is the HKP status to answer with. */
export class CborError extends HkeyError {
  readonly status: number;
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;

  constructor(code: string, status: number, offset: number, message: string) {
    super(code, message);
    this.status = status;
    this.offset = offset;
  }
}

/** A message decoded as CBOR but does not match its schema (docs/protocol.md §3.4 and §4). */
export class MessageError extends HkeyError {
  readonly status: number;
  /** The parameter (schema field name) that is missing or invalid, when there is one. */
  readonly field: string | undefined;

  constructor(code: string, status: number, message: string, field?: string) {
    super(code, message);
    this.status = status;
    this.field = field;
  }
}

/** A HID report or BLE fragment violates the framing rules (docs/protocol.md §1, §2); `transportError` is the CTAPHID/BLE ERROR code to send. */
export class FramingError extends HkeyError {
  readonly transportError: number;

  constructor(code: string, transportError: number, message: string) {
    super(code, message);
    this.transportError = transportError;
  }
}

/** Bad base32 text (docs/protocol.md §7.3). */
export class Base32Error extends HkeyError {
  /** 0-based position of the offending character in the input, or -1 when the problem is the length. */
  readonly position: number;

  constructor(code: string, position: number, message: string) {
    super(code, message);
    this.position = position;
  }
}

/**
 * Bad otpauth:// URI (docs/protocol.md §7.4); `field` names the offending part: scheme, type, label, secret, issuer,
 * algorithm, digits, period, counter, fragment, or `parameter` for an unknown parameter (whose name may hold secret text).
 */
export class OtpauthError extends HkeyError {
  readonly field: string;

  constructor(code: string, field: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.field = field;
  }
}

/** Bad OTP parameters (secret length, digits, period, counter, time). */
export class OtpError extends HkeyError {}
