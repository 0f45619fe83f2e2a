/** The sign-in pages: password then key, passwordless, and a recovery code in place of the key. */
import { post } from './api.js';
import { authenticate } from './ceremony.js';
import { byId, onAction, optional } from './dom.js';
import { showError } from './status.js';

export function login(): void {
  onAction(byId('login-form'), async () => {
    try {
      const { next } = await post<{ next: string }>('/api/login/password', {
        email: byId<HTMLInputElement>('email').value,
        password: byId<HTMLInputElement>('password').value,
      });
      location.assign(next);
    } catch (error) {
      showError(error);
    }
  });
  onAction(byId('passwordless'), () => authenticate('/api/login/passwordless'));
}

export function secondFactor(): void {
  onAction(byId('use-key'), () => authenticate('/api/login/second-factor'));
}

export function recoveryLogin(): void {
  onAction(byId('recovery-form'), async () => {
    try {
      const email = optional<HTMLInputElement>('email')?.value;
      const { next } = await post<{ next: string }>('/api/login/recovery', {
        code: byId<HTMLInputElement>('code').value,
        ...(email === undefined ? {} : { email }),
      });
      location.assign(`${next}?done=recovered`);
    } catch (error) {
      showError(error);
    }
  });
}
