import { type RequestOf, type ResponseOf, issuerIdOf, verifyHandover } from '@hkey/protocol';
import { DeviceStatus } from '../core/device-status.js';
import { constantTimeBytesEqual } from '../fido/crypto.js';
import { nobleP256 } from '../fido/signer.js';
import type { CommandContext } from '../commands/context.js';

async function isP256Point(bytes: Uint8Array): Promise<boolean> {
  const p256 = await nobleP256();
  try {
    p256.Point.fromBytes(bytes).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/**
 * docs/protocol.md §10.3: a Ready key takes its first issuer on a button press (physical presence); an enrolled issuer
 * is replaced only by the key's wipe or by its own handover signature (no press: the issuer already owns the key).
 */
export async function enrollIssuer(ctx: CommandContext, params: RequestOf<'EnrollIssuer'>): Promise<ResponseOf<'EnrollIssuer'>> {
  if (!(await isP256Point(params.issuerPublicKey))) throw new DeviceStatus('INVALID_PARAMETER');
  await ctx.keyIdentity();
  const provisioning = ctx.state.provisioning;
  if (provisioning === undefined) throw new DeviceStatus('OTHER');
  const current = provisioning.issuer;
  const issuerId = issuerIdOf(params.issuerPublicKey);
  if (current === undefined) {
    await ctx.requirePresence('press', 'EnrollIssuer');
  } else if (constantTimeBytesEqual(current.publicKey, params.issuerPublicKey)) {
    // Enrolling the same issuer again changes nothing: its sequence stays, so no applied item becomes new again.
    return { issuerId };
  } else {
    const handover = params.handoverSignature;
    if (handover === undefined || !(await verifyHandover(ctx.state.identity.serial, params.issuerPublicKey, handover, current.publicKey))) {
      throw new DeviceStatus('ISSUER_MISMATCH');
    }
  }
  await ctx.commit({
    ...ctx.state,
    provisioning: {
      ...provisioning,
      lifecycle: provisioning.lifecycle === 'READY' ? 'ACTIVE' : provisioning.lifecycle,
      issuer: { publicKey: params.issuerPublicKey, sequence: 0 },
    },
  });
  return { issuerId };
}
