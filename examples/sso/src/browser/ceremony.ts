/**
 * One security-key ceremony through @simplewebauthn/browser, unmodified: the server's options in, the browser's
 * answer back to the server. While it runs, a Cancel button aborts it (WebAuthnAbortService, an AbortSignal).
 */
import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  WebAuthnAbortService,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { post } from './api.js';
import { optional } from './dom.js';
import { showError, showStatus } from './status.js';

async function withCancel<T>(work: () => Promise<T>): Promise<T> {
  const cancel = optional<HTMLButtonElement>('cancel');
  const onCancel = (): void => WebAuthnAbortService.cancelCeremony();
  if (cancel !== undefined) {
    cancel.hidden = false;
    cancel.addEventListener('click', onCancel);
  }
  try {
    return await work();
  } finally {
    cancel?.removeEventListener('click', onCancel);
    if (cancel !== undefined) cancel.hidden = true;
  }
}

/** Registers a key and returns the server's answer; a failure is thrown. */
export async function registerKey<T>(): Promise<T> {
  const optionsJSON = await post<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
  showStatus('Touch your security key…', 'working');
  const response = await withCancel(() => startRegistration({ optionsJSON }));
  showStatus('Checking…', 'working');
  return post<T>('/api/keys/register/verify', { response });
}

/** Registers a key; resolves with the server's answer, or shows the error and resolves undefined. */
export async function register<T>(): Promise<T | undefined> {
  try {
    return await registerKey<T>();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

/** One assertion through `api` (its options, then its verify); returns the server's answer; a failure is thrown. */
export async function assertKey<T>(api: '/api/login/second-factor' | '/api/login/passwordless' | '/api/reauth'): Promise<T> {
  const optionsJSON = await post<PublicKeyCredentialRequestOptionsJSON>(`${api}/options`);
  showStatus('Touch your security key…', 'working');
  const response = await withCancel(() => startAuthentication({ optionsJSON }));
  showStatus('Checking…', 'working');
  return post<T>(`${api}/verify`, { response });
}

/** Signs in with a key through `api` (second-factor or passwordless); goes where the server says, or shows the error. */
export async function authenticate(api: '/api/login/second-factor' | '/api/login/passwordless'): Promise<void> {
  try {
    const { next } = await assertKey<{ next: string }>(api);
    location.assign(next);
  } catch (error) {
    showError(error);
  }
}
