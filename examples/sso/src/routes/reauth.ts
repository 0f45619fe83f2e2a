/**
 * Confirming a signed-in session before a change to the account (guards.ts, requireFreshSignIn): an assertion of
 * one of the account's keys (with its PIN for a passwordless account), or, for a session signed in with a recovery
 * code (the key may be lost), the password again. Password tries count against the same brake as sign-in.
 */
import { SsoError } from '../errors.js';
import type { Routes } from '../http/exchange.js';
import { stringField } from '../http/request.js';
import { verifyPassword } from '../security/passwords.js';
import { type Services, challengeTtl } from '../services.js';
import { authenticationOptions, readAuthenticationResponse, verifyAuthentication } from '../webauthn/ceremonies.js';
import { requireStage } from './guards.js';

export function reauthRoutes(services: Services): Routes {
  const { sessions, credentials, challenges, passwordAttempts, rp } = services;
  return {
    'POST /api/reauth/options': async (exchange) => {
      const { session, user } = requireStage(services, exchange, 'signed-in');
      const options = await authenticationOptions(rp, credentials.ofUser(user.id), user.mode === 'passwordless');
      challenges.put(session.key, 'reauth', options.challenge, challengeTtl(services));
      return { json: options };
    },

    'POST /api/reauth/verify': async (exchange) => {
      const { session, user } = requireStage(services, exchange, 'signed-in');
      const challenge = challenges.take(session.key, 'reauth');
      if (challenge === undefined) throw new SsoError('NO_CHALLENGE', 409, 'This ceremony expired or was already used; start it again.');
      const { response, id } = readAuthenticationResponse(exchange.body);
      const key = credentials.byId(id);
      if (key === undefined || key.userId !== user.id) throw new SsoError('UNKNOWN_KEY', 401, 'This security key is not registered to this account.');
      credentials.recordUse(key.id, await verifyAuthentication(rp, response, challenge, key, user.mode === 'passwordless'));
      sessions.confirm(requireStage(services, exchange, 'signed-in').session);
      return { json: { confirmed: true } };
    },

    'POST /api/reauth/password': async (exchange) => {
      const { session, user } = requireStage(services, exchange, 'signed-in');
      if (session.proof?.method !== 'recovery' || user.mode !== 'password') {
        throw new SsoError('WRONG_STEP', 409, 'The password confirms only a session signed in with a recovery code; use your security key.');
      }
      const password = stringField(exchange.body, 'password');
      passwordAttempts.reserve(user.email);
      if (!(await verifyPassword(password, user.passwordHash))) throw new SsoError('BAD_CREDENTIALS', 401, 'The password is wrong.');
      passwordAttempts.succeed(user.email);
      sessions.confirm(requireStage(services, exchange, 'signed-in').session);
      return { json: { confirmed: true } };
    },
  };
}
