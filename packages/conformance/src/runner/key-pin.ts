/** What the run knows about the key's PIN (docs/protocol.md §6.1), which decides whether sessions can be unlocked. */
export type KeyPin =
  | { readonly kind: 'none' }
  | { readonly kind: 'known'; readonly pin: string }
  /** A PIN is set and the run was not given it (or was given a wrong one). */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'blocked' };

export function lockedReason(pin: KeyPin): string | undefined {
  switch (pin.kind) {
    case 'none':
    case 'known':
      return undefined;
    case 'unknown':
      return 'the key has a PIN the run was not given (the pin option); PIN-protected commands answer PIN_REQUIRED';
    case 'blocked':
      return "the key's PIN is blocked; only Wipe (a destructive run) brings it back";
  }
}
