/** The navigator.credentials shim: a WebAuthn client running CTAP2 on the source's keys. */
export { installWebAuthn, type InstalledWebAuthn } from './install.js';
export { ShimCredentialsContainer } from './credentials-container.js';
export { ShimAuthenticatorAssertionResponse, ShimAuthenticatorAttestationResponse, ShimPublicKeyCredential } from './credential.js';
export type { CeremonyTimeouts, PinPrompt, PinRequest, WebAuthnShimOptions } from './types.js';
