/**
 * The navigator.credentials shim in Node over an in-page source of virtual keys, and an independent relying party
 * (@simplewebauthn/server) to check what it returns.
 */
import { Button, type InProcessHidPort, type PresenceSource, VirtualKey, autoApprove, connectInProcess } from '@hkey/firmware-sim';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { expect } from 'vitest';
import { FidoClient, InPageDeviceSource, type PinPrompt, type ShimPublicKeyCredential, installWebAuthn, openVirtualTransport } from '../src/index.browser.js';

export const ORIGIN = 'https://login.example.com';
export const RP_ID = 'example.com';
export const PIN = '482916';

export interface PageKey {
  readonly key: VirtualKey;
  readonly button: Button;
  /** Pulls the key out: its open ports close and the source forgets it. */
  unplug(): void;
}

export interface Page {
  readonly credentials: ReturnType<typeof installWebAuthn>['credentials'];
  readonly PublicKeyCredential: ReturnType<typeof installWebAuthn>['PublicKeyCredential'];
  readonly target: { navigator?: { credentials?: unknown }; PublicKeyCredential?: unknown };
  readonly keys: PageKey[];
  readonly source: InPageDeviceSource;
  /** Every PinRequest the prompt was given. */
  readonly pinRequests: Parameters<PinPrompt>[0][];
  plug(presence?: 'auto' | 'button'): Promise<PageKey>;
  uninstall(): void;
}

export interface PageOptions {
  readonly keys?: number;
  readonly presence?: 'auto' | 'button';
  /** The PINs the user types, in order; undefined entries cancel. Default: cancel. */
  readonly pins?: readonly (string | undefined)[];
  readonly origin?: string;
  /** Answers the PIN prompt instead of `pins`. */
  readonly pin?: PinPrompt;
}

export async function page(options: PageOptions = {}): Promise<Page> {
  const source = new InPageDeviceSource();
  const keys: PageKey[] = [];
  const pinRequests: Parameters<PinPrompt>[0][] = [];
  const pins = [...(options.pins ?? [])];
  const target: Page['target'] = {};
  const installed = installWebAuthn(
    {
      source,
      origin: options.origin ?? ORIGIN,
      pin: async (request) => {
        pinRequests.push(request);
        return options.pin === undefined ? pins.shift() : options.pin(request);
      },
      // Short timeouts allowed, so the timeout tests take a moment instead of Chrome's 10-second minimum.
      timeouts: { minMs: 50 },
    },
    target,
  );
  const plug = async (presence: 'auto' | 'button' = options.presence ?? 'auto'): Promise<PageKey> => {
    const button = new Button();
    const source_: PresenceSource = presence === 'auto' ? autoApprove : button;
    const key = await VirtualKey.start({ presence: source_, identity: { serial: `HK-PAGE-00000${keys.length + 1}` }, fido: { transports: ['usb'] } });
    const ports: InProcessHidPort[] = [];
    const remove = source.add({
      id: `page-key-${keys.length + 1}`,
      connectHid: () => ports[ports.push(connectInProcess(key)) - 1] as InProcessHidPort,
    });
    const pageKey = {
      key,
      button,
      unplug: () => {
        for (const port of ports.splice(0)) port.close();
        remove();
      },
    };
    keys.push(pageKey);
    return pageKey;
  };
  for (let index = 0; index < (options.keys ?? 1); index++) await plug();
  return { ...installed, target, keys, source, pinRequests, plug };
}

/** Sets the FIDO PIN of a virtual key through the bridge's own client. */
export async function setFidoPin(key: VirtualKey, pin: string = PIN): Promise<void> {
  const transport = await openVirtualTransport(connectInProcess(key));
  try {
    await new FidoClient(transport).clientPin.setPin(pin);
  } finally {
    await transport.close();
  }
}

export const challengeOf = (label: string): Uint8Array => new TextEncoder().encode(`challenge: ${label}`.padEnd(32, '.'));
export const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
export const alice = { id: new TextEncoder().encode('user-alice'), name: 'alice@example.com', displayName: 'Alice' };

export function creation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rp: { id: RP_ID, name: 'Example' },
    user: alice,
    challenge: challengeOf('register'),
    pubKeyCredParams: [
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -257 },
    ],
    ...overrides,
  };
}

/** The name (and message) a promise rejects with, or 'resolved'. */
export async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; error: unknown }> {
  return promise.then(
    () => ({ name: 'resolved', message: '', error: undefined }),
    (error: Error) => ({ name: error.name, message: error.message, error }),
  );
}

/** Registers through the shim and has @simplewebauthn/server verify it; returns what the RP stores. */
export async function registered(
  credentials: Page['credentials'],
  overrides: Record<string, unknown> = {},
  requireUserVerification = false,
): Promise<{ credential: ShimPublicKeyCredential; id: string; publicKey: Uint8Array; counter: number }> {
  const challenge = challengeOf(`register ${Math.random()}`);
  const credential = await credentials.create({ publicKey: creation({ challenge, ...overrides }) });
  const verification = await verifyRegistrationResponse({
    response: credential.toJSON() as never,
    expectedChallenge: base64url(challenge),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
  });
  expect(verification.verified).toBe(true);
  const info = verification.registrationInfo;
  if (info === undefined) throw new Error('no registration info');
  return { credential, id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter };
}

/** Logs in through the shim and has @simplewebauthn/server verify the assertion. */
export async function loggedIn(
  credentials: Page['credentials'],
  stored: { id: string; publicKey: Uint8Array; counter: number },
  publicKey: Record<string, unknown> = {},
  requireUserVerification = false,
): Promise<ShimPublicKeyCredential> {
  const challenge = challengeOf(`login ${Math.random()}`);
  const credential = await credentials.get({ publicKey: { challenge, rpId: RP_ID, ...publicKey } });
  const verification = await verifyAuthenticationResponse({
    response: credential.toJSON() as never,
    expectedChallenge: base64url(challenge),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: { id: stored.id, publicKey: stored.publicKey as Uint8Array<ArrayBuffer>, counter: stored.counter },
    requireUserVerification,
  });
  expect(verification.verified).toBe(true);
  return credential;
}
