/** An app on a free port with a clock the test moves, and the enrollment steps the tests share. */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { type SsoApp, startSsoApp } from '../src/app.js';
import type { SsoConfig } from '../src/config.js';
import { FidoBrowser } from './fido-browser.js';
import { HttpClient } from './http-client.js';

export const PIN = '482913';
export const PASSWORD = 'correct horse battery';

export interface Rig {
  readonly app: SsoApp;
  /** Moves the app's clock forward. */
  advance(ms: number): void;
  readonly internalErrors: string[];
  close(): Promise<void>;
}

export async function startRig(config: Partial<SsoConfig> = {}): Promise<Rig> {
  let offset = 0;
  const internalErrors: string[] = [];
  const app = await startSsoApp({ config: { port: 0, ...config }, now: () => Date.now() + offset, onInternalError: (text) => internalErrors.push(text) });
  return { app, internalErrors, advance: (ms) => void (offset += ms), close: () => app.close() };
}

export interface Enrolled {
  readonly email: string;
  readonly client: HttpClient;
  readonly browser: FidoBrowser;
  readonly credentialId: string;
  readonly recoveryCodes: string[];
}

/** Registers a key through the app's API with `browser`, as the enrollment and account pages do. */
export async function registerKey(client: HttpClient, browser: FidoBrowser, pin?: string): Promise<{ key: { id: string }; recoveryCodes?: string[] }> {
  const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
  return client.ok('/api/keys/register/verify', { response: await browser.create(options, pin) });
}

/** Follows an invitation to the end: password + key, or passwordless (the key gets PIN and a discoverable credential). */
export async function enroll(
  rig: Rig,
  mode: 'password' | 'passwordless',
  email = `${mode}-${Math.random().toString(36).slice(2)}@example.com`,
): Promise<Enrolled> {
  const client = new HttpClient(rig.app);
  const token = new URL(rig.app.invite(email)).searchParams.get('token');
  await client.ok('/api/enroll/begin', { token, mode });
  if (mode === 'password') await client.ok('/api/enroll/password', { password: PASSWORD });
  const browser = await FidoBrowser.start(rig.app.origin, mode === 'passwordless' ? PIN : undefined);
  const done = await registerKey(client, browser, PIN);
  return { email, client, browser, credentialId: done.key.id, recoveryCodes: done.recoveryCodes ?? [] };
}

/** Password then key, in a new browser session; returns the client, signed in. */
export async function loginWithPassword(rig: Rig, enrolled: Enrolled, browser = enrolled.browser): Promise<HttpClient> {
  const client = new HttpClient(rig.app);
  await client.ok('/api/login/password', { email: enrolled.email, password: PASSWORD });
  const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
  await client.ok('/api/login/second-factor/verify', { response: await browser.get(options) });
  return client;
}

/** Usernameless: the key's discoverable credential and its PIN. */
export async function loginPasswordless(rig: Rig, browser: FidoBrowser, pick = 0): Promise<HttpClient> {
  const client = new HttpClient(rig.app);
  const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/passwordless/options');
  await client.ok('/api/login/passwordless/verify', { response: await browser.get(options, PIN, pick) });
  return client;
}
