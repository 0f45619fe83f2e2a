import { type ResponseOf, issuerIdOf } from '@hkey/protocol';
import type { CommandContext } from '../commands/context.js';

/** The chunk size of HKP byte strings (docs/protocol.md §3.2.4). */
const CHUNK_BYTES = 256;

function chunks(der: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < der.length; offset += CHUNK_BYTES) parts.push(der.subarray(offset, offset + CHUNK_BYTES));
  return parts;
}

/** docs/protocol.md §10.2 */
export async function getIdentity(ctx: CommandContext): Promise<ResponseOf<'GetIdentity'>> {
  const identity = await ctx.keyIdentity();
  const provisioning = ctx.state.provisioning;
  const issuer = provisioning?.issuer;
  return {
    serial: ctx.state.identity.serial,
    kemPublicKey: identity.kem.publicKey,
    signingPublicKey: identity.signing.publicKey,
    certificates: identity.certificates.map(chunks),
    lifecycle: provisioning?.lifecycle ?? 'READY',
    ...(issuer && { issuerId: issuerIdOf(issuer.publicKey), sequence: issuer.sequence }),
  };
}
