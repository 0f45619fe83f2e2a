/** Everything a route needs, made once per app: the stores over one database, the RP identity, the clock. */
import type { SsoConfig } from './config.js';
import type { Database } from './db/database.js';
import { Throttle } from './security/throttle.js';
import { Challenges } from './store/challenges.js';
import { Credentials } from './store/credentials.js';
import { Invitations } from './store/invitations.js';
import { RecoveryCodes } from './store/recovery-codes.js';
import { Sessions } from './store/sessions.js';
import { Users } from './store/users.js';
import type { RelyingParty } from './webauthn/ceremonies.js';

export interface Services {
  readonly config: SsoConfig;
  readonly rp: RelyingParty;
  readonly host: string;
  readonly now: () => number;
  readonly users: Users;
  readonly invitations: Invitations;
  readonly sessions: Sessions;
  readonly challenges: Challenges;
  readonly credentials: Credentials;
  readonly recoveryCodes: RecoveryCodes;
  /** Passwords and recovery codes are braked apart, so guessing one cannot lock anybody out of the other. */
  readonly passwordAttempts: Throttle;
  readonly recoveryAttempts: Throttle;
}

export function makeServices(db: Database, config: SsoConfig, site: { origin: string; rpID: string; host: string }, now: () => number): Services {
  return {
    config,
    rp: { name: config.rpName, rpID: site.rpID, origin: site.origin, timeoutMs: config.ceremonyTimeoutMs },
    host: site.host,
    now,
    users: new Users(db, now),
    invitations: new Invitations(db, now),
    sessions: new Sessions(db, now, config.sessionTtlMs, site.origin),
    challenges: new Challenges(db, now),
    credentials: new Credentials(db, now),
    recoveryCodes: new RecoveryCodes(db, now),
    passwordAttempts: new Throttle(now),
    recoveryAttempts: new Throttle(now),
  };
}

/** A challenge outlives the browser's timeout by a little, for the round trip. */
export const challengeTtl = (services: Services): number => services.config.ceremonyTimeoutMs + 30_000;
