/**
 * Text from a key or a file (account names, otpauth labels, batch cells, serials) may hold characters a terminal
 * acts on: ESC and other C0 controls start escape sequences (colours, cursor moves, OSC 52 clipboard writes), C1
 * controls do the same in one byte, and bidi overrides reorder what is shown so that one text looks like
 * another. Everything the CLI shows a person passes through here and shows such characters as escapes instead:
 * `\x1b`, `\x9b`, `\u202e`.
 */

/** C0 controls, DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, and the line/paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, but line feeds stay: they are how multi-line human output is laid out. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_BUT_LINE_FEED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (character: string): string => {
  const code = character.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One value (a table cell, a name inside a message): every unsafe character escaped, line feeds included. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Whole human output, already laid out in lines: unsafe characters escaped, line feeds kept. */
export function terminalLines(text: string): string {
  return text.replace(UNSAFE_BUT_LINE_FEED, escape);
}

/**
 * JSON for a terminal or a pipe: JSON.stringify already escapes C0 controls, but leaves DEL, C1 controls, bidi
 * controls and U+2028/U+2029 raw. They can only occur inside strings, where `\uXXXX` means the same character,
 * so the JSON parses to exactly the same value and shows no control to a person reading it.
 */
export function terminalJson(json: string): string {
  return json.replace(UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
