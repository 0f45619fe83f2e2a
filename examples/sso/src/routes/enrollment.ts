/**
 * Enrollment from the e-mailed link: the invitation is used up when the user picks a way to sign in, then either
 * a password followed by a security key (second factor), or a security key with its PIN alone (passwordless).
 * The keys themselves are registered by keys.ts.
 */
import { SsoError } from '../errors.js';
import type { Routes } from '../http/exchange.js';
import { stringField } from '../http/request.js';
import { checkNewPassword, hashPassword } from '../security/passwords.js';
import type { Services } from '../services.js';
import type { SignInMode } from '../store/users.js';
import { requireStage } from './guards.js';

const MODES: readonly SignInMode[] = ['password', 'passwordless'];

export function enrollmentRoutes(services: Services): Routes {
  const { users, invitations, sessions, credentials, recoveryCodes } = services;
  return {
    'POST /api/enroll/begin': (exchange) => {
      const mode = exchange.body.mode as SignInMode;
      if (!MODES.includes(mode)) throw new SsoError('BAD_REQUEST', 400, 'Choose "password" or "passwordless".');
      const userId = invitations.redeem(exchange.body.token);
      const user = userId === undefined ? undefined : users.byId(userId);
      if (user === undefined || user.enrolledAt !== undefined) {
        throw new SsoError('INVITATION_INVALID', 410, 'This enrollment link is unknown, already used or expired; ask for a new one.');
      }
      // Whatever an abandoned earlier enrollment left behind goes, its sessions too: the account starts clean.
      credentials.removeAllOf(user.id);
      recoveryCodes.removeAllOf(user.id);
      users.beginEnrollment(user.id, mode);
      sessions.endAllOf(user.id);
      exchange.startSession('enrolling', user.id);
      return { json: { next: mode === 'password' ? '/enroll/password' : '/enroll/passwordless' } };
    },

    'POST /api/enroll/password': async (exchange) => {
      const { user } = requireStage(services, exchange, 'enrolling');
      if (user.mode !== 'password') throw new SsoError('WRONG_STEP', 409, 'This account signs in without a password.');
      const password = checkNewPassword(stringField(exchange.body, 'password'));
      const hash = await hashPassword(password);
      // Checked again: while the password was hashed, the account may have been enrolled or the session ended.
      requireStage(services, exchange, 'enrolling');
      users.setPasswordHash(user.id, hash);
      return { json: { next: '/enroll/security-key' } };
    },
  };
}
