/** JSON form of ProvisioningState inside the key's state file, validated field by field on load. */
import { Lifecycle, type LifecycleName } from '@hkey/protocol';
import type { FidoJsonHelpers } from '../fido/fido-state-codec.js';
import type { PinPolicy, ProvisioningState } from './provisioning-state.js';

export function provisioningStateToJson(state: ProvisioningState, { toBase64 }: Pick<FidoJsonHelpers, 'toBase64'>): unknown {
  return {
    ...state,
    seed: toBase64(state.seed),
    issuer: state.issuer && { ...state.issuer, publicKey: toBase64(state.issuer.publicKey) },
  };
}

function bytes(helpers: FidoJsonHelpers, value: unknown, path: string, length: number): Uint8Array {
  const result = helpers.fromBase64(value, path);
  if (result.length !== length) throw helpers.invalid(path, `${length} bytes`);
  return result;
}

function parsePinPolicy(helpers: FidoJsonHelpers, value: unknown): PinPolicy | undefined {
  if (value === undefined) return undefined;
  const policy = helpers.object(value, 'provisioning.pinPolicy');
  return {
    minLength: helpers.integer(policy.minLength, 'provisioning.pinPolicy.minLength', 4, 8),
    maxTries: helpers.integer(policy.maxTries, 'provisioning.pinPolicy.maxTries', 3, 10),
    expiryDays: helpers.integer(policy.expiryDays, 'provisioning.pinPolicy.expiryDays', 0, 3650),
  };
}

export function provisioningStateFromJson(value: unknown, helpers: FidoJsonHelpers): ProvisioningState | undefined {
  if (value === undefined) return undefined;
  const state = helpers.object(value, 'provisioning');
  if (typeof state.lifecycle !== 'string' || !Object.hasOwn(Lifecycle, state.lifecycle)) {
    throw helpers.invalid('provisioning.lifecycle', `one of ${Object.keys(Lifecycle).join(', ')}`);
  }
  const issuer = state.issuer === undefined ? undefined : helpers.object(state.issuer, 'provisioning.issuer');
  const pinPolicy = parsePinPolicy(helpers, state.pinPolicy);
  return {
    seed: bytes(helpers, state.seed, 'provisioning.seed', 32),
    lifecycle: state.lifecycle as LifecycleName,
    ...(issuer && {
      issuer: {
        publicKey: bytes(helpers, issuer.publicKey, 'provisioning.issuer.publicKey', 65),
        sequence: helpers.integer(issuer.sequence, 'provisioning.issuer.sequence', 0, 0xffff_ffff),
      },
    }),
    ...(pinPolicy && { pinPolicy }),
  };
}
