/**
 * The two WebAuthn ceremonies through @simplewebauthn/server, with this RP's policy: no attestation asked for (a
 * login needs none), ES256 or EdDSA, second-factor keys without user verification, passwordless keys discoverable
 * and verified by the key's PIN. Every verification pins the configured origin and rpID.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { SsoError } from '../errors.js';
import type { StoredCredential } from '../store/credentials.js';
import type { SignInMode, User } from '../store/users.js';

export interface RelyingParty {
  readonly name: string;
  readonly rpID: string;
  readonly origin: string;
  readonly timeoutMs: number;
}

const ALGORITHMS = [-7, -8];

const descriptor = (credential: StoredCredential) => ({ id: credential.id, transports: credential.transports as AuthenticatorTransportFuture[] });

export function registrationOptions(rp: RelyingParty, user: User, mode: SignInMode, existing: readonly StoredCredential[]) {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.rpID,
    userName: user.email,
    userDisplayName: user.email,
    userID: new Uint8Array(Buffer.from(user.webauthnUserId, 'base64url')),
    timeout: rp.timeoutMs,
    attestationType: 'none',
    excludeCredentials: existing.map(descriptor),
    authenticatorSelection:
      mode === 'passwordless'
        ? { authenticatorAttachment: 'cross-platform', residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
        : { authenticatorAttachment: 'cross-platform', residentKey: 'discouraged', userVerification: 'discouraged' },
    supportedAlgorithmIDs: ALGORITHMS,
  }) satisfies Promise<PublicKeyCredentialCreationOptionsJSON>;
}

export interface NewCredential {
  readonly id: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: string[];
}

/** Checks a registration against the challenge the RP issued; SsoError REGISTRATION_FAILED when anything is off. */
export async function verifyRegistration(rp: RelyingParty, response: unknown, challenge: string, mode: SignInMode): Promise<NewCredential> {
  const verification = await verifyRegistrationResponse({
    response: response as RegistrationResponseJSON,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: mode === 'passwordless',
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch(() => ({ verified: false as const, registrationInfo: undefined }));
  if (!verification.verified) throw new SsoError('REGISTRATION_FAILED', 400, 'The security key’s answer did not check out; try again.');
  const { credential } = verification.registrationInfo;
  return { id: credential.id, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports ?? [] };
}

/**
 * Options for a login: naming the user's keys (second factor, or confirming a passwordless account with its PIN)
 * or none, for a discoverable credential (passwordless).
 */
export function authenticationOptions(rp: RelyingParty, allow: readonly StoredCredential[] | 'discoverable', verifyUser = allow === 'discoverable') {
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    timeout: rp.timeoutMs,
    allowCredentials: allow === 'discoverable' ? [] : allow.map(descriptor),
    userVerification: verifyUser ? 'required' : 'discouraged',
  }) satisfies Promise<PublicKeyCredentialRequestOptionsJSON>;
}

/** Checks a login against the challenge and the stored key; returns the new signature counter. */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  credential: StoredCredential,
  requireUserVerification: boolean,
): Promise<number> {
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    credential: { id: credential.id, publicKey: credential.publicKey, counter: credential.counter },
    requireUserVerification,
  }).catch(() => ({ verified: false as const, authenticationInfo: undefined }));
  if (!verification.verified) throw new SsoError('LOGIN_FAILED', 401, 'The security key’s answer did not check out; try again.');
  return verification.authenticationInfo.newCounter;
}

/** The credential id and user handle of a login response, before anything else is trusted. */
export function readAuthenticationResponse(body: unknown): { response: AuthenticationResponseJSON; id: string; userHandle: string | undefined } {
  const response = (body as { response?: unknown } | null)?.response as AuthenticationResponseJSON | undefined;
  const id = response?.id;
  if (typeof id !== 'string' || id.length === 0 || typeof response?.response !== 'object' || response.response === null) {
    throw new SsoError('BAD_REQUEST', 400, 'The request carries no security-key answer.');
  }
  const userHandle = response.response.userHandle;
  return { response, id, userHandle: typeof userHandle === 'string' ? userHandle : undefined };
}
