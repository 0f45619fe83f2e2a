/**
 * docs/protocol.md §10.4: the key checks a sealed item in a fixed order, applies it, and answers every item with a
 * receipt it signs. Checks that fail before the item is known to be authentic, in order and decryptable leave the
 * key as it was; once they pass, the item's sequence is consumed in the same state write as its effect.
 */
import {
  type RequestOf,
  type ResponseOf,
  type SealedHeader,
  type SealedItem,
  type SealedOperationRequest,
  SealedError,
  Status,
  type StatusName,
  concatBytes,
  decodeSealedHeader,
  decodeSealedOperation,
  issuerIdOf,
  itemHashOf,
  keyHashOf,
  openSealedItem,
  signReceiptFast,
  verifyItemSignature,
} from '@hkey/protocol';
import { DeviceStatus } from '../core/device-status.js';
import { constantTimeBytesEqual } from '../fido/crypto.js';
import type { CommandContext } from '../commands/context.js';
import type { KeyIdentity } from './key-identity.js';
import { lifecycleAllowsOperation } from './lifecycle.js';
import { applyOperation, consumed } from './sealed-operations.js';

interface Outcome {
  readonly status: StatusName;
  readonly issuerId?: Uint8Array;
  readonly sequence?: number;
  readonly accountId?: number;
}

class Refusal extends Error {
  constructor(readonly status: StatusName) {
    super(status);
  }
}

function readHeader(bytes: Uint8Array): SealedHeader {
  try {
    return decodeSealedHeader(bytes);
  } catch (error) {
    if (error instanceof SealedError) throw new Refusal('SEALED_MALFORMED');
    throw error;
  }
}

/** Every check up to and including decryption; throws Refusal with the first status that fails. */
async function authenticate(ctx: CommandContext, identity: KeyIdentity, item: SealedItem, header: SealedHeader): Promise<Uint8Array> {
  const provisioning = ctx.state.provisioning;
  if (header.serial !== ctx.state.identity.serial || !constantTimeBytesEqual(header.kemKeyHash, keyHashOf(identity.kem.publicKey))) {
    throw new Refusal('SEALED_WRONG_KEY');
  }
  const issuer = provisioning?.issuer;
  if (issuer === undefined || !constantTimeBytesEqual(header.issuerId, issuerIdOf(issuer.publicKey))) throw new Refusal('SEALED_WRONG_ISSUER');
  if (!(await verifyItemSignature(item, issuer.publicKey))) throw new Refusal('SEALED_BAD_SIGNATURE');
  if (provisioning?.lifecycle === 'DEACTIVATED' || provisioning?.lifecycle === 'COMPROMISED') throw new Refusal('LIFECYCLE_FORBIDS');
  if (header.notAfter < ctx.deviceTimeSeconds()) throw new Refusal('SEALED_EXPIRED');
  if (header.sequence <= issuer.sequence) throw new Refusal('SEALED_REPLAY');
  if (header.sequence > issuer.sequence + 1) throw new Refusal('SEALED_OUT_OF_ORDER');
  try {
    return await openSealedItem(item, identity.kem);
  } catch {
    throw new Refusal('SEALED_BAD_CIPHERTEXT');
  }
}

function readOperation(plaintext: Uint8Array): SealedOperationRequest | undefined {
  try {
    return decodeSealedOperation(plaintext);
  } catch (error) {
    if (error instanceof SealedError) return undefined;
    throw error;
  }
}

async function process(ctx: CommandContext, identity: KeyIdentity, item: SealedItem): Promise<Outcome> {
  let header: SealedHeader | undefined;
  try {
    header = readHeader(item.header);
    const request = readOperation(await authenticate(ctx, identity, item, header));
    const known = { issuerId: header.issuerId, sequence: header.sequence };
    // Authentic, in order and decrypted: from here on the item's sequence is consumed whatever the outcome, so one
    // operation that cannot apply (an issuer's mistake) never blocks the items after it.
    if (request === undefined) {
      await ctx.commit(consumed(ctx, header.sequence));
      return { status: 'SEALED_MALFORMED', ...known };
    }
    const lifecycle = ctx.state.provisioning?.lifecycle ?? 'READY';
    if (!lifecycleAllowsOperation(lifecycle, request.operation)) {
      await ctx.commit(consumed(ctx, header.sequence));
      return { status: 'LIFECYCLE_FORBIDS', ...known };
    }
    const applied = await applyOperation(ctx, request, header.sequence);
    return { status: applied.status, ...known, ...(applied.accountId !== undefined && { accountId: applied.accountId }) };
  } catch (error) {
    if (error instanceof Refusal) return { status: error.status, ...(header && { issuerId: header.issuerId, sequence: header.sequence }) };
    if (error instanceof DeviceStatus) return { status: error.status, ...(header && { issuerId: header.issuerId, sequence: header.sequence }) };
    throw error;
  }
}

export async function applySealed(ctx: CommandContext, params: RequestOf<'ApplySealed'>): Promise<ResponseOf<'ApplySealed'>> {
  const identity = await ctx.keyIdentity();
  const item: SealedItem = { header: params.header, enc: params.enc, ciphertext: concatBytes(...params.ciphertext), signature: params.signature };
  const outcome = await process(ctx, identity, item);
  const signed = await signReceiptFast(
    {
      serial: ctx.state.identity.serial,
      issuerId: outcome.issuerId ?? new Uint8Array(16),
      sequence: outcome.sequence ?? 0,
      status: Status[outcome.status],
      ...(outcome.accountId !== undefined && { accountId: outcome.accountId }),
      itemHash: itemHashOf(item),
      time: ctx.deviceTimeSeconds(),
    },
    identity.signing,
  );
  return { receipt: signed.receipt, signature: signed.signature };
}
