/**
 * How a case ends other than by passing. A case throws CaseFailure with what the spec asks for and what the
 * key did, or CaseSkip when it cannot run here; anything else it throws is a failure too, so a key that
 * crashes the suite never passes.
 */
import { HkeyError } from '@hkey/protocol';

export class CaseFailure extends Error {
  constructor(
    readonly expected: string,
    readonly seen: string,
  ) {
    super(`expected ${expected}; seen ${seen}`);
    this.name = 'CaseFailure';
  }
}

export class CaseSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CaseSkip';
  }
}

/** A mistake in how the suite was called (an unknown --only name, a malformed address). */
export class ConformanceError extends HkeyError {}
