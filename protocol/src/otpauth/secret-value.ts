import { Base32Error } from '../errors.js';
import { Limits } from '../limits.js';
import { decodeBase32 } from '../secret/decode-base32.js';
import { otpauthError } from './otpauth-error-code.js';

export function isValidSecret(secret: unknown): secret is Uint8Array {
  return secret instanceof Uint8Array && secret.length >= Limits.secretMinBytes && secret.length <= Limits.secretMaxBytes;
}

export function invalidSecretLength(): Error {
  return otpauthError('OTPAUTH_INVALID_SECRET', 'secret', `The secret must be ${Limits.secretMinBytes} to ${Limits.secretMaxBytes} bytes.`);
}

/** Decodes the `secret` parameter; a base32 problem becomes the cause, by code and position only. */
export function parseSecret(value: string): Uint8Array {
  let secret: Uint8Array;
  try {
    secret = decodeBase32(value);
  } catch (error) {
    if (!(error instanceof Base32Error)) throw error;
    const where = error.position >= 0 ? ` at position ${error.position} of the secret` : '';
    throw otpauthError('OTPAUTH_INVALID_SECRET', 'secret', `The secret is not valid base32 (${error.code}${where}).`, error);
  }
  if (!isValidSecret(secret)) throw invalidSecretLength();
  return secret;
}
