/** The page script: attaches each page's behaviour, chosen by <body data-page>. */
import { browserSupportsWebAuthn } from '@simplewebauthn/browser';
import { account } from './account.js';
import { enrollKey, invitation, setPassword } from './enrollment.js';
import { login, recoveryLogin, secondFactor } from './login.js';
import { showError } from './status.js';

const PAGES: Record<string, () => void> = {
  invitation,
  'set-password': setPassword,
  'enroll-key': enrollKey,
  login,
  'second-factor': secondFactor,
  'recovery-login': recoveryLogin,
  account,
};

PAGES[document.body.dataset.page ?? '']?.();
if (!browserSupportsWebAuthn()) showError(new Error('This browser offers no WebAuthn (navigator.credentials); security keys cannot be used here.'));
