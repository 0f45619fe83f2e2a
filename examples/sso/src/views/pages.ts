/** Every page of the app, as HTML; the behaviour (buttons, WebAuthn calls) is in src/browser/. */
import type { StoredCredential } from '../store/credentials.js';
import { RECOVERY_CODE_COUNT } from '../security/recovery-code-format.js';
import { MIN_PASSWORD_LENGTH } from '../security/passwords.js';
import { html, layout } from './html.js';

const when = (time: number | undefined): string => (time === undefined ? 'never' : new Date(time).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');

/** Where the codes appear once they are made; the script fills the list. */
const recoveryPanel = html`<section id="recovery" hidden>
  <h2>Your recovery codes</h2>
  <p>Each code signs you in once if you lose your security key. Write them down or print them now: they are not shown again.</p>
  <ol id="recovery-codes" class="codes"></ol>
  <a id="continue" class="button" href="/account">I have saved them: continue</a>
</section>`;

const cancel = html`<button id="cancel" type="button" class="secondary" hidden>Cancel</button>`;

export function invitationPage(email: string | undefined): string {
  if (email === undefined) {
    return layout(
      'Enrollment link not valid',
      'invitation-invalid',
      html`<p class="notice">This enrollment link is unknown, already used or expired. Ask your administrator for a new one.</p>
        <p><a href="/login">Go to sign-in</a></p>`,
    );
  }
  return layout(
    'Set up your sign-in',
    'invitation',
    html`<p>Welcome, <strong id="email">${email}</strong>. Choose how you will sign in to your organisation’s apps.</p>
      <div class="choices">
        <button id="choose-password" type="button" class="choice">
          <strong>Password and security key</strong><span>A password, then a touch of your security key.</span>
        </button>
        <button id="choose-passwordless" type="button" class="choice">
          <strong>Passwordless</strong><span>Your security key and its PIN, no password.</span>
        </button>
      </div>
      <p class="hint">This link works once.</p>`,
  );
}

export function setPasswordPage(email: string): string {
  return layout(
    'Set a password',
    'set-password',
    html`<p>Step 1 of 2 for <strong>${email}</strong>.</p>
      <form id="password-form">
        <input type="text" name="username" autocomplete="username" value="${email}" hidden />
        <label>New password <input id="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required /></label>
        <label>Repeat it <input id="password-again" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required /></label>
        <p class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</p>
        <button id="set-password" type="submit">Set password</button>
      </form>`,
  );
}

export function enrollKeyPage(email: string, mode: 'password' | 'passwordless'): string {
  const intro =
    mode === 'password'
      ? html`<p>Step 2 of 2 for <strong>${email}</strong>: insert your security key, press the button below, then touch the key.</p>`
      : html`<p>
          Passwordless sign-in for <strong>${email}</strong>: insert your security key, press the button below, enter the key’s PIN when asked, then touch the
          key.
        </p>`;
  return layout(
    mode === 'password' ? 'Use a security key' : 'Passwordless with a security key',
    'enroll-key',
    html`${intro}
      <div class="actions">
        <button id="register-key" type="button">${mode === 'password' ? 'Use security key' : 'Use security key with PIN'}</button>${cancel}
      </div>
      ${recoveryPanel}`,
  );
}

export function loginPage(): string {
  return layout(
    'Sign in',
    'login',
    html`<form id="login-form">
        <label>E-mail <input id="email" type="email" autocomplete="username" required /></label>
        <label>Password <input id="password" type="password" autocomplete="current-password" required /></label>
        <button id="sign-in" type="submit">Sign in</button>
      </form>
      <div class="or"><span>or</span></div>
      <div class="actions"><button id="passwordless" type="button" class="secondary">Sign in with a security key (passwordless)</button>${cancel}</div>
      <p class="hint"><a id="recovery-link" href="/login/recovery">Lost your security key? Use a recovery code</a></p>`,
  );
}

export function secondFactorPage(email: string): string {
  return layout(
    'Use your security key',
    'second-factor',
    html`<p>Password accepted for <strong>${email}</strong>. Insert your security key, press the button below, then touch the key.</p>
      <div class="actions"><button id="use-key" type="button">Use security key</button>${cancel}</div>
      <p class="hint"><a id="recovery-link" href="/login/recovery">Use a recovery code instead</a></p>`,
  );
}

export function recoveryLoginPage(knownEmail: string | undefined): string {
  const emailField =
    knownEmail === undefined
      ? html`<label>E-mail <input id="email" type="email" autocomplete="username" required /></label>`
      : html`<p>Signing in <strong>${knownEmail}</strong> with one of your recovery codes.</p>`;
  return layout(
    'Use a recovery code',
    'recovery-login',
    html`<form id="recovery-form">
        ${emailField}
        <label>Recovery code <input id="code" type="text" autocomplete="one-time-code" spellcheck="false" maxlength="12" required /></label>
        <p class="hint">Each code works once. ${knownEmail === undefined ? 'For an account with a password, sign in with it first.' : ''}</p>
        <button id="use-code" type="submit">Sign in</button>
      </form>
      <p class="hint"><a href="/login">Back to sign-in</a></p>`,
  );
}

export interface AccountView {
  readonly email: string;
  readonly mode: 'password' | 'passwordless';
  readonly keys: readonly StoredCredential[];
  readonly recoveryCodesLeft: number;
  /** Signed in with a recovery code on a password account: the password may confirm changes, as well as a key. */
  readonly confirmWithPassword: boolean;
}

/** Shown when a change needs a fresh confirmation; the script runs the change again once it is given. */
function confirmPanel(view: AccountView) {
  const passwordForm = view.confirmWithPassword
    ? html`<form id="reauth-form">
        <input type="text" name="username" autocomplete="username" value="${view.email}" hidden />
        <label>Password <input id="reauth-password" type="password" autocomplete="current-password" required /></label>
        <button id="reauth-password-submit" type="submit" class="secondary">Confirm with password</button>
      </form>`
    : html``;
  return html`<section id="reauth" hidden>
    <h2>Confirm it is you</h2>
    <p>Changing your keys or recovery codes needs a confirmation from the last five minutes.</p>
    <div class="actions"><button id="reauth-key" type="button">Confirm with security key</button></div>
    ${passwordForm}
  </section>`;
}

export function accountPage(view: AccountView): string {
  const rows = view.keys.map(
    (key) =>
      html`<tr data-key-id="${key.id}">
        <td class="name">${key.name}</td>
        <td>${key.discoverable ? 'passwordless (PIN)' : 'second factor'}</td>
        <td>${when(key.createdAt)}</td>
        <td>${when(key.lastUsedAt)}</td>
        <td><button type="button" class="remove-key secondary" data-key-id="${key.id}">Remove</button></td>
      </tr>`,
  );
  return layout(
    'Your account',
    'account',
    html`<p>Signed in as <strong id="email">${view.email}</strong> (${view.mode === 'password' ? 'password and security key' : 'passwordless'}).</p>
      <h2>Security keys</h2>
      <table id="keys">
        <thead>
          <tr>
            <th>Key</th>
            <th>Kind</th>
            <th>Added</th>
            <th>Last used</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <div class="actions"><button id="add-key" type="button">Add another key</button>${cancel}</div>
      ${confirmPanel(view)}
      <h2>Recovery codes</h2>
      <p><span id="codes-left">${view.recoveryCodesLeft}</span> of ${RECOVERY_CODE_COUNT} recovery codes left.</p>
      <button id="new-codes" type="button" class="secondary">Make new recovery codes</button>
      ${recoveryPanel}
      <p><button id="sign-out" type="button" class="secondary">Sign out</button></p>`,
  );
}
