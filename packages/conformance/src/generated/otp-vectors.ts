/**
 * Published OTP vectors (docs/protocol.md §7): the inputs of RFC 4226 Appendix D and RFC 6238 Appendix B and
 * cases the RFCs leave out (64-bit counters, 7 digits, periods 1 to 3600 s, times far past 2038), with codes
 * computed by the reference implementation. Counters and steps are decimal strings: they exceed 2^53.
 */
import { MAX_OTP_COUNTER, MAX_TOTP_TIME, type OtpAlgorithm, hotp, totp, totpStep, totpValidUntil } from '@hkey/protocol';
import { toHex } from '../checks.js';
import { RFC_SHA1_SECRET, RFC_TOTP_SECRETS, RFC_TOTP_TIMES } from '../cases/support/otp-expectations.js';

type Digits = 6 | 7 | 8;

const WIDE_COUNTERS = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 53n - 1n, 2n ** 53n, MAX_OTP_COUNTER - 1n, MAX_OTP_COUNTER];

function hotpVector(source: string, algorithm: OtpAlgorithm, digits: Digits, counter: bigint) {
  const secret = RFC_TOTP_SECRETS[algorithm];
  return { source, secret: toHex(secret, ''), algorithm, digits, counter: counter.toString(), code: hotp(secret, counter, { algorithm, digits }) };
}

function totpVector(source: string, algorithm: OtpAlgorithm, digits: Digits, period: number, time: number) {
  const secret = RFC_TOTP_SECRETS[algorithm];
  return {
    source,
    secret: toHex(secret, ''),
    algorithm,
    digits,
    period,
    time,
    step: totpStep(time, period).toString(),
    code: totp(secret, time, { algorithm, digits, period }),
    validUntil: totpValidUntil(time, period),
  };
}

export function otpVectors() {
  const algorithms: OtpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
  return {
    description: 'HOTP (RFC 4226) and TOTP (RFC 6238) as docs/protocol.md §7 defines them: secrets in hex, T0 = 0, codes as strings with leading zeros.',
    hotp: [
      ...Array.from({ length: 10 }, (_, counter) => hotpVector('RFC 4226 Appendix D', 'SHA1', 6, BigInt(counter))),
      ...algorithms.flatMap((algorithm, index) =>
        WIDE_COUNTERS.map((counter) => hotpVector('64-bit counter (§7.1)', algorithm, ([6, 7, 8] as const)[index] as Digits, counter)),
      ),
    ],
    totp: [
      ...RFC_TOTP_TIMES.flatMap((time) => algorithms.map((algorithm) => totpVector('RFC 6238 Appendix B', algorithm, 8, 30, time))),
      ...[59, 60, 119, 120].map((time) => totpVector('period 60 s', 'SHA1', 6, 60, time)),
      ...[2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 5_000_000_000].map((time) => totpVector('period 1 s: past 2038 and past 2^32 steps', 'SHA512', 7, 1, time)),
      ...[3599, 3600, MAX_TOTP_TIME - 1, MAX_TOTP_TIME].map((time) => totpVector('period 3600 s, up to the end of the time range', 'SHA256', 8, 3600, time)),
    ],
    rfcSecretAscii: new TextDecoder().decode(RFC_SHA1_SECRET),
  };
}
