/** The session a route needs, or the refusal a browser in any other state gets. */
import { SsoError } from '../errors.js';
import type { Exchange } from '../http/exchange.js';
import type { Services } from '../services.js';
import type { Session, SessionStage } from '../store/sessions.js';
import type { User } from '../store/users.js';

export function requireStage(services: Services, exchange: Exchange, ...stages: SessionStage[]): { session: Session; user: User } {
  const session = exchange.session;
  const user = session?.userId === undefined ? undefined : services.users.byId(session.userId);
  if (session === undefined || user === undefined || !stages.includes(session.stage)) {
    throw new SsoError('NOT_SIGNED_IN', 401, 'This step needs a session that has not started or has expired; start again from the sign-in page.');
  }
  return { session, user };
}
