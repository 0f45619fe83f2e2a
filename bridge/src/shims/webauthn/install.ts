/**
 * installWebAuthn: navigator.credentials and PublicKeyCredential replaced by the shim, so that unmodified pages
 * and libraries such as @simplewebauthn/browser run their ceremonies on the source's keys.
 */
import { installOnNavigator } from '../dom.js';
import { ShimPublicKeyCredential } from './credential.js';
import { ShimCredentialsContainer } from './credentials-container.js';
import type { WebAuthnShimOptions } from './types.js';

export interface InstalledWebAuthn {
  readonly credentials: ShimCredentialsContainer;
  readonly PublicKeyCredential: typeof ShimPublicKeyCredential;
  /** Puts back what was there before. */
  uninstall(): void;
}

export function installWebAuthn(options: WebAuthnShimOptions, target: object = globalThis): InstalledWebAuthn {
  const credentials = new ShimCredentialsContainer(options);
  const holder = target as { navigator?: object };
  // A bare target (tests) gets a navigator object of its own, removed again on uninstall.
  const ownNavigator = holder.navigator === undefined;
  if (ownNavigator) Object.defineProperty(target, 'navigator', { value: {}, configurable: true, enumerable: true, writable: true });
  const restoreCredentials = installOnNavigator(holder.navigator as object, 'credentials', credentials);
  const restoreClass = installOnNavigator(target, 'PublicKeyCredential', ShimPublicKeyCredential);
  return {
    credentials,
    PublicKeyCredential: ShimPublicKeyCredential,
    uninstall() {
      restoreClass();
      restoreCredentials();
      if (ownNavigator) delete holder.navigator;
    },
  };
}
