import type { OtpAlgorithm } from '../otp/algorithm.js';
import type { OtpCounter } from '../otp/counter.js';
import type { OtpDigits } from '../otp/parameters.js';

export type OtpauthType = 'totp' | 'hotp';

interface OtpauthCommon {
  /** The label's account name, e.g. "alice@google.com". */
  accountName: string;
  /** The provider; from the `issuer` parameter or the label prefix, which must agree. */
  issuer?: string;
  /** The decoded secret, 10..64 bytes. */
  secret: Uint8Array;
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
}

export interface TotpOtpauthParameters extends OtpauthCommon {
  type: 'totp';
  /** Seconds, 1..3600. */
  period: number;
}

export interface HotpOtpauthParameters extends OtpauthCommon {
  type: 'hotp';
  /** The next counter; parsing gives a number up to 2^53-1 and a bigint above. */
  counter: OtpCounter;
}

/** Everything an otpauth:// URI says (docs/protocol.md §7.4); parsing fills in the defaults. */
export type OtpauthParameters = TotpOtpauthParameters | HotpOtpauthParameters;

export interface OtpauthParseOptions {
  /** Ignore parameters outside the format instead of rejecting them. Default false: a typo like "peroid" must not silently change the codes. */
  allowUnknownParameters?: boolean;
}
