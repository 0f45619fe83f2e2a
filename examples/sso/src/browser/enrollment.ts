/** The enrollment pages: the invitation's choice, the password, and the first key (which brings the recovery codes). */
import { post } from './api.js';
import { register } from './ceremony.js';
import { byId, onAction } from './dom.js';
import { showRecoveryCodes } from './recovery-panel.js';
import { showError, showStatus } from './status.js';

export function invitation(): void {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  for (const mode of ['password', 'passwordless'] as const) {
    onAction(byId(`choose-${mode}`), async () => {
      try {
        const { next } = await post<{ next: string }>('/api/enroll/begin', { token, mode });
        location.replace(next);
      } catch (error) {
        showError(error);
      }
    });
  }
}

export function setPassword(): void {
  onAction(byId('password-form'), async () => {
    const password = byId<HTMLInputElement>('password').value;
    if (password !== byId<HTMLInputElement>('password-again').value) return showError(new Error('The two passwords differ.'));
    try {
      const { next } = await post<{ next: string }>('/api/enroll/password', { password });
      location.assign(next);
    } catch (error) {
      showError(error);
    }
  });
}

export function enrollKey(): void {
  const button = byId<HTMLButtonElement>('register-key');
  onAction(button, async () => {
    const done = await register<{ recoveryCodes: string[] }>();
    if (done === undefined) return;
    button.hidden = true;
    showStatus('Your security key is registered.', 'done');
    showRecoveryCodes(done.recoveryCodes);
  });
}
