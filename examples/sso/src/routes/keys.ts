/**
 * Registering security keys (the last step of enrollment, or "add another key" later), removing one, and new
 * recovery codes. A passwordless account's keys are discoverable and PIN-verified; a password account's keys
 * are a plain second factor. Keys the account already has are excluded, so the same key cannot be added twice.
 * Once enrolled, each change needs a fresh proof (guards.ts) and ends the account's other sessions.
 */
import { SsoError } from '../errors.js';
import type { Routes } from '../http/exchange.js';
import { stringField } from '../http/request.js';
import { type Services, challengeTtl } from '../services.js';
import { registrationOptions, verifyRegistration } from '../webauthn/ceremonies.js';
import { requireFreshSignIn, requireKeyChange } from './guards.js';

export function keyRoutes(services: Services): Routes {
  const { users, sessions, credentials, challenges, recoveryCodes, rp } = services;
  return {
    'POST /api/keys/register/options': async (exchange) => {
      const { session, user } = requireKeyChange(services, exchange);
      if (user.mode === undefined) throw new SsoError('WRONG_STEP', 409, 'Choose how to sign in first.');
      if (user.mode === 'password' && user.passwordHash === undefined) throw new SsoError('WRONG_STEP', 409, 'Set a password before adding a security key.');
      const options = await registrationOptions(rp, user, user.mode, credentials.ofUser(user.id));
      challenges.put(session.key, 'register', options.challenge, challengeTtl(services));
      return { json: options };
    },

    'POST /api/keys/register/verify': async (exchange) => {
      const { session, user } = requireKeyChange(services, exchange);
      const challenge = challenges.take(session.key, 'register');
      if (challenge === undefined || user.mode === undefined)
        throw new SsoError('NO_CHALLENGE', 409, 'This ceremony expired or was already used; start it again.');
      const made = await verifyRegistration(rp, exchange.body.response, challenge, user.mode);
      // Checked again: while the answer was verified, the account may have been enrolled or the session ended.
      requireKeyChange(services, exchange);
      if (credentials.byId(made.id) !== undefined) throw new SsoError('KEY_ALREADY_REGISTERED', 409, 'This security key is already registered.');
      const key = credentials.add({ ...made, userId: user.id, discoverable: user.mode === 'passwordless' });
      if (session.stage === 'signed-in') {
        sessions.endAllOf(user.id, session);
        return { json: { key: { id: key.id, name: key.name } } };
      }
      // The first key completes enrollment: every session of the account ends (an earlier link's, too), the account is
      // usable, and the recovery codes are shown, once.
      users.markEnrolled(user.id);
      sessions.endAllOf(user.id);
      const recovery = await recoveryCodes.replace(user.id);
      exchange.startSession('signed-in', user.id, { method: 'key', at: services.now() });
      return { json: { key: { id: key.id, name: key.name }, recoveryCodes: recovery } };
    },

    'POST /api/keys/remove': (exchange) => {
      const { session, user } = requireFreshSignIn(services, exchange);
      const id = stringField(exchange.body, 'id');
      const keys = credentials.ofUser(user.id);
      if (!keys.some((key) => key.id === id)) throw new SsoError('KEY_NOT_FOUND', 404, 'This account has no such security key.');
      if (keys.length === 1) throw new SsoError('LAST_KEY', 409, 'This is the account’s only security key: add another one before removing it.');
      credentials.remove(user.id, id);
      sessions.endAllOf(user.id, session);
      return { json: { removed: id } };
    },

    'POST /api/recovery-codes': async (exchange) => {
      const { session, user } = requireFreshSignIn(services, exchange);
      const codes = await recoveryCodes.replace(user.id);
      sessions.endAllOf(user.id, session);
      return { json: { recoveryCodes: codes } };
    },
  };
}
