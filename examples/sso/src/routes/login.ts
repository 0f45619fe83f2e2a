/**
 * Signing in: e-mail and password then a security key; a discoverable key with its PIN and nothing else
 * (usernameless); or, when the key is lost, a recovery code in place of the key. Every success starts a fresh
 * session; every failure says as little as possible about which part was wrong.
 */
import { SsoError } from '../errors.js';
import type { Exchange, Routes } from '../http/exchange.js';
import { stringField } from '../http/request.js';
import { verifyPassword } from '../security/passwords.js';
import { type Services, challengeTtl } from '../services.js';
import type { Proof } from '../store/sessions.js';
import type { User } from '../store/users.js';
import { authenticationOptions, readAuthenticationResponse, verifyAuthentication } from '../webauthn/ceremonies.js';
import { requireStage } from './guards.js';

const WRONG_PASSWORD = (): SsoError => new SsoError('BAD_CREDENTIALS', 401, 'The e-mail address or the password is wrong.');
const WRONG_CODE = (): SsoError => new SsoError('BAD_RECOVERY_CODE', 401, 'That recovery code is wrong or was used before.');
const UNKNOWN_KEY = (): SsoError => new SsoError('UNKNOWN_KEY', 401, 'This security key is not registered for passwordless sign-in here.');

export function loginRoutes(services: Services): Routes {
  const { users, credentials, challenges, recoveryCodes, passwordAttempts, recoveryAttempts, rp } = services;

  const signIn = (exchange: Exchange, user: User, proof: Proof) => {
    passwordAttempts.succeed(user.email);
    recoveryAttempts.succeed(user.email);
    exchange.startSession('signed-in', user.id, proof);
    return { json: { next: '/account' } };
  };

  return {
    'POST /api/login/password': async (exchange) => {
      const email = stringField(exchange.body, 'email').trim().toLowerCase();
      const password = stringField(exchange.body, 'password');
      passwordAttempts.reserve(email);
      const user = users.byEmail(email);
      const enrolled = user?.enrolledAt !== undefined && user.mode === 'password' ? user : undefined;
      if (!(await verifyPassword(password, enrolled?.passwordHash)) || enrolled === undefined) throw WRONG_PASSWORD();
      passwordAttempts.succeed(email);
      exchange.startSession('second-factor', enrolled.id, { method: 'password', at: services.now() });
      return { json: { next: '/login/security-key' } };
    },

    'POST /api/login/second-factor/options': async (exchange) => {
      const { session, user } = requireStage(services, exchange, 'second-factor');
      const options = await authenticationOptions(rp, credentials.ofUser(user.id));
      challenges.put(session.key, 'second-factor', options.challenge, challengeTtl(services));
      return { json: options };
    },

    'POST /api/login/second-factor/verify': async (exchange) => {
      const { session, user } = requireStage(services, exchange, 'second-factor');
      const challenge = challenges.take(session.key, 'second-factor');
      if (challenge === undefined) throw new SsoError('NO_CHALLENGE', 409, 'This ceremony expired or was already used; start it again.');
      const { response, id } = readAuthenticationResponse(exchange.body);
      const key = credentials.byId(id);
      if (key === undefined || key.userId !== user.id) throw new SsoError('UNKNOWN_KEY', 401, 'This security key is not registered to this account.');
      credentials.recordUse(key.id, await verifyAuthentication(rp, response, challenge, key, false));
      return signIn(exchange, user, { method: 'key', at: services.now() });
    },

    'POST /api/login/passwordless/options': async (exchange) => {
      // A browser with no session yet gets an anonymous one, so the challenge is bound to it.
      const session = exchange.session ?? exchange.startSession('anonymous');
      const options = await authenticationOptions(rp, 'discoverable');
      challenges.put(session.key, 'passwordless', options.challenge, challengeTtl(services));
      return { json: options };
    },

    'POST /api/login/passwordless/verify': async (exchange) => {
      const challenge = exchange.session === undefined ? undefined : challenges.take(exchange.session.key, 'passwordless');
      if (challenge === undefined) throw new SsoError('NO_CHALLENGE', 409, 'This ceremony expired or was already used; start it again.');
      const { response, id, userHandle } = readAuthenticationResponse(exchange.body);
      const key = credentials.byId(id);
      const user = key === undefined ? undefined : users.byId(key.userId);
      // The key must have been made for passwordless use and must name the same account it is stored under.
      if (key === undefined || user === undefined || !key.discoverable || userHandle !== user.webauthnUserId) throw UNKNOWN_KEY();
      credentials.recordUse(key.id, await verifyAuthentication(rp, response, challenge, key, true));
      return signIn(exchange, user, { method: 'key', at: services.now() });
    },

    'POST /api/login/recovery': async (exchange) => {
      const code = stringField(exchange.body, 'code');
      // After the password step the account is known; a passwordless account names itself by e-mail.
      const pending = exchange.session?.stage === 'second-factor' ? requireStage(services, exchange, 'second-factor') : undefined;
      const email = pending?.user.email ?? stringField(exchange.body, 'email').trim().toLowerCase();
      recoveryAttempts.reserve(email);
      const user = pending?.user ?? users.byEmail(email);
      const eligible = user !== undefined && user.enrolledAt !== undefined && (pending !== undefined || user.mode === 'passwordless');
      if (!(await recoveryCodes.redeem(eligible ? user.id : -1, code)) || !eligible) throw WRONG_CODE();
      // The session is as fresh as the password step was; without a password, the code is the whole proof.
      const outcome = signIn(exchange, user, { method: 'recovery', at: pending === undefined ? services.now() : (pending.session.proof?.at ?? 0) });
      return { json: { ...(outcome.json as object), recoveryCodesLeft: recoveryCodes.remaining(user.id) } };
    },

    'POST /api/logout': (exchange) => {
      exchange.endSession();
      return { json: { next: '/login' } };
    },
  };
}
