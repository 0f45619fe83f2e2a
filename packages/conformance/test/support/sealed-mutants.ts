/**
 * Keys whose sealed provisioning is broken in one way each (docs/protocol.md §10), built as firmware variants
 * (VirtualKeyOptions.handlers) around the reference handlers: a check skipped, a state change lost or a receipt
 * that lies. Each names the sealed case meant to catch it.
 */
import { type CommandContext, type CommandHandlers, type DeviceState, defaultHandlers } from '@hkey/firmware-sim';
import {
  Commands,
  type Receipt,
  type RequestOf,
  type ResponseOf,
  type SealedHeader,
  type SealedItem,
  type SealedOperationRequest,
  Status,
  type StatusName,
  concatBytes,
  decodeMap,
  decodeReceipt,
  decodeSealedHeader,
  decodeSealedOperation,
  openSealedItem,
  p256KeyPair,
  sha256,
  signReceipt,
} from '@hkey/protocol';
import type { Mutant } from './mutant-rig.js';

type Apply = (ctx: CommandContext, params: RequestOf<'ApplySealed'>) => Promise<ResponseOf<'ApplySealed'>>;
type Answer = ResponseOf<'ApplySealed'>;

const reference: Apply = async (ctx, params) => defaultHandlers.ApplySealed(ctx, params);

function itemOf(params: RequestOf<'ApplySealed'>): SealedItem {
  return { header: params.header, enc: params.enc, ciphertext: concatBytes(...params.ciphertext), signature: params.signature };
}

function headerOf(params: RequestOf<'ApplySealed'>): SealedHeader | undefined {
  try {
    return decodeSealedHeader(params.header);
  } catch {
    return undefined;
  }
}

/** The handler context with some members replaced; the rest stays live. */
function contextWith(ctx: CommandContext, replaced: PropertyDescriptorMap): CommandContext {
  return Object.create(ctx, replaced) as CommandContext;
}

/** A context that sees the key's state through `view` (and commits what the handler makes of it). */
function stateView(ctx: CommandContext, view: (state: DeviceState) => DeviceState): CommandContext {
  return contextWith(ctx, { state: { get: () => view(ctx.state) } });
}

function withSequence(state: DeviceState, sequence: number): DeviceState {
  const provisioning = state.provisioning;
  const issuer = provisioning?.issuer;
  if (provisioning === undefined || issuer === undefined) return state;
  return { ...state, provisioning: { ...provisioning, issuer: { ...issuer, sequence } } };
}

function statusOf(answer: Answer): number {
  return decodeReceipt(answer.receipt).status;
}

/** A receipt with some fields changed, signed with the key's real signing key (or `signingKey`). */
async function reissued(ctx: CommandContext, answer: Answer, change: Partial<Receipt>, signingKey?: Uint8Array): Promise<Answer> {
  const receipt = { ...decodeReceipt(answer.receipt), ...change };
  const signed = await signReceipt(receipt, signingKey ?? (await ctx.keyIdentity()).signing.privateKey);
  return { receipt: signed.receipt, signature: signed.signature };
}

async function operationOf(ctx: CommandContext, params: RequestOf<'ApplySealed'>): Promise<SealedOperationRequest | undefined> {
  try {
    return decodeSealedOperation(await openSealedItem(itemOf(params), (await ctx.keyIdentity()).kem));
  } catch {
    return undefined;
  }
}

/** What a firmware that trusts whatever decrypts does: creates the account and moves the sequence, with an OK receipt. */
async function createAnyway(ctx: CommandContext, params: RequestOf<'ApplySealed'>, refused: Answer): Promise<Answer> {
  const operation = await operationOf(ctx, params);
  const header = headerOf(params);
  if (operation?.operation !== 'AccountCreate' || header === undefined) return refused;
  const request = decodeMap(Commands.AccountCreate.request, operation.params) as RequestOf<'AccountCreate'>;
  const created = await defaultHandlers.AccountCreate(ctx, request);
  await ctx.commit(withSequence(ctx.state, header.sequence));
  return reissued(ctx, refused, { status: Status.OK, accountId: created.id, sequence: header.sequence, issuerId: header.issuerId });
}

/** Applies AccountCreate items the reference refuses with `status`. */
function acceptsDespite(status: StatusName): Partial<CommandHandlers> {
  return {
    ApplySealed: async (ctx, params) => {
      const answer = await reference(ctx, params);
      return statusOf(answer) === Status[status] ? createAnyway(ctx, params, answer) : answer;
    },
  };
}

/** Sees the stored sequence as one below the item's whenever `when` says so: that check never fires. */
function sequenceBelow(when: (item: number, last: number) => boolean): Partial<CommandHandlers> {
  return {
    ApplySealed: (ctx, params) => {
      const item = headerOf(params)?.sequence;
      const last = ctx.state.provisioning?.issuer?.sequence;
      if (item === undefined || last === undefined || !when(item, last)) return reference(ctx, params);
      return reference(
        stateView(ctx, (state) => withSequence(state, item - 1)),
        params,
      );
    },
  };
}

/** Applies `operation` items through a commit that keeps `field` of the provisioning state as it was. */
function loses(operation: SealedOperationRequest['operation'], field: 'lifecycle' | 'pinPolicy'): Partial<CommandHandlers> {
  return {
    ApplySealed: async (ctx, params) => {
      if ((await operationOf(ctx, params))?.operation !== operation) return reference(ctx, params);
      const kept = ctx.state.provisioning;
      const commit = (next: DeviceState): Promise<void> =>
        ctx.commit(next.provisioning && kept ? { ...next, provisioning: { ...next.provisioning, [field]: kept[field] } } : next);
      return reference(contextWith(ctx, { commit: { value: commit } }), params);
    },
  };
}

/** Rewrites every receipt. */
function receipts(change: (ctx: CommandContext, answer: Answer, params: RequestOf<'ApplySealed'>) => Promise<Answer>): Partial<CommandHandlers> {
  return { ApplySealed: async (ctx, params) => change(ctx, await reference(ctx, params), params) };
}

const REFUSALS = new Set<number>(
  (['SEALED_WRONG_KEY', 'SEALED_WRONG_ISSUER', 'SEALED_BAD_SIGNATURE', 'SEALED_EXPIRED', 'SEALED_OUT_OF_ORDER', 'SEALED_BAD_CIPHERTEXT'] as const).map(
    (name) => Status[name],
  ),
);
const UNCERTIFIED_KEY = (await p256KeyPair(new Uint8Array(32).fill(0x5a))).privateKey;
const OTHER_KEM_KEY = (await p256KeyPair(new Uint8Array(32).fill(0x5b))).publicKey;

export const SEALED_MUTANTS: readonly Mutant[] = [
  {
    name: 'GetIdentity hands out a KEM key its certificate does not carry',
    killer: 'SEAL-01',
    handlers: { GetIdentity: async (ctx, params) => ({ ...(await defaultHandlers.GetIdentity(ctx, params)), kemPublicKey: OTHER_KEM_KEY }) },
  },
  {
    name: 'the chain ends in the device certificate instead of the manufacturer root',
    killer: 'SEAL-01',
    handlers: {
      GetIdentity: async (ctx, params) => {
        const identity = await defaultHandlers.GetIdentity(ctx, params);
        const [device] = identity.certificates;
        return { ...identity, certificates: device ? [device, device] : [] };
      },
    },
  },
  {
    name: 'EnrollIssuer without a press',
    killer: 'SEAL-02',
    handlers: { EnrollIssuer: (ctx, params) => defaultHandlers.EnrollIssuer(contextWith(ctx, { requirePresence: { value: async () => undefined } }), params) },
  },
  {
    name: 'EnrollIssuer takes another issuer without the handover',
    killer: 'SEAL-02',
    handlers: {
      EnrollIssuer: async (ctx, params) => {
        const provisioning = ctx.state.provisioning;
        if (provisioning?.issuer === undefined) return defaultHandlers.EnrollIssuer(ctx, params);
        await ctx.commit({ ...ctx.state, provisioning: { ...provisioning, issuer: { publicKey: params.issuerPublicKey, sequence: 0 } } });
        return { issuerId: sha256(params.issuerPublicKey).slice(0, 16) };
      },
    },
  },
  {
    name: 'receipts signed with a key the certificate does not certify',
    killer: 'SEAL-03',
    handlers: receipts((ctx, answer) => reissued(ctx, answer, {}, UNCERTIFIED_KEY)),
  },
  {
    name: 'the receipt hash covers the ciphertext only',
    killer: 'SEAL-03',
    handlers: receipts((ctx, answer, params) => reissued(ctx, answer, { itemHash: sha256(concatBytes(...params.ciphertext)) })),
  },
  {
    name: 'ApplySealed ignores the serial',
    killer: 'SEAL-04',
    handlers: {
      ApplySealed: (ctx, params) => {
        const serial = headerOf(params)?.serial;
        return reference(serial === undefined ? ctx : stateView(ctx, (state) => ({ ...state, identity: { ...state.identity, serial } })), params);
      },
    },
  },
  {
    name: 'receipts say OK whatever happened',
    killer: 'SEAL-04',
    handlers: receipts((ctx, answer) => reissued(ctx, answer, { status: Status.OK })),
  },
  {
    name: 'a refused item consumes its sequence',
    killer: 'SEAL-04',
    handlers: {
      ApplySealed: async (ctx, params) => {
        const answer = await reference(ctx, params);
        const last = ctx.state.provisioning?.issuer?.sequence;
        if (REFUSALS.has(statusOf(answer)) && last !== undefined) await ctx.commit(withSequence(ctx.state, last + 1));
        return answer;
      },
    },
  },
  { name: 'ApplySealed takes items of any issuer', killer: 'SEAL-05', handlers: acceptsDespite('SEALED_WRONG_ISSUER') },
  { name: 'ApplySealed applies replays', killer: 'SEAL-06', handlers: sequenceBelow((item, last) => item <= last) },
  { name: 'ApplySealed accepts gaps in the sequence', killer: 'SEAL-07', handlers: sequenceBelow((item, last) => item > last + 1) },
  { name: 'ApplySealed skips the signature check when the item decrypts', killer: 'SEAL-10', handlers: acceptsDespite('SEALED_BAD_SIGNATURE') },
  {
    name: 'ApplySealed ignores notAfter',
    killer: 'SEAL-11',
    handlers: {
      ApplySealed: (ctx, params) => {
        const notAfter = headerOf(params)?.notAfter;
        if (notAfter === undefined) return reference(ctx, params);
        return reference(contextWith(ctx, { deviceTimeSeconds: { value: () => Math.min(ctx.deviceTimeSeconds(), notAfter) } }), params);
      },
    },
  },
  {
    name: 'a malformed operation does not consume its sequence',
    killer: 'SEAL-12',
    handlers: {
      ApplySealed: async (ctx, params) => {
        const answer = await reference(ctx, params);
        const sequence = decodeReceipt(answer.receipt).sequence;
        if (statusOf(answer) === Status.SEALED_MALFORMED && sequence > 0) await ctx.commit(withSequence(ctx.state, sequence - 1));
        return answer;
      },
    },
  },
  { name: 'a sealed Suspend changes nothing', killer: 'SEAL-13', handlers: loses('Suspend', 'lifecycle') },
  { name: 'a retired key still applies account items', killer: 'SEAL-14', handlers: acceptsDespite('LIFECYCLE_FORBIDS') },
  { name: 'a PIN policy item is acknowledged but not kept', killer: 'SEAL-15', handlers: loses('PinPolicy', 'pinPolicy') },
];
