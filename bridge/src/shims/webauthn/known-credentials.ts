/**
 * Which of the page's credential descriptors a key may hold. Lists the key takes in one request go as they are
 * unless `probe` is 'always'; longer ones, and those, are probed in batches of maxCredentialCountInList with silent
 * assertions (up: false, no touch), as Chrome does, and the one credential the key recognises is sent alone.
 */
import { CtapError } from '@hkey/protocol';
import type { FidoCallOptions } from '../../fido/ctap-channel.js';
import type { FidoClient } from '../../fido/fido-client.js';
import type { AuthenticatorInfo, CredentialDescriptor as CtapDescriptor } from '../../fido/fido-types.js';
import type { CredentialDescriptor } from './types.js';

/** The public-key descriptors this key could have made (ids no longer than it makes them), in CTAP form. */
function candidates(descriptors: readonly CredentialDescriptor[], info: AuthenticatorInfo): CtapDescriptor[] {
  return descriptors
    .filter((descriptor) => descriptor.type === 'public-key' && descriptor.id.length <= (info.maxCredentialIdLength ?? Infinity))
    .map((descriptor) => ({ id: descriptor.id, ...(descriptor.transports === undefined ? {} : { transports: descriptor.transports }) }));
}

export async function knownCredentials(
  fido: FidoClient,
  info: AuthenticatorInfo,
  rpId: string,
  descriptors: readonly CredentialDescriptor[],
  options: FidoCallOptions,
  probe: 'long-lists' | 'always' = 'long-lists',
): Promise<CtapDescriptor[]> {
  const list = candidates(descriptors, info);
  const batch = Math.max(1, info.maxCredentialCountInList ?? list.length);
  if (list.length <= batch && probe === 'long-lists') return list;
  for (let start = 0; start < list.length; start += batch) {
    try {
      const probe = await fido.getAssertion(
        { rpId, clientDataHash: new Uint8Array(32), allowList: list.slice(start, start + batch), userPresence: false },
        options,
      );
      return [{ id: probe.credentialId }];
    } catch (error) {
      if (!(error instanceof CtapError) || error.code !== 'CTAP_NO_CREDENTIALS') throw error;
    }
  }
  return [];
}

/** Whether the key holds a discoverable credential for the RP usable without user verification: a silent assertion. */
export async function holdsDiscoverable(fido: FidoClient, rpId: string, options: FidoCallOptions): Promise<boolean> {
  try {
    await fido.getAssertion({ rpId, clientDataHash: new Uint8Array(32), allowList: [], userPresence: false }, options);
    return true;
  } catch (error) {
    if (error instanceof CtapError && error.code === 'CTAP_NO_CREDENTIALS') return false;
    throw error;
  }
}
