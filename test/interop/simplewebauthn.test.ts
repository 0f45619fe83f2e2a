/**
 * Interop with a Node relying-party library nobody here wrote: @simplewebauthn/server verifies registrations and
 * logins made by the bridge's FidoClient against a virtual key over UDP CTAPHID (issue 13 item 8). The test plays
 * the browser: it builds clientDataJSON (type, challenge, origin, crossOrigin) from the options the RP library
 * generated, hands the authenticator its hash, and gives the RP the JSON a browser would. The packed attestation
 * is checked up to the simulator's root, passed to the library as the only trusted root for "packed".
 */
import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  SettingsService,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { FidoClient, type HidTransport, UdpTransportKind } from '@hkey/bridge';
import { Simulator } from '@hkey/firmware-sim/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultAttestationIdentity } from '@hkey/firmware-sim';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const PIN = '862413';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;

/** What a browser does before calling the authenticator (WebAuthn Level 2 §5.8.1): clientDataJSON and its hash. */
function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string): { json: Uint8Array; hash: Uint8Array } {
  const json = new TextEncoder().encode(JSON.stringify({ type, challenge, origin: ORIGIN, crossOrigin: false }));
  return { json, hash: new Uint8Array(createHash('sha256').update(json).digest()) };
}

let simulator: Simulator;
let transport: HidTransport;
let fido: FidoClient;
const packedRoots = SettingsService.getRootCertificates({ identifier: 'packed' });

beforeAll(async () => {
  simulator = await Simulator.start({ devices: 1, udpPort: 0, blePort: null, presence: 'auto-approve' });
  const { udp } = simulator.devices[0]!;
  const address = `udp://${udp.host}:${udp.port}`;
  transport = await new UdpTransportKind({ addresses: [address] }).open(address);
  fido = new FidoClient(transport);
  // The simulator's root, and nothing else, is trusted for packed attestation: the chain must really lead to it.
  SettingsService.setRootCertificates({ identifier: 'packed', certificates: [pem(await defaultAttestationIdentity().root())] });
});

afterAll(async () => {
  SettingsService.setRootCertificates({ identifier: 'packed', certificates: packedRoots });
  await transport?.close();
  await simulator?.close();
});

interface Registered {
  readonly credentialId: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
}

async function register(options: { userName: string; passwordless: boolean }): Promise<Registered> {
  const creation = await generateRegistrationOptions({
    rpName: 'Example',
    rpID: RP_ID,
    userName: options.userName,
    attestationType: 'direct',
    authenticatorSelection: options.passwordless
      ? { residentKey: 'required', userVerification: 'required' }
      : { residentKey: 'discouraged', userVerification: 'discouraged' },
  });
  const data = clientData('webauthn.create', creation.challenge);
  const pinToken = options.passwordless ? await fido.clientPin.getPinToken(PIN, { permissions: ['makeCredential'], rpId: RP_ID }) : undefined;
  const made = await fido.makeCredential({
    clientDataHash: data.hash,
    rp: { id: creation.rp.id ?? RP_ID, name: creation.rp.name },
    user: { id: Buffer.from(creation.user.id, 'base64url'), name: creation.user.name, displayName: creation.user.displayName },
    algorithms: creation.pubKeyCredParams.map((param) => param.alg),
    residentKey: options.passwordless,
    pinToken,
  });
  const response: RegistrationResponseJSON = {
    id: b64url(made.credentialId),
    rawId: b64url(made.credentialId),
    type: 'public-key',
    response: { clientDataJSON: b64url(data.json), attestationObject: b64url(made.attestationObject), transports: ['usb'] },
    clientExtensionResults: {},
  };
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: creation.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: options.passwordless,
  });
  expect(verification.verified).toBe(true);
  const info = verification.registrationInfo!;
  expect(info.fmt).toBe('packed');
  expect(info.credentialType).toBe('public-key');
  expect(info.userVerified).toBe(options.passwordless);
  expect(info.aaguid).toBe('e179e72f-2de1-4a89-beea-150b82775442');
  return { credentialId: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter };
}

async function login(registered: Registered, options: { passwordless: boolean; tamper?: boolean }): Promise<boolean> {
  const request = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: options.passwordless ? 'required' : 'discouraged',
    allowCredentials: options.passwordless ? [] : [{ id: registered.credentialId }],
  });
  const data = clientData('webauthn.get', request.challenge);
  const pinToken = options.passwordless ? await fido.clientPin.getPinToken(PIN, { permissions: ['getAssertion'], rpId: RP_ID }) : undefined;
  const assertions = await fido.getAssertions({
    rpId: RP_ID,
    clientDataHash: data.hash,
    allowList: request.allowCredentials?.map((credential) => ({ id: Buffer.from(credential.id, 'base64url') })),
    pinToken,
  });
  // A browser shows the accounts and the user picks one: here, the one this test registered.
  const assertion = assertions.find((candidate) => b64url(candidate.credentialId) === registered.credentialId);
  expect(assertion).toBeDefined();
  const signature = new Uint8Array(assertion!.signature);
  if (options.tamper) signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;
  const response: AuthenticationResponseJSON = {
    id: registered.credentialId,
    rawId: registered.credentialId,
    type: 'public-key',
    response: {
      clientDataJSON: b64url(data.json),
      authenticatorData: b64url(assertion!.authData),
      signature: b64url(signature),
      userHandle: assertion!.user === undefined ? undefined : b64url(assertion!.user.id),
    },
    clientExtensionResults: {},
  };
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: request.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: { id: registered.credentialId, publicKey: registered.publicKey, counter: registered.counter },
    requireUserVerification: options.passwordless,
  }).catch(() => ({ verified: false, authenticationInfo: undefined }));
  if (verification.verified) {
    expect(verification.authenticationInfo?.userVerified).toBe(options.passwordless);
    expect(verification.authenticationInfo?.newCounter).toBeGreaterThan(registered.counter);
  }
  return verification.verified;
}

describe('@simplewebauthn/server verifies what the bridge FidoClient makes', () => {
  test('second factor: non-discoverable credential, UV discouraged; a tampered signature is rejected', async () => {
    const registered = await register({ userName: 'alice@example.com', passwordless: false });
    expect(await login(registered, { passwordless: false })).toBe(true);
    expect(await login(registered, { passwordless: false, tamper: true })).toBe(false);
  });

  test('passwordless: discoverable credential with the FIDO PIN, user verification required', async () => {
    await fido.clientPin.setPin(PIN);
    const registered = await register({ userName: 'bob@example.com', passwordless: true });
    expect(await login(registered, { passwordless: true })).toBe(true);
    expect(await login(registered, { passwordless: true, tamper: true })).toBe(false);
  });

  test('the attestation chain really leads to the trusted root: another root is refused', async () => {
    const apple = SettingsService.getRootCertificates({ identifier: 'apple' });
    SettingsService.setRootCertificates({ identifier: 'packed', certificates: apple });
    try {
      await expect(register({ userName: 'carol@example.com', passwordless: false })).rejects.toThrow(/Packed\|Full/);
    } finally {
      SettingsService.setRootCertificates({ identifier: 'packed', certificates: [pem(await defaultAttestationIdentity().root())] });
    }
  });
});
