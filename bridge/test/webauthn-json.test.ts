/**
 * PublicKeyCredential's statics and JSON forms: options a relying-party library generates go through
 * parseCreationOptionsFromJSON / parseRequestOptionsFromJSON into the shim, and toJSON() goes back to it.
 */
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { describe, expect, test } from 'vitest';
import { ShimAuthenticatorAttestationResponse, ShimPublicKeyCredential } from '../src/index.browser.js';
import { ORIGIN, RP_ID, page, rejection } from './webauthn-rig.js';

describe('PublicKeyCredential statics', () => {
  test('no platform authenticator, no autofill, the capabilities of a security-key-only client', async () => {
    expect(await ShimPublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()).toBe(false);
    expect(await ShimPublicKeyCredential.isConditionalMediationAvailable()).toBe(false);
    expect(await ShimPublicKeyCredential.getClientCapabilities()).toEqual({
      conditionalCreate: false,
      conditionalGet: false,
      hybridTransport: false,
      passkeyPlatformAuthenticator: false,
      relatedOrigins: false,
      signalAllAcceptedCredentials: false,
      signalCurrentUserDetails: false,
      signalUnknownCredential: false,
      userVerifyingPlatformAuthenticator: false,
      'extension:credProps': true,
    });
  });

  test('pages cannot construct credentials or responses', () => {
    expect(() => new ShimPublicKeyCredential(Symbol('page'), new Uint8Array(1), undefined as never, {})).toThrow(new TypeError('Illegal constructor'));
    expect(() => new ShimAuthenticatorAttestationResponse(Symbol('page'), undefined as never)).toThrow(TypeError);
  });

  test('parse*FromJSON: base64url members become ArrayBuffers; a missing member is a TypeError, bad base64url an EncodingError', () => {
    const parsed = ShimPublicKeyCredential.parseCreationOptionsFromJSON({
      rp: { id: RP_ID, name: 'Example' },
      user: { id: 'dXNlcg', name: 'a', displayName: 'A' },
      challenge: 'AAEC',
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      excludeCredentials: [{ type: 'public-key', id: 'BAU' }],
    });
    expect(new Uint8Array(parsed.challenge as ArrayBuffer)).toEqual(Uint8Array.of(0, 1, 2));
    expect(new TextDecoder().decode((parsed.user as { id: ArrayBuffer }).id)).toBe('user');
    expect(new Uint8Array((parsed.excludeCredentials as { id: ArrayBuffer }[])[0]!.id)).toEqual(Uint8Array.of(4, 5));
    expect(() => ShimPublicKeyCredential.parseCreationOptionsFromJSON({ rp: { name: 'x' }, user: { id: 'AA', name: 'a', displayName: 'A' } })).toThrow(
      TypeError,
    );
    expect(() => ShimPublicKeyCredential.parseRequestOptionsFromJSON({ challenge: 'not base64url!' })).toThrow(
      expect.objectContaining({ name: 'EncodingError' }),
    );
    const request = ShimPublicKeyCredential.parseRequestOptionsFromJSON({ challenge: 'AAEC', allowCredentials: [{ type: 'public-key', id: 'BAU' }] });
    expect(new Uint8Array((request.allowCredentials as { id: ArrayBuffer }[])[0]!.id)).toEqual(Uint8Array.of(4, 5));
  });
});

describe('an RP library end to end through the JSON forms', () => {
  test('generateRegistrationOptions -> parse -> create -> toJSON -> verify; the same for authentication', async () => {
    const { credentials, PublicKeyCredential } = await page();
    const registrationOptions = await generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      userName: 'alice@example.com',
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    });
    const created = await credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(registrationOptions) });
    // A page posts JSON.stringify(credential): toJSON() gives the RegistrationResponseJSON (EdDSA: the library lists -8 first).
    const registration = await verifyRegistrationResponse({
      response: JSON.parse(JSON.stringify(created)),
      expectedChallenge: registrationOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    expect(registration.verified).toBe(true);
    expect(JSON.parse(JSON.stringify(created)).response).toMatchObject({ transports: ['usb'], publicKeyAlgorithm: -8, publicKey: expect.any(String) });
    const stored = registration.registrationInfo!.credential;

    const authenticationOptions = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: stored.id }], userVerification: 'discouraged' });
    const assertion = await credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(authenticationOptions) });
    const authentication = await verifyAuthenticationResponse({
      response: JSON.parse(JSON.stringify(assertion)),
      expectedChallenge: authenticationOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: stored,
      requireUserVerification: false,
    });
    expect(authentication.verified).toBe(true);
    expect(authentication.authenticationInfo.newCounter).toBeGreaterThan(stored.counter);
  });

  test('a tampered response fails the RP library (the check is real)', async () => {
    const { credentials, PublicKeyCredential } = await page();
    const options = await generateRegistrationOptions({ rpName: 'Example', rpID: RP_ID, userName: 'bob' });
    const created = await credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    const json = created.toJSON() as { response: { clientDataJSON: string } };
    const clientData = JSON.parse(Buffer.from(json.response.clientDataJSON, 'base64url').toString()) as Record<string, unknown>;
    json.response.clientDataJSON = Buffer.from(JSON.stringify({ ...clientData, origin: 'https://evil.example' })).toString('base64url');
    const result = await rejection(
      verifyRegistrationResponse({ response: json as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID }),
    );
    expect(result.message).toMatch(/origin/i);
  });
});
