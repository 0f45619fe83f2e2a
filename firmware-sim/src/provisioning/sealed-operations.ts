/**
 * Applies an authentic, decrypted sealed operation (docs/protocol.md §10.4.2). The item's sequence is written in the
 * same state write as the operation's effect, so a power cut leaves both or neither.
 */
import { MessageError, type RequestOf, type SealedOperationRequest, SealedOperationSchemas, type StatusName, decodeMap, statusName } from '@hkey/protocol';
import type { CommandContext } from '../commands/context.js';
import { accountCreate, accountDelete, accountUpdate } from '../commands/accounts.js';
import { DeviceStatus } from '../core/device-status.js';
import type { DeviceState } from '../core/state.js';
import { OPERATION_TARGET } from './lifecycle.js';
import type { PinPolicy } from './provisioning-state.js';

type AccountOperation = 'AccountCreate' | 'AccountUpdate' | 'AccountDelete';

function isAccountOperation(operation: string): operation is AccountOperation {
  return operation === 'AccountCreate' || operation === 'AccountUpdate' || operation === 'AccountDelete';
}

export interface AppliedOperation {
  readonly status: StatusName;
  readonly accountId?: number;
}

/** `state` with the issuer's sequence advanced to `sequence`. */
export function consumed(ctx: CommandContext, sequence: number, state: DeviceState = ctx.state): DeviceState {
  const provisioning = state.provisioning;
  const issuer = provisioning?.issuer;
  if (provisioning === undefined || issuer === undefined) throw new DeviceStatus('OTHER');
  return { ...state, provisioning: { ...provisioning, issuer: { ...issuer, sequence } } };
}

/** A CommandContext whose every commit also consumes the sequence: the plain command handlers then apply the operation. */
function sealedContext(ctx: CommandContext, sequence: number): CommandContext & { readonly committed: boolean } {
  let committed = false;
  return Object.assign(Object.create(ctx) as CommandContext, {
    commit: async (next: DeviceState) => {
      await ctx.commit(consumed(ctx, sequence, next));
      committed = true;
    },
    get committed() {
      return committed;
    },
  });
}

async function accountOperation(
  ctx: CommandContext,
  operation: AccountOperation,
  params: Record<string, unknown>,
  sequence: number,
): Promise<AppliedOperation> {
  const sealed = sealedContext(ctx, sequence);
  let accountId: number;
  switch (operation) {
    case 'AccountCreate':
      accountId = (await accountCreate(sealed, params as RequestOf<'AccountCreate'>)).id;
      break;
    case 'AccountUpdate':
      await accountUpdate(sealed, params as RequestOf<'AccountUpdate'>);
      accountId = (params as RequestOf<'AccountUpdate'>).id;
      break;
    case 'AccountDelete':
      await accountDelete(sealed, params as RequestOf<'AccountDelete'>);
      accountId = (params as RequestOf<'AccountDelete'>).id;
      break;
  }
  if (!sealed.committed) await ctx.commit(consumed(ctx, sequence));
  return { status: 'OK', accountId };
}

function lifecycleState(ctx: CommandContext, request: SealedOperationRequest, params: Record<string, unknown>): DeviceState {
  const state = ctx.state;
  const provisioning = state.provisioning;
  if (provisioning === undefined) throw new DeviceStatus('OTHER');
  if (request.operation === 'PinPolicy') return { ...state, provisioning: { ...provisioning, pinPolicy: params as unknown as PinPolicy } };
  const lifecycle = OPERATION_TARGET[request.operation] ?? provisioning.lifecycle;
  if (request.operation !== 'Wipe') return { ...state, provisioning: { ...provisioning, lifecycle } };
  // The issuer retires the key: user data goes as with Wipe (§4.16), the issuer and the identity stay.
  const { fido: _fido, pin: _pin, ...kept } = state;
  return { ...kept, accounts: [], lastId: 0, provisioning: { ...provisioning, lifecycle } };
}

export async function applyOperation(ctx: CommandContext, request: SealedOperationRequest, sequence: number): Promise<AppliedOperation> {
  let params: Record<string, unknown>;
  try {
    params = decodeMap(SealedOperationSchemas[request.operation], request.params) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof MessageError)) throw error;
    await ctx.commit(consumed(ctx, sequence));
    return { status: statusName(error.status) ?? 'INVALID_PARAMETER' };
  }
  if (isAccountOperation(request.operation)) {
    try {
      return await accountOperation(ctx, request.operation, params, sequence);
    } catch (error) {
      // A flash write that failed changed nothing: the item stays unapplied and may come again.
      if (!(error instanceof DeviceStatus) || error.status === 'STORAGE_FAILURE') throw error;
      await ctx.commit(consumed(ctx, sequence));
      return { status: error.status };
    }
  }
  await ctx.commit(consumed(ctx, sequence, lifecycleState(ctx, request, params)));
  if (request.operation !== 'PinPolicy' && request.operation !== 'Resume') {
    ctx.lockOtherSessions();
    ctx.session.unlocked = false;
  }
  return { status: 'OK' };
}
