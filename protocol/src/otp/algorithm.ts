/** HMAC hash functions HKP/1 allows for OTP credentials (docs/protocol.md §5.1, §7.1). */
export const OTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;

export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];

export function isOtpAlgorithm(value: unknown): value is OtpAlgorithm {
  return (OTP_ALGORITHMS as readonly unknown[]).includes(value);
}
