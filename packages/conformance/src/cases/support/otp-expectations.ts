/**
 * OTP codes the key must produce, computed with the reference implementation (docs/protocol.md §7) from the
 * same inputs: the suite never trusts the key's own arithmetic.
 */
import { type OtpAlgorithm, type RequestOf, hotp, totp, totpValidUntil } from '@hkey/protocol';
import { fail } from '../../checks.js';
import type { HkpSession } from '../../session/hkp-session.js';

export type OtpCredential = NonNullable<RequestOf<'AccountCreate'>['otp']>;

export const RFC_SHA1_SECRET = new TextEncoder().encode('12345678901234567890');
/** RFC 6238 Appendix B seeds (erratum 2866): the SHA1 seed repeated to the hash's length. */
export const RFC_TOTP_SECRETS: Readonly<Record<OtpAlgorithm, Uint8Array>> = {
  SHA1: RFC_SHA1_SECRET,
  SHA256: new TextEncoder().encode('12345678901234567890123456789012'),
  SHA512: new TextEncoder().encode('1234567890123456789012345678901234567890123456789012345678901234'),
};
/** The times of RFC 6238 Appendix B. */
export const RFC_TOTP_TIMES: readonly number[] = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000];

export function expectedHotp(credential: OtpCredential, counter: number | bigint): string {
  return hotp(credential.secret, counter, { algorithm: credential.algorithm ?? 'SHA1', digits: (credential.digits ?? 6) as 6 | 7 | 8 });
}

/**
 * Sets the key's clock to `time` and reads the TOTP code of account `id`. The key's clock runs on, so the code
 * may belong to any second from `time` up to the moment the answer arrived; code and validUntil must agree
 * with one of them (§7.2).
 */
export async function checkTotpAt(session: HkpSession, id: number, credential: OtpCredential, time: number, label: string): Promise<void> {
  const started = performance.now();
  await session.ok('SetTime', { time });
  const result = await session.ok('GetOtp', { id });
  const elapsed = Math.ceil((performance.now() - started) / 1000);
  const period = credential.period ?? 30;
  const options = { algorithm: credential.algorithm ?? 'SHA1', digits: (credential.digits ?? 6) as 6 | 7 | 8, period };
  for (let second = time; second <= time + elapsed; second++) {
    if (result.code === totp(credential.secret, second, options) && Number(result.validUntil) === totpValidUntil(second, period)) return;
  }
  fail(
    `${label} at time ${time}: code ${totp(credential.secret, time, options)}, validUntil ${totpValidUntil(time, period)} (§7.2)`,
    `code ${result.code}, validUntil ${String(result.validUntil)}`,
  );
}
