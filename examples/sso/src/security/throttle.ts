/**
 * Guessing brakes: after `limit` attempts on one account within `windowMs` that did not succeed, further attempts
 * are refused until the window ends, so a 40-bit recovery code or a password cannot be tried online at speed. An
 * attempt is counted when it starts, before the slow check, so parallel requests cannot all slip in while the
 * first ones are still being checked; a success clears the count.
 */
import { SsoError } from '../errors.js';

interface Attempts {
  count: number;
  since: number;
}

export class Throttle {
  private readonly attempts = new Map<string, Attempts>();

  constructor(
    private readonly now: () => number,
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Counts an attempt on `account`; throws TOO_MANY_ATTEMPTS (counting nothing) while it is locked. */
  reserve(account: string): void {
    const entry = this.current(account) ?? { count: 0, since: this.now() };
    if (entry.count >= this.limit) throw new SsoError('TOO_MANY_ATTEMPTS', 429, 'Too many failed attempts on this account; try again later.');
    entry.count += 1;
    this.attempts.set(account, entry);
  }

  succeed(account: string): void {
    this.attempts.delete(account);
  }

  private current(account: string): Attempts | undefined {
    const entry = this.attempts.get(account);
    if (entry !== undefined && this.now() - entry.since >= this.windowMs) {
      this.attempts.delete(account);
      return undefined;
    }
    return entry;
  }
}
