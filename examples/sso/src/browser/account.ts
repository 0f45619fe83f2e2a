/** The account page: add another key, remove one, new recovery codes, sign out. */
import { post } from './api.js';
import { register } from './ceremony.js';
import { byId, onAction } from './dom.js';
import { showRecoveryCodes } from './recovery-panel.js';
import { showError, showStatus } from './status.js';

/** What the page says after the reload that follows a change (?done=…). */
const DONE: Record<string, string> = {
  'key-added': 'Security key added.',
  'key-removed': 'Security key removed.',
  recovered: 'Signed in with a recovery code. If your key is lost, add a new one and make new recovery codes.',
};

export function account(): void {
  const done = DONE[new URLSearchParams(location.search).get('done') ?? ''];
  if (done !== undefined) showStatus(done, 'done');

  onAction(byId('add-key'), async () => {
    if ((await register()) !== undefined) location.replace('/account?done=key-added');
  });
  for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button.remove-key'))) {
    onAction(button, async () => {
      try {
        await post('/api/keys/remove', { id: button.dataset.keyId });
        location.replace('/account?done=key-removed');
      } catch (error) {
        showError(error);
      }
    });
  }
  onAction(byId('new-codes'), async () => {
    try {
      const { recoveryCodes } = await post<{ recoveryCodes: string[] }>('/api/recovery-codes');
      showRecoveryCodes(recoveryCodes);
      byId('codes-left').textContent = String(recoveryCodes.length);
      showStatus('New recovery codes made; the old ones no longer work.', 'done');
    } catch (error) {
      showError(error);
    }
  });
  onAction(byId('sign-out'), async () => {
    await post('/api/logout').catch(() => undefined);
    location.assign('/login');
  });
}
