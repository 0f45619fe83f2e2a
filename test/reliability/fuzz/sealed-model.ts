/**
 * What a key must do with each sealed item (docs/protocol.md §10.4.4, §10.6), written from the spec: the checks in
 * order, the sequence consumed once they pass, the operation's effect or its status. The ApplySealed sequence
 * target (sealed-targets.ts) compares a VirtualKey's receipts and state with it after every item.
 */
import type { LifecycleName, SealedHeader, StatusName } from '@hkey/protocol';
import { sameBytes } from './oracle.js';

export type ModelOperation =
  | { readonly name: 'AccountCreate'; readonly account: string }
  | { readonly name: 'AccountUpdate'; readonly id: number; readonly login: string }
  | { readonly name: 'AccountDelete'; readonly id: number }
  | { readonly name: 'PinPolicy'; readonly minLength: number; readonly maxTries: number; readonly expiryDays: number }
  | { readonly name: 'Lock' | 'Suspend' | 'Resume' | 'Wipe' | 'Compromise' };

/** What the relay handed the key, as the model needs to know it. */
export interface ItemFacts {
  /** The header as the key decodes it; undefined when it does not decode. */
  readonly header: SealedHeader | undefined;
  /** Whether the enrolled issuer's signature covers the bytes as sent. */
  readonly signatureValid: boolean;
  /** Whether HPKE opens it with the key's KEM key (header as aad). */
  readonly decrypts: boolean;
  /** The sealed operation; undefined when the plaintext is not one. */
  readonly operation: ModelOperation | undefined;
}

export interface ModelOutcome {
  readonly status: StatusName;
  readonly accountId?: number;
}

/** §10.4.2: the states each operation may start from. */
const ALLOWED: Readonly<Record<ModelOperation['name'], readonly LifecycleName[]>> = {
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
const TARGET: Partial<Readonly<Record<ModelOperation['name'], LifecycleName>>> = {
  Lock: 'LOCKED',
  Suspend: 'SUSPENDED',
  Resume: 'ACTIVE',
  Wipe: 'DEACTIVATED',
  Compromise: 'COMPROMISED',
};

export interface ModelAccount {
  readonly name: string;
  login?: string;
}

export class SealedKeyModel {
  lifecycle: LifecycleName = 'READY';
  issuer: { readonly id: Uint8Array; sequence: number } | undefined;
  pinPolicy: { minLength: number; maxTries: number; expiryDays: number } | undefined;
  readonly accounts = new Map<number, ModelAccount>();
  lastId = 0;

  constructor(
    private readonly serial: string,
    private readonly kemKeyHash: Uint8Array,
  ) {}

  /** EnrollIssuer with a press (§10.3); the key's answer. */
  enroll(issuerId: Uint8Array): StatusName {
    if (this.lifecycle !== 'READY' && this.lifecycle !== 'ACTIVE') return 'LIFECYCLE_FORBIDS';
    if (this.issuer === undefined) {
      this.issuer = { id: issuerId, sequence: 0 };
      this.lifecycle = 'ACTIVE';
    }
    return 'OK';
  }

  /** Wipe (§4.16): READY, no issuer, no policy, no accounts. */
  wipe(): void {
    this.lifecycle = 'READY';
    this.issuer = undefined;
    this.pinPolicy = undefined;
    this.accounts.clear();
    this.lastId = 0;
  }

  /** §10.4.4 in order, with the device clock at `now`. */
  apply(facts: ItemFacts, now: number): ModelOutcome {
    const { header } = facts;
    if (header === undefined) return { status: 'SEALED_MALFORMED' };
    if (header.serial !== this.serial || !sameBytes(header.kemKeyHash, this.kemKeyHash)) return { status: 'SEALED_WRONG_KEY' };
    const issuer = this.issuer;
    if (issuer === undefined || !sameBytes(header.issuerId, issuer.id)) return { status: 'SEALED_WRONG_ISSUER' };
    if (!facts.signatureValid) return { status: 'SEALED_BAD_SIGNATURE' };
    if (this.lifecycle === 'DEACTIVATED' || this.lifecycle === 'COMPROMISED') return { status: 'LIFECYCLE_FORBIDS' };
    if (header.notAfter < now) return { status: 'SEALED_EXPIRED' };
    if (header.sequence <= issuer.sequence) return { status: 'SEALED_REPLAY' };
    if (header.sequence > issuer.sequence + 1) return { status: 'SEALED_OUT_OF_ORDER' };
    if (!facts.decrypts) return { status: 'SEALED_BAD_CIPHERTEXT' };
    issuer.sequence = header.sequence;
    const operation = facts.operation;
    if (operation === undefined) return { status: 'SEALED_MALFORMED' };
    if (!ALLOWED[operation.name].includes(this.lifecycle)) return { status: 'LIFECYCLE_FORBIDS' };
    return this.operate(operation);
  }

  private operate(operation: ModelOperation): ModelOutcome {
    switch (operation.name) {
      case 'AccountCreate': {
        if ([...this.accounts.values()].some((account) => account.name === operation.account)) return { status: 'ACCOUNT_NAME_TAKEN' };
        const id = this.lastId + 1;
        this.accounts.set(id, { name: operation.account });
        this.lastId = id;
        return { status: 'OK', accountId: id };
      }
      case 'AccountUpdate': {
        const account = this.accounts.get(operation.id);
        if (account === undefined) return { status: 'ACCOUNT_NOT_FOUND' };
        account.login = operation.login;
        return { status: 'OK', accountId: operation.id };
      }
      case 'AccountDelete':
        if (!this.accounts.delete(operation.id)) return { status: 'ACCOUNT_NOT_FOUND' };
        return { status: 'OK', accountId: operation.id };
      case 'PinPolicy':
        this.pinPolicy = { minLength: operation.minLength, maxTries: operation.maxTries, expiryDays: operation.expiryDays };
        return { status: 'OK' };
      default:
        this.lifecycle = TARGET[operation.name] ?? this.lifecycle;
        if (operation.name === 'Wipe') {
          this.accounts.clear();
          this.lastId = 0;
        }
        return { status: 'OK' };
    }
  }
}
