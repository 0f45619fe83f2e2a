/** The DOMExceptions a page sees, with Chrome's names and messages (third_party/blink authentication_credentials_container.cc). */
import { domError } from '../dom.js';

export const notAllowed = (cause?: unknown): DOMException =>
  domError(
    'NotAllowedError',
    'The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client.',
    cause,
  );

export const credentialExcluded = (): DOMException =>
  domError(
    'InvalidStateError',
    'The user attempted to register an authenticator that contains one of the credentials already registered with the relying party.',
  );

export const algorithmUnsupported = (): DOMException =>
  domError('NotSupportedError', 'None of the algorithms specified in `pubKeyCredParams` are supported by this device.');

export const opaqueOrigin = (): DOMException =>
  domError('NotAllowedError', "The current origin is an opaque origin and hence not allowed to access 'PublicKeyCredential' objects.");

export const invalidProtocol = (): DOMException =>
  domError('SecurityError', "Public-key credentials are only available to HTTPS origins with valid certificates, HTTP origins that fall under 'localhost'.");

export const invalidDomain = (): DOMException => domError('SecurityError', 'This is an invalid domain.');

export const badRelyingPartyId = (): DOMException =>
  domError('SecurityError', 'The relying party ID is not a registrable domain suffix of, nor equal to the current domain.');

export const featureDisabled = (feature: string): DOMException =>
  domError(
    'NotAllowedError',
    `The '${feature}' feature is not enabled in this document. ` +
      'Permissions Policy may be used to delegate Web Authentication capabilities to cross-origin child frames.',
  );

export const notSupported = (message: string): DOMException => domError('NotSupportedError', message);

/** WebIDL's conversion error for a dictionary member, as Chrome words it. */
export function conversionError(operation: 'create' | 'get', path: string, problem: string): TypeError {
  return new TypeError(`Failed to execute '${operation}' on 'CredentialsContainer': ${path}${problem}`);
}
