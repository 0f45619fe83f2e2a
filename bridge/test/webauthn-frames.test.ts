/**
 * The shim in frames (WebAuthn L3 §5.8.1): a cross-origin iframe's clientDataJSON says crossOrigin: true and names
 * the top-level origin, and the ceremony runs only where the document's Permissions Policy allows
 * publickey-credentials-create / -get; same-origin frames and top-level pages are unchanged.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { ShimAuthenticatorAttestationResponse } from '../src/index.browser.js';
import { ORIGIN, RP_ID, challengeOf, creation, page, rejection } from './webauthn-rig.js';

const EMBEDDER = 'https://embedder.example';

/** Stubs what a page in a frame sees: a distinct window.top, its ancestors' origins and its Permissions Policy. */
function inFrame(ancestors: string[], allowed: string[]): void {
  vi.stubGlobal('self', globalThis);
  vi.stubGlobal('top', {});
  vi.stubGlobal('location', { origin: ORIGIN, ancestorOrigins: ancestors });
  vi.stubGlobal('document', { featurePolicy: { allowsFeature: (feature: string) => allowed.includes(feature) } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const clientDataOf = (credential: { response: unknown }): string =>
  new TextDecoder().decode((credential.response as ShimAuthenticatorAttestationResponse).clientDataJSON);

describe('navigator.credentials shim: frames', () => {
  test('a cross-origin iframe allowed by its policy: crossOrigin true and topOrigin in clientDataJSON, in that order', async () => {
    inFrame([EMBEDDER], ['publickey-credentials-create', 'publickey-credentials-get']);
    const { credentials } = await page();
    const created = await credentials.create({ publicKey: creation() });
    expect(clientDataOf(created)).toMatch(
      new RegExp(`^\\{"type":"webauthn\\.create","challenge":"[\\w-]+","origin":"${ORIGIN}","crossOrigin":true,"topOrigin":"${EMBEDDER}"\\}$`),
    );
    const asserted = await credentials.get({
      publicKey: { challenge: challengeOf('login'), rpId: RP_ID, allowCredentials: [{ type: 'public-key', id: created.rawId }] },
    });
    expect(JSON.parse(clientDataOf(asserted))).toEqual({
      type: 'webauthn.get',
      challenge: expect.any(String),
      origin: ORIGIN,
      crossOrigin: true,
      topOrigin: EMBEDDER,
    });
  });

  test('a cross-origin iframe its policy does not allow: NotAllowedError, and no key is asked', async () => {
    inFrame([EMBEDDER], []);
    const { credentials, keys } = await page();
    const since = keys[0]!.key.events.lastSeq;
    expect(await rejection(credentials.create({ publicKey: creation() }))).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining("The 'publickey-credentials-create' feature is not enabled in this document."),
    });
    expect(await rejection(credentials.get({ publicKey: { challenge: challengeOf('login'), rpId: RP_ID } }))).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining("'publickey-credentials-get'"),
    });
    expect(keys[0]!.key.events.since(since)).toEqual([]);
  });

  test('a same-origin frame is unchanged: crossOrigin false, no topOrigin, the policy is not asked', async () => {
    inFrame([ORIGIN, ORIGIN], []);
    const { credentials } = await page();
    const created = await credentials.create({ publicKey: creation() });
    expect(JSON.parse(clientDataOf(created))).toEqual({ type: 'webauthn.create', challenge: expect.any(String), origin: ORIGIN, crossOrigin: false });
  });
});
