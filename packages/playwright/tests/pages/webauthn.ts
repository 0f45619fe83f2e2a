/**
 * A page written against WebAuthn alone: Go registers a credential for this site and then signs in with it,
 * and prints both credential ids and the flags the key set. ?uv= sets userVerification, ?resident=1 asks for a
 * discoverable credential.
 */
import { onGo, param } from './kit.js';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

function flags(authenticatorData: ArrayBuffer): string {
  const byte = new Uint8Array(authenticatorData)[32] ?? 0;
  return `${byte & FLAG_UP ? 'UP' : ''}${byte & FLAG_UV ? '+UV' : ''}`;
}

onGo(async () => {
  const userVerification = (param('uv') ?? 'discouraged') as UserVerificationRequirement;
  const created = (await navigator.credentials.create({
    publicKey: {
      rp: { name: 'Fixture test' },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'ada@example.com', displayName: 'Ada' },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { residentKey: param('resident') === '1' ? 'required' : 'discouraged', userVerification },
    },
  })) as PublicKeyCredential;
  const asserted = (await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      allowCredentials: [{ type: 'public-key', id: created.rawId }],
      userVerification,
    },
  })) as PublicKeyCredential;
  const response = asserted.response as AuthenticatorAssertionResponse;
  return `${created.type} ${created.id === asserted.id ? 'same credential' : 'other credential'} ${flags(response.authenticatorData)}`;
});
