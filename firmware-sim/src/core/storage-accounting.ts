/** Bytes an account record takes (docs/protocol.md §5.3). */
import { fidoUsedBytes } from '../fido/fido-state.js';
import type { DeviceState, StoredAccount } from './state.js';

const utf8 = new TextEncoder();
const length = (text: string | undefined): number => (text === undefined ? 0 : utf8.encode(text).length);
const listLength = (items: readonly string[] | undefined): number => (items ?? []).reduce((sum, item) => sum + 1 + length(item), 0);

/**
 * Sizes of records already measured. Stored accounts are never mutated (a change makes a new object), so a size
 * holds for the object's life; without this every write re-measured every account (a UTF-8 encode per field), which
 * made a write to a key with 1,000 accounts cost 0.4 ms more than one to an empty key.
 */
const measured = new WeakMap<object, number>();

export function recordBytes(account: Omit<StoredAccount, 'id'>): number {
  let size = measured.get(account);
  if (size === undefined) {
    size = measure(account);
    measured.set(account, size);
  }
  return size;
}

function measure(account: Omit<StoredAccount, 'id'>): number {
  return (
    24 +
    length(account.name) +
    length(account.login) +
    length(account.password) +
    listLength(account.urls) +
    listLength(account.apps) +
    (account.otp ? 16 + account.otp.secret.length : 0)
  );
}

export function usedBytes(accounts: readonly StoredAccount[]): number {
  return accounts.reduce((sum, account) => sum + recordBytes(account), 0);
}

/** Accounts and discoverable FIDO credentials share the key's storage (docs/protocol.md §5.3, §9.5). */
export function storageUsed(state: Pick<DeviceState, 'accounts' | 'fido'>): number {
  return usedBytes(state.accounts) + fidoUsedBytes(state.fido);
}
