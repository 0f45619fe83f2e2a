/**
 * A page written against WebAuthn alone: it registers a credential with navigator.credentials.create and signs in
 * with navigator.credentials.get, as a login page would, and prints both results as JSON (toJSON()) for the test to
 * verify. ?uv=required asks for user verification (the PIN), ?rk=required for a discoverable credential (the login
 * then names no credential).
 */
import { onGo, param } from './page-kit.js';

const challenge = (label: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(`${label}-${param('challenge') ?? 'challenge'}`.padEnd(32, '.'));

onGo(async () => {
  const userVerification = (param('uv') ?? 'discouraged') as UserVerificationRequirement;
  const residentKey = (param('rk') ?? 'discouraged') as ResidentKeyRequirement;
  const created = (await navigator.credentials.create({
    publicKey: {
      rp: { name: 'Example' },
      user: { id: new TextEncoder().encode('user-alice') as Uint8Array<ArrayBuffer>, name: 'alice@example.com', displayName: 'Alice' },
      challenge: challenge('register'),
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: { userVerification, residentKey },
      extensions: { credProps: true },
    },
  })) as PublicKeyCredential;
  const asserted = (await navigator.credentials.get({
    publicKey: {
      challenge: challenge('login'),
      userVerification,
      allowCredentials: residentKey === 'required' ? [] : [{ type: 'public-key', id: created.rawId }],
    },
  })) as PublicKeyCredential;
  return JSON.stringify({
    registration: created.toJSON(),
    authentication: asserted.toJSON(),
    instanceOfPublicKeyCredential: created instanceof PublicKeyCredential,
    uvpaa: await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(),
  });
});
