import type { OtpDigits } from './parameters.js';

/** RFC 4226 §5.3: dynamic truncation of the MAC to 31 bits, then Snum mod 10^digits, zero-padded. */
export function truncateToCode(mac: Uint8Array, digits: OtpDigits): string {
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}
