/**
 * Plays the browser's WebAuthn client with the bridge's FidoClient against a virtual key (as
 * test/interop/simplewebauthn.test.ts does): clientDataJSON from the RP's options, the authenticator call, and the
 * JSON @simplewebauthn/browser would hand back. No browser needed, so the RP is tested on its own.
 */
import { createHash } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { FidoClient, type HidTransport, openVirtualTransport } from '@hkey/bridge';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

export class FidoBrowser {
  private constructor(
    readonly key: VirtualKey,
    private readonly transport: HidTransport,
    readonly fido: FidoClient,
    readonly origin: string,
  ) {}

  /** A fresh virtual key (it approves every touch), with `pin` set as its FIDO PIN when given. */
  static async start(origin: string, pin?: string): Promise<FidoBrowser> {
    const key = await VirtualKey.start();
    const transport = await openVirtualTransport(connectInProcess(key));
    const browser = new FidoBrowser(key, transport, new FidoClient(transport), origin);
    if (pin !== undefined) await browser.fido.clientPin.setPin(pin);
    return browser;
  }

  /** The same key, used from a page on another origin (a phishing site, say). */
  at(origin: string): FidoBrowser {
    return new FidoBrowser(this.key, this.transport, this.fido, origin);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string): { json: Uint8Array; hash: Uint8Array } {
    const json = new TextEncoder().encode(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }));
    return { json, hash: new Uint8Array(createHash('sha256').update(json).digest()) };
  }

  /** navigator.credentials.create(); `pin` is what the user types when the RP requires verification. */
  async create(options: PublicKeyCredentialCreationOptionsJSON, pin?: string): Promise<RegistrationResponseJSON> {
    const data = this.clientData('webauthn.create', options.challenge);
    const rpId = options.rp.id as string;
    const verify = options.authenticatorSelection?.userVerification === 'required';
    const made = await this.fido.makeCredential({
      clientDataHash: data.hash,
      rp: { id: rpId, name: options.rp.name },
      user: { id: bytes(options.user.id), name: options.user.name, displayName: options.user.displayName },
      algorithms: options.pubKeyCredParams.map((param) => param.alg),
      excludeList: options.excludeCredentials?.map((credential) => ({ id: bytes(credential.id) })),
      residentKey: options.authenticatorSelection?.residentKey === 'required',
      pinToken: verify ? await this.fido.clientPin.getPinToken(pin ?? '', { permissions: ['makeCredential'], rpId }) : undefined,
    });
    return {
      id: b64url(made.credentialId),
      rawId: b64url(made.credentialId),
      type: 'public-key',
      response: { clientDataJSON: b64url(data.json), attestationObject: b64url(made.attestationObject), transports: ['usb'] },
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(); with several discoverable credentials, `pick` chooses (a browser asks the user). */
  async get(options: PublicKeyCredentialRequestOptionsJSON, pin?: string, pick = 0): Promise<AuthenticationResponseJSON> {
    const data = this.clientData('webauthn.get', options.challenge);
    const rpId = options.rpId as string;
    const verify = options.userVerification === 'required';
    const assertions = await this.fido.getAssertions({
      rpId,
      clientDataHash: data.hash,
      allowList: options.allowCredentials?.map((credential) => ({ id: bytes(credential.id) })),
      pinToken: verify ? await this.fido.clientPin.getPinToken(pin ?? '', { permissions: ['getAssertion'], rpId }) : undefined,
    });
    const assertion = assertions[pick];
    if (assertion === undefined) throw new Error('the key returned no assertion');
    const id = b64url(assertion.credentialId);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(data.json),
        authenticatorData: b64url(assertion.authData),
        signature: b64url(assertion.signature),
        userHandle: assertion.user === undefined ? undefined : b64url(assertion.user.id),
      },
      clientExtensionResults: {},
    };
  }
}
