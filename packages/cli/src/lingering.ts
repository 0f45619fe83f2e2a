/**
 * Some libraries keep handles open that cannot be released (noble's Bluetooth socket). Commands that load one say
 * so here, and `bin.ts` then ends the process once the command's output is written, instead of hanging.
 */
let lingering = false;

export function keepsProcessAlive(): void {
  lingering = true;
}

export function mustExitExplicitly(): boolean {
  return lingering;
}
