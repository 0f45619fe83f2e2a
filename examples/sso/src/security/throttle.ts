/**
 * Guessing brakes: after `limit` failed attempts on one account within `windowMs`, further attempts are refused
 * until the window ends, so a 40-bit recovery code or a password cannot be tried online at speed.
 */
import { SsoError } from '../errors.js';

interface Failures {
  count: number;
  since: number;
}

export class Throttle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly now: () => number,
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Throws TOO_MANY_ATTEMPTS while `account` is locked. */
  check(account: string): void {
    const entry = this.current(account);
    if (entry !== undefined && entry.count >= this.limit) {
      throw new SsoError('TOO_MANY_ATTEMPTS', 429, 'Too many failed attempts on this account; try again later.');
    }
  }

  fail(account: string): void {
    const entry = this.current(account) ?? { count: 0, since: this.now() };
    entry.count += 1;
    this.failures.set(account, entry);
  }

  succeed(account: string): void {
    this.failures.delete(account);
  }

  private current(account: string): Failures | undefined {
    const entry = this.failures.get(account);
    if (entry !== undefined && this.now() - entry.since >= this.windowMs) {
      this.failures.delete(account);
      return undefined;
    }
    return entry;
  }
}
