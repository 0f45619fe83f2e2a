/** The public types of the navigator.credentials shim: its options, the PIN prompt hook, and the W3C option shapes. */
import type { DeviceSource } from '../device-source.js';

export interface PinRequest {
  readonly rpId: string;
  /** PIN retries the key reports (CTAP getPinRetries), before this attempt. */
  readonly retries: number;
  /** 'verify': the key has a PIN and the ceremony needs user verification. */
  readonly reason: 'verify';
  /** True after a wrong PIN on this ceremony (ask again). */
  readonly retry: boolean;
}

/** undefined = the user cancelled -> NotAllowedError. */
export type PinPrompt = (request: PinRequest) => Promise<string | undefined>;

/** How long a ceremony may last; defaults as Chrome: 300 s when the page gives no timeout, clamped to 10 s…600 s. */
export interface CeremonyTimeouts {
  readonly defaultMs?: number;
  readonly minMs?: number;
  readonly maxMs?: number;
}

export interface WebAuthnShimOptions {
  /** The same DeviceSource as the hid/bluetooth shims (bridge or in-page). */
  readonly source: DeviceSource;
  /** Default: window.prompt() where it exists, else cancel. */
  readonly pin?: PinPrompt;
  /** Default globalThis.location.origin (tests in Node pass it). */
  readonly origin?: string;
  /** Default false (Chrome does not require it for WebAuthn outside cross-origin iframes). */
  readonly requireUserActivation?: boolean;
  /** Tests shorten the timeout clamp; pages never see the difference otherwise. */
  readonly timeouts?: CeremonyTimeouts;
}

export type UserVerification = 'required' | 'preferred' | 'discouraged';
export type ResidentKey = 'required' | 'preferred' | 'discouraged';

export interface CredentialDescriptor {
  readonly type: string;
  readonly id: Uint8Array;
  readonly transports?: readonly string[];
}

/** PublicKeyCredentialCreationOptions after WebIDL conversion (bytes copied, defaults applied). */
export interface CreationOptions {
  readonly rp: { readonly id?: string; readonly name: string };
  readonly user: { readonly id: Uint8Array; readonly name: string; readonly displayName: string };
  readonly challenge: Uint8Array;
  readonly pubKeyCredParams: readonly { readonly type: string; readonly alg: number }[];
  readonly timeout?: number;
  readonly excludeCredentials: readonly CredentialDescriptor[];
  readonly residentKey: ResidentKey;
  readonly userVerification: UserVerification;
  readonly attestation: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** PublicKeyCredentialRequestOptions after WebIDL conversion. */
export interface RequestOptions {
  readonly challenge: Uint8Array;
  readonly timeout?: number;
  readonly rpId?: string;
  readonly allowCredentials: readonly CredentialDescriptor[];
  readonly userVerification: UserVerification;
  readonly extensions: Readonly<Record<string, unknown>>;
}
