/** Exit codes of `hkey` (documented in `hkey --help`): stable, so scripts can branch on them. Never renumber; only add. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NO_DEVICE: 3,
  DEVICE_REFUSED: 4,
  PIN: 5,
  USER_PRESENCE: 6,
  VERIFICATION_FAILED: 7,
  STATE_FILE: 8,
  BATCH_INCOMPLETE: 9,
  BATCH_CHANGED: 10,
  INTERRUPTED: 130,
} as const;

export const EXIT_CODE_HELP = `Exit codes:
  0    success
  1    unexpected failure
  2    bad command line or input (argument, base32, otpauth URI, QR image, batch file)
  3    no key reachable (not found, disconnected, timeout, port in use)
  4    the key refused the request (not found, read-only, storage full, busy)
  5    PIN required, wrong, or blocked
  6    button not pressed in time, denied, or cancelled
  7    verification after a write failed
  8    state file damaged, unknown or locked by a passphrase
  9    some rows of a batch failed or found no key (see the summary and the audit log)
  10   all other rows done, but some changed since a run wrote them; they were not written again
  130  interrupted (Ctrl-C)`;
