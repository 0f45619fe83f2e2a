/**
 * What each lifecycle state lets a key do (docs/protocol.md §10.6, the Hideez Enterprise Server's states).
 * Ready and Active keys answer every command; Locked and Suspended keys keep only what the issuer and the owner
 * need to bring them back or erase them; Deactivated and Compromised keys only identify themselves, wipe, and
 * answer sealed items with a LIFECYCLE_FORBIDS receipt (the issuer learns the key is retired).
 */
import type { CommandName, LifecycleName, SealedOperationName } from '@hkey/protocol';

const RESTRICTED_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(['GetInfo', 'GetIdentity', 'Wink', 'Lock', 'Wipe', 'ApplySealed']);
const RETIRED_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(['GetInfo', 'GetIdentity', 'Wink', 'Lock', 'Wipe', 'ApplySealed']);

export function lifecycleAllowsCommand(lifecycle: LifecycleName, command: CommandName): boolean {
  switch (lifecycle) {
    case 'READY':
    case 'ACTIVE':
      return true;
    case 'LOCKED':
    case 'SUSPENDED':
      return RESTRICTED_COMMANDS.has(command);
    case 'DEACTIVATED':
    case 'COMPROMISED':
      return RETIRED_COMMANDS.has(command);
  }
}

/** The lifecycle states each sealed operation may start from. */
const OPERATION_STATES: { readonly [N in SealedOperationName]: readonly LifecycleName[] } = {
  AccountCreate: ['ACTIVE'],
  AccountUpdate: ['ACTIVE'],
  AccountDelete: ['ACTIVE'],
  PinPolicy: ['ACTIVE', 'LOCKED', 'SUSPENDED'],
  Lock: ['ACTIVE'],
  Suspend: ['ACTIVE', 'LOCKED'],
  Resume: ['LOCKED', 'SUSPENDED'],
  Wipe: ['ACTIVE', 'LOCKED', 'SUSPENDED'],
  Compromise: ['ACTIVE', 'LOCKED', 'SUSPENDED'],
};

export function lifecycleAllowsOperation(lifecycle: LifecycleName, operation: SealedOperationName): boolean {
  return OPERATION_STATES[operation].includes(lifecycle);
}

/** Where an operation that changes the lifecycle leads. */
export const OPERATION_TARGET: Partial<Record<SealedOperationName, LifecycleName>> = {
  Lock: 'LOCKED',
  Suspend: 'SUSPENDED',
  Resume: 'ACTIVE',
  Wipe: 'DEACTIVATED',
  Compromise: 'COMPROMISED',
};
