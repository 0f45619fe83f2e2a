import { BASE32_ALPHABET, BASE32_PAD, PADDING_FOR_REMAINDER } from './base32-alphabet.js';

export interface Base32EncodeOptions {
  /** Append '=' to a multiple of 8 characters. Default false: otpauth URIs and authenticator apps omit it. */
  padding?: boolean;
}

/** Encodes bytes as upper-case RFC 4648 base32 (docs/protocol.md §7.3). */
export function encodeBase32(bytes: Uint8Array, options: Base32EncodeOptions = {}): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 4 + 8 live bits
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32_ALPHABET[(buffer >>> bits) & 0x1f];
    }
  }
  if (bits > 0) text += BASE32_ALPHABET[(buffer << (5 - bits)) & 0x1f];
  if (options.padding) text += BASE32_PAD.repeat(PADDING_FOR_REMAINDER[text.length % 8] ?? 0);
  return text;
}
