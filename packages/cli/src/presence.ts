/**
 * How long a key may wait for its button (docs/protocol.md §6.3: 30 s, plus the 10 s hold of Wipe). Commands that
 * need a press add this to --timeout, so the key's own USER_PRESENCE_TIMEOUT, with its clearer message, comes first.
 */
export const PRESENCE_WAIT_MS = 45_000;
