/** The RFC 4648 §6 base32 alphabet that otpauth secrets use (docs/protocol.md §7.3). */
export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Padding character; a padded text is a whole number of 8-character groups. */
export const BASE32_PAD = '=';

/** '=' characters that complete a final group of 0..7 data characters; -1 marks impossible remainders. */
export const PADDING_FOR_REMAINDER: readonly number[] = [0, -1, 6, -1, 4, 3, -1, 1];
