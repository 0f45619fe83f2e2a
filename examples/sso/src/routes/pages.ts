/** The GET side: each page, shown only in the session stage it belongs to; any other state is sent where it belongs. */
import type { Exchange, Outcome, Routes } from '../http/exchange.js';
import type { Services } from '../services.js';
import type { SessionStage } from '../store/sessions.js';
import type { User } from '../store/users.js';
import { sessionAt } from './guards.js';
import { accountPage, enrollKeyPage, invitationPage, loginPage, recoveryLoginPage, secondFactorPage, setPasswordPage } from '../views/pages.js';

export function pageRoutes(services: Services): Routes {
  const { users, invitations, credentials, recoveryCodes } = services;

  /** The session's user when the session is at `stage`, else undefined. */
  const userAt = (exchange: Exchange, stage: SessionStage): User | undefined => sessionAt(services, exchange, stage)?.user;
  const toLogin: Outcome = { redirect: '/login' };

  return {
    'GET /': (exchange) => ({ redirect: userAt(exchange, 'signed-in') === undefined ? '/login' : '/account' }),

    'GET /enroll': (exchange) => {
      const userId = invitations.peek(exchange.url.searchParams.get('token'));
      const user = userId === undefined ? undefined : users.byId(userId);
      const usable = user !== undefined && user.enrolledAt === undefined;
      return { html: invitationPage(usable ? user.email : undefined), status: usable ? 200 : 410 };
    },

    'GET /enroll/password': (exchange) => {
      const user = userAt(exchange, 'enrolling');
      if (user?.mode !== 'password') return toLogin;
      return user.passwordHash === undefined ? { html: setPasswordPage(user.email) } : { redirect: '/enroll/security-key' };
    },

    'GET /enroll/security-key': (exchange) => {
      const user = userAt(exchange, 'enrolling');
      if (user?.mode !== 'password') return toLogin;
      return user.passwordHash === undefined ? { redirect: '/enroll/password' } : { html: enrollKeyPage(user.email, 'password') };
    },

    'GET /enroll/passwordless': (exchange) => {
      const user = userAt(exchange, 'enrolling');
      return user?.mode === 'passwordless' ? { html: enrollKeyPage(user.email, 'passwordless') } : toLogin;
    },

    'GET /login': (exchange) => (userAt(exchange, 'signed-in') === undefined ? { html: loginPage() } : { redirect: '/account' }),

    'GET /login/security-key': (exchange) => {
      const user = userAt(exchange, 'second-factor');
      return user === undefined ? toLogin : { html: secondFactorPage(user.email) };
    },

    'GET /login/recovery': (exchange) => ({ html: recoveryLoginPage(userAt(exchange, 'second-factor')?.email) }),

    'GET /account': (exchange) => {
      const signedIn = sessionAt(services, exchange, 'signed-in');
      const user = signedIn?.user;
      if (user?.mode === undefined) return toLogin;
      return {
        html: accountPage({
          email: user.email,
          mode: user.mode,
          keys: credentials.ofUser(user.id),
          recoveryCodesLeft: recoveryCodes.remaining(user.id),
          confirmWithPassword: signedIn?.session.proof?.method === 'recovery' && user.mode === 'password',
        }),
      };
    },

    'GET /app.js': () => ({ asset: 'script' }),
    'GET /app.css': () => ({ asset: 'style' }),
  };
}
