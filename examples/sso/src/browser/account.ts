/**
 * The account page: add another key, remove one, new recovery codes, sign out. A change the server refuses for
 * want of a fresh confirmation (REAUTH_REQUIRED) opens the confirmation panel and runs again once it is given.
 */
import { ApiError, post } from './api.js';
import { assertKey, registerKey } from './ceremony.js';
import { byId, onAction, optional } from './dom.js';
import { showRecoveryCodes } from './recovery-panel.js';
import { showError, showStatus } from './status.js';

/** What the page says after the reload that follows a change (?done=…). */
const DONE: Record<string, string> = {
  'key-added': 'Security key added.',
  'key-removed': 'Security key removed.',
  recovered: 'Signed in with a recovery code. If your key is lost, add a new one and make new recovery codes.',
};

/** The change waiting for a confirmation. */
let waiting: (() => Promise<void>) | undefined;

async function change(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'REAUTH_REQUIRED') {
      waiting = work;
      byId('reauth').hidden = false;
    }
    showError(error);
  }
}

async function confirm(proof: () => Promise<unknown>): Promise<void> {
  try {
    await proof();
  } catch (error) {
    return showError(error);
  }
  byId('reauth').hidden = true;
  const work = waiting;
  waiting = undefined;
  if (work === undefined) showStatus('Confirmed.', 'done');
  else await change(work);
}

export function account(): void {
  const done = DONE[new URLSearchParams(location.search).get('done') ?? ''];
  if (done !== undefined) showStatus(done, 'done');

  onAction(byId('add-key'), () =>
    change(async () => {
      await registerKey();
      location.replace('/account?done=key-added');
    }),
  );
  for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button.remove-key'))) {
    onAction(button, () =>
      change(async () => {
        await post('/api/keys/remove', { id: button.dataset.keyId });
        location.replace('/account?done=key-removed');
      }),
    );
  }
  onAction(byId('new-codes'), () =>
    change(async () => {
      const { recoveryCodes } = await post<{ recoveryCodes: string[] }>('/api/recovery-codes');
      showRecoveryCodes(recoveryCodes);
      byId('codes-left').textContent = String(recoveryCodes.length);
      showStatus('New recovery codes made; the old ones no longer work.', 'done');
    }),
  );
  onAction(byId('reauth-key'), () => confirm(() => assertKey('/api/reauth')));
  const passwordForm = optional<HTMLFormElement>('reauth-form');
  if (passwordForm !== undefined) {
    onAction(passwordForm, () => confirm(() => post('/api/reauth/password', { password: byId<HTMLInputElement>('reauth-password').value })));
  }
  onAction(byId('sign-out'), async () => {
    await post('/api/logout').catch(() => undefined);
    location.assign('/login');
  });
}
