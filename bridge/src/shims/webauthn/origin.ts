/**
 * Who may ask for which RP ID (WebAuthn L3 §5.1.3 steps 6-8, §5.1.4.1 steps 7-8), with Chrome's rules
 * (content/public/browser/webauthn_security_utils.cc): an opaque origin is NotAllowedError; anything but http(s),
 * IP addresses, and http other than localhost are SecurityError; the RP ID equals the origin's host or is a
 * registrable suffix of it.
 */
import { getDomain } from 'tldts';
import { badRelyingPartyId, invalidDomain, invalidProtocol, opaqueOrigin } from './errors.js';

export interface CallerOrigin {
  /** The serialized origin, as clientDataJSON carries it. */
  readonly origin: string;
  /** The effective domain: the default RP ID. */
  readonly host: string;
}

/** Secure-context rule for http: only localhost names are potentially trustworthy without TLS. */
function isLocalhost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

export function callerOrigin(origin: string | undefined): CallerOrigin {
  if (origin === undefined || origin === 'null') throw opaqueOrigin();
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw opaqueOrigin();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidProtocol();
  const host = url.hostname;
  // 127.0.0.1 and [::1] are secure contexts, but an IP address is no domain, so it cannot be an RP ID (Chrome refuses it too).
  if (/^\[.*\]$/.test(host) || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (url.protocol === 'http:' && !isLocalhost(host))) throw invalidDomain();
  return { origin: url.origin, host };
}

/**
 * The RP ID a page may claim: its own host, or a suffix of it that is a registrable domain. Both names must have a
 * registrable part under the Public Suffix List (tldts, private registries included): otherwise a page on
 * a.github.io or shop.co.uk could claim "github.io" or "co.uk" and mint credentials that every other site under that
 * public suffix could use. The bridge server applies this same rule to the CTAP requests browsers send it.
 */
export function isRelyingPartyIdOf(host: string, rpId: string): boolean {
  if (rpId === host) return true;
  const registrable = (name: string): boolean => getDomain(name, { allowPrivateDomains: true }) !== null;
  return rpId !== '' && host.endsWith(`.${rpId}`) && registrable(host) && registrable(rpId);
}

export function relyingPartyId(caller: CallerOrigin, requested: string | undefined): string {
  if (requested === undefined) return caller.host;
  if (!isRelyingPartyIdOf(caller.host, requested)) throw badRelyingPartyId();
  return requested;
}

/** Every RP ID an origin may claim (its host and its registrable suffixes); none for an origin WebAuthn refuses. */
export function relyingPartyIdsOf(origin: string): string[] {
  let host: string;
  try {
    host = callerOrigin(origin).host;
  } catch {
    return [];
  }
  const labels = host.split('.');
  return labels.map((_, index) => labels.slice(index).join('.')).filter((rpId) => isRelyingPartyIdOf(host, rpId));
}
