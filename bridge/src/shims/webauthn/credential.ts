/**
 * What create() and get() resolve with (WebAuthn L3 §5.1, §5.2): PublicKeyCredential and its two response types,
 * with the byte members as fresh ArrayBuffers, the getters relying-party libraries call, and toJSON(). Pages cannot
 * construct them ("Illegal constructor"), as in browsers.
 */
import { arrayBuffer, toBase64Url } from './base64url.js';
import { parseCreationOptionsFromJSON, parseRequestOptionsFromJSON } from './json-options.js';

const INTERNAL = Symbol('hkey.webauthn.internal');

function assertInternal(token: unknown): void {
  if (token !== INTERNAL) throw new TypeError('Illegal constructor');
}

export interface AttestationParts {
  readonly clientDataJSON: Uint8Array;
  readonly attestationObject: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly transports: readonly string[];
  readonly publicKey: Uint8Array | null;
  readonly publicKeyAlgorithm: number;
}

export interface AssertionParts {
  readonly clientDataJSON: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly signature: Uint8Array;
  readonly userHandle: Uint8Array | null;
}

export class ShimAuthenticatorAttestationResponse {
  readonly clientDataJSON: ArrayBuffer;
  readonly attestationObject: ArrayBuffer;
  readonly #parts: AttestationParts;

  constructor(token: symbol, parts: AttestationParts) {
    assertInternal(token);
    this.#parts = parts;
    this.clientDataJSON = arrayBuffer(parts.clientDataJSON);
    this.attestationObject = arrayBuffer(parts.attestationObject);
  }

  getTransports(): string[] {
    return [...this.#parts.transports];
  }

  getAuthenticatorData(): ArrayBuffer {
    return arrayBuffer(this.#parts.authenticatorData);
  }

  getPublicKey(): ArrayBuffer | null {
    return this.#parts.publicKey === null ? null : arrayBuffer(this.#parts.publicKey);
  }

  getPublicKeyAlgorithm(): number {
    return this.#parts.publicKeyAlgorithm;
  }

  /** AuthenticatorAttestationResponseJSON (§5.2.1). */
  toJSON(): Record<string, unknown> {
    const parts = this.#parts;
    return {
      clientDataJSON: toBase64Url(parts.clientDataJSON),
      authenticatorData: toBase64Url(parts.authenticatorData),
      transports: [...parts.transports],
      ...(parts.publicKey === null ? {} : { publicKey: toBase64Url(parts.publicKey) }),
      publicKeyAlgorithm: parts.publicKeyAlgorithm,
      attestationObject: toBase64Url(parts.attestationObject),
    };
  }

  get [Symbol.toStringTag](): string {
    return 'AuthenticatorAttestationResponse';
  }
}

export class ShimAuthenticatorAssertionResponse {
  readonly clientDataJSON: ArrayBuffer;
  readonly authenticatorData: ArrayBuffer;
  readonly signature: ArrayBuffer;
  readonly userHandle: ArrayBuffer | null;
  readonly #parts: AssertionParts;

  constructor(token: symbol, parts: AssertionParts) {
    assertInternal(token);
    this.#parts = parts;
    this.clientDataJSON = arrayBuffer(parts.clientDataJSON);
    this.authenticatorData = arrayBuffer(parts.authenticatorData);
    this.signature = arrayBuffer(parts.signature);
    this.userHandle = parts.userHandle === null ? null : arrayBuffer(parts.userHandle);
  }

  /** AuthenticatorAssertionResponseJSON (§5.2.2). */
  toJSON(): Record<string, unknown> {
    const parts = this.#parts;
    return {
      clientDataJSON: toBase64Url(parts.clientDataJSON),
      authenticatorData: toBase64Url(parts.authenticatorData),
      signature: toBase64Url(parts.signature),
      ...(parts.userHandle === null ? {} : { userHandle: toBase64Url(parts.userHandle) }),
    };
  }

  get [Symbol.toStringTag](): string {
    return 'AuthenticatorAssertionResponse';
  }
}

export type ClientExtensionResults = Readonly<Record<string, unknown>>;

/** What Chrome reports, with the values true of this shim: security keys only, no platform authenticator, no autofill. */
const CLIENT_CAPABILITIES: Readonly<Record<string, boolean>> = {
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
};

export class ShimPublicKeyCredential {
  readonly id: string;
  readonly rawId: ArrayBuffer;
  readonly type = 'public-key';
  readonly authenticatorAttachment = 'cross-platform';
  readonly #rawId: Uint8Array;
  readonly #extensions: ClientExtensionResults;

  constructor(
    token: symbol,
    rawId: Uint8Array,
    readonly response: ShimAuthenticatorAttestationResponse | ShimAuthenticatorAssertionResponse,
    extensions: ClientExtensionResults,
  ) {
    assertInternal(token);
    this.#rawId = rawId;
    this.#extensions = extensions;
    this.id = toBase64Url(rawId);
    this.rawId = arrayBuffer(rawId);
  }

  getClientExtensionResults(): Record<string, unknown> {
    return structuredClone(this.#extensions) as Record<string, unknown>;
  }

  /** RegistrationResponseJSON or AuthenticationResponseJSON (§5.1.8), what RP libraries take. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      rawId: toBase64Url(this.#rawId),
      response: this.response.toJSON(),
      authenticatorAttachment: this.authenticatorAttachment,
      clientExtensionResults: this.getClientExtensionResults(),
      type: this.type,
    };
  }

  get [Symbol.toStringTag](): string {
    return 'PublicKeyCredential';
  }

  /** No platform authenticator: the shim reaches security keys only. */
  static async isUserVerifyingPlatformAuthenticatorAvailable(): Promise<boolean> {
    return false;
  }

  /** No autofill UI: conditional get() waits until aborted, as Chrome does with no passkey to offer. */
  static async isConditionalMediationAvailable(): Promise<boolean> {
    return false;
  }

  static async getClientCapabilities(): Promise<Record<string, boolean>> {
    return { ...CLIENT_CAPABILITIES };
  }

  static parseCreationOptionsFromJSON(options: unknown): Record<string, unknown> {
    return parseCreationOptionsFromJSON(options);
  }

  static parseRequestOptionsFromJSON(options: unknown): Record<string, unknown> {
    return parseRequestOptionsFromJSON(options);
  }
}

export function attestationCredential(rawId: Uint8Array, parts: AttestationParts, extensions: ClientExtensionResults): ShimPublicKeyCredential {
  return new ShimPublicKeyCredential(INTERNAL, rawId, new ShimAuthenticatorAttestationResponse(INTERNAL, parts), extensions);
}

export function assertionCredential(rawId: Uint8Array, parts: AssertionParts, extensions: ClientExtensionResults): ShimPublicKeyCredential {
  return new ShimPublicKeyCredential(INTERNAL, rawId, new ShimAuthenticatorAssertionResponse(INTERNAL, parts), extensions);
}
