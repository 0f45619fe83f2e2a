/** What every fuzz target's oracle uses to report and compare. */

/** Fails the case with a message that names what was expected (fast-check shows it with the shrunk input). */
export function fail(message: string): never {
  throw new Error(message);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
