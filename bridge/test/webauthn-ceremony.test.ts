/**
 * navigator.credentials.create/get through the shim on virtual keys, checked by an independent relying party
 * (@simplewebauthn/server): second factor, passwordless with the PIN, the W3C result shapes and their JSON.
 */
import { createPublicKey } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decodeCtap } from '@hkey/protocol';
import type { ShimAuthenticatorAssertionResponse, ShimAuthenticatorAttestationResponse } from '../src/index.browser.js';
import { ORIGIN, PIN, RP_ID, alice, challengeOf, creation, loggedIn, page, registered, setFidoPin } from './webauthn-rig.js';

describe('navigator.credentials shim: ceremonies', () => {
  test('installs navigator.credentials and PublicKeyCredential on the target', async () => {
    const { target, credentials, PublicKeyCredential, uninstall } = await page();
    expect(target.navigator?.credentials).toBe(credentials);
    expect(target.PublicKeyCredential).toBe(PublicKeyCredential);
    expect(Object.prototype.toString.call(credentials)).toBe('[object CredentialsContainer]');
    uninstall();
    expect(target.navigator).toBeUndefined();
    expect(target.PublicKeyCredential).toBeUndefined();
  });

  test('second factor: create then get with allowCredentials; the RP library verifies both', async () => {
    const { credentials } = await page();
    const stored = await registered(credentials);
    const { credential } = stored;
    expect(credential.type).toBe('public-key');
    expect(credential.authenticatorAttachment).toBe('cross-platform');
    expect(Object.prototype.toString.call(credential)).toBe('[object PublicKeyCredential]');
    expect(credential.id).toBe(Buffer.from(credential.rawId).toString('base64url'));
    const response = credential.response as ShimAuthenticatorAttestationResponse;
    expect(JSON.parse(new TextDecoder().decode(response.clientDataJSON))).toEqual({
      type: 'webauthn.create',
      challenge: expect.any(String),
      origin: ORIGIN,
      crossOrigin: false,
    });
    expect(new TextDecoder().decode(response.clientDataJSON)).toMatch(
      /^\{"type":"webauthn\.create","challenge":"[\w-]+","origin":"[^"]+","crossOrigin":false\}$/,
    );
    expect(response.getTransports()).toEqual(['usb']);
    expect(response.getPublicKeyAlgorithm()).toBe(-7);
    const spki = response.getPublicKey();
    expect(spki).toBeInstanceOf(ArrayBuffer);
    expect(createPublicKey({ key: Buffer.from(spki as ArrayBuffer), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
    expect(new Uint8Array(response.getAuthenticatorData()).length).toBeGreaterThan(37);
    expect(credential.getClientExtensionResults()).toEqual({});

    const assertion = await loggedIn(credentials, stored, { allowCredentials: [{ type: 'public-key', id: credential.rawId }] });
    expect(assertion.id).toBe(credential.id);
    const assertionResponse = assertion.response as ShimAuthenticatorAssertionResponse;
    expect(assertionResponse.userHandle).toBeNull();
    expect(JSON.parse(new TextDecoder().decode(assertionResponse.clientDataJSON)).type).toBe('webauthn.get');
  });

  test('passwordless: a discoverable credential with the PIN (UV), then get without an allow list returns the user handle', async () => {
    const { credentials, keys, pinRequests } = await page({ pins: [PIN, PIN] });
    await setFidoPin(keys[0]!.key);
    const stored = await registered(
      credentials,
      { authenticatorSelection: { residentKey: 'required', userVerification: 'required' }, extensions: { credProps: true } },
      true,
    );
    expect(stored.credential.getClientExtensionResults()).toEqual({ credProps: { rk: true } });
    expect(pinRequests).toEqual([{ rpId: RP_ID, retries: 8, reason: 'verify', retry: false }]);
    const assertion = await loggedIn(credentials, stored, { userVerification: 'required' }, true);
    const response = assertion.response as ShimAuthenticatorAssertionResponse;
    expect(new Uint8Array(response.userHandle as ArrayBuffer)).toEqual(alice.id);
    expect(assertion.toJSON()).toMatchObject({
      id: stored.credential.id,
      rawId: stored.credential.id,
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
      response: { userHandle: Buffer.from(alice.id).toString('base64url') },
    });
  });

  test('userVerification preferred uses the PIN when the key has one; discouraged never asks', async () => {
    const { credentials, keys, pinRequests } = await page({ pins: [PIN] });
    await setFidoPin(keys[0]!.key);
    await registered(credentials, { authenticatorSelection: { userVerification: 'preferred' } }, true);
    expect(pinRequests).toHaveLength(1);
    await registered(credentials, { authenticatorSelection: { userVerification: 'discouraged' } });
    expect(pinRequests).toHaveLength(1);
  });

  test('attestation: none (default) strips the statement; direct passes the packed statement through', async () => {
    const { credentials } = await page();
    const none = await credentials.create({ publicKey: creation() });
    const decoded = (bytes: ArrayBuffer): Map<string, unknown> => decodeCtap(new Uint8Array(bytes)) as Map<string, unknown>;
    expect(decoded((none.response as { attestationObject: ArrayBuffer }).attestationObject).get('fmt')).toBe('none');
    const direct = await credentials.create({ publicKey: creation({ attestation: 'direct', challenge: challengeOf('d') }) });
    expect(decoded((direct.response as { attestationObject: ArrayBuffer }).attestationObject).get('fmt')).toBe('packed');
  });

  test('EdDSA when the page prefers it: the SPKI is Ed25519', async () => {
    const { credentials } = await page();
    const stored = await registered(credentials, { pubKeyCredParams: [{ type: 'public-key', alg: -8 }] });
    const response = stored.credential.response as ShimAuthenticatorAttestationResponse;
    expect(response.getPublicKeyAlgorithm()).toBe(-8);
    expect(createPublicKey({ key: Buffer.from(response.getPublicKey() as ArrayBuffer), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ed25519');
    await loggedIn(credentials, stored, { allowCredentials: [{ type: 'public-key', id: stored.credential.rawId }] });
  });
});
