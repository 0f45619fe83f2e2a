/**
 * A page written against WebAuthn alone: Go registers a credential for this site and then signs in with it,
 * and prints whether both name the same credential and the flags the key set. ?uv= sets userVerification,
 * ?resident=1 asks for a discoverable credential; ?op=create only registers (keeping the id in localStorage),
 * ?op=get only signs in with the kept one.
 */
import { onGo, param } from './kit.js';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

function flags(authenticatorData: ArrayBuffer): string {
  const byte = new Uint8Array(authenticatorData)[32] ?? 0;
  return `${byte & FLAG_UP ? 'UP' : ''}${byte & FLAG_UV ? '+UV' : ''}`;
}

const userVerification = (param('uv') ?? 'discouraged') as UserVerificationRequirement;
const KEPT = 'webauthn-page:credential';

function register(): Promise<PublicKeyCredential> {
  return navigator.credentials.create({
    publicKey: {
      rp: { name: 'Fixture test' },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'ada@example.com', displayName: 'Ada' },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { residentKey: param('resident') === '1' ? 'required' : 'discouraged', userVerification },
    },
  }) as Promise<PublicKeyCredential>;
}

function signIn(credential: { id: string; rawId: ArrayBuffer }): Promise<PublicKeyCredential> {
  return navigator.credentials.get({
    publicKey: { challenge: crypto.getRandomValues(new Uint8Array(32)), allowCredentials: [{ type: 'public-key', id: credential.rawId }], userVerification },
  }) as Promise<PublicKeyCredential>;
}

onGo(async () => {
  const op = param('op') ?? 'both';
  if (op === 'create') {
    const created = await register();
    localStorage.setItem(KEPT, JSON.stringify({ id: created.id, rawId: [...new Uint8Array(created.rawId)] }));
    return 'registered';
  }
  const kept = JSON.parse(localStorage.getItem(KEPT) ?? 'null') as { id: string; rawId: number[] } | null;
  const created = op === 'get' && kept !== null ? { id: kept.id, rawId: Uint8Array.from(kept.rawId).buffer } : await register();
  const asserted = await signIn(created);
  const response = asserted.response as AuthenticatorAssertionResponse;
  return `${asserted.type} ${created.id === asserted.id ? 'same credential' : 'other credential'} ${flags(response.authenticatorData)}`;
});
