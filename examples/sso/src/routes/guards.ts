/** The session a route needs, or the refusal a browser in any other state gets. */
import { SsoError } from '../errors.js';
import type { Exchange } from '../http/exchange.js';
import type { Services } from '../services.js';
import type { Session, SessionStage } from '../store/sessions.js';
import type { User } from '../store/users.js';

/** How recent the last proof must be for a change to the account's keys or recovery codes. */
export const FRESH_PROOF_MS = 5 * 60_000;

/**
 * The session as it is now (read again, so a route may ask after an await whether another request ended it) and
 * its user, when it is at one of `stages`. An enrolling session is worthless once its account is enrolled, however
 * it survived.
 */
export function sessionAt(services: Services, exchange: Exchange, ...stages: SessionStage[]): { session: Session; user: User } | undefined {
  const session = exchange.session === undefined ? undefined : services.sessions.current(exchange.session);
  const user = session?.userId === undefined ? undefined : services.users.byId(session.userId);
  if (session === undefined || user === undefined || !stages.includes(session.stage)) return undefined;
  return session.stage === 'enrolling' && user.enrolledAt !== undefined ? undefined : { session, user };
}

/** sessionAt, or NOT_SIGNED_IN. */
export function requireStage(services: Services, exchange: Exchange, ...stages: SessionStage[]): { session: Session; user: User } {
  const found = sessionAt(services, exchange, ...stages);
  if (found === undefined) {
    throw new SsoError('NOT_SIGNED_IN', 401, 'This step needs a session that has not started or has expired; start again from the sign-in page.');
  }
  return found;
}

/** A signed-in session whose holder proved who they are within FRESH_PROOF_MS. */
export function requireFreshSignIn(services: Services, exchange: Exchange): { session: Session; user: User } {
  const signedIn = requireStage(services, exchange, 'signed-in');
  const at = signedIn.session.proof?.at;
  if (at === undefined || services.now() - at > FRESH_PROOF_MS) {
    throw new SsoError('REAUTH_REQUIRED', 403, 'Confirm it is you first: use your security key again (after a recovery code, your password).');
  }
  return signedIn;
}

/** Enrolling (the first key), or signed in with a fresh proof (another key). */
export function requireKeyChange(services: Services, exchange: Exchange): { session: Session; user: User } {
  const found = requireStage(services, exchange, 'enrolling', 'signed-in');
  return found.session.stage === 'signed-in' ? requireFreshSignIn(services, exchange) : found;
}
