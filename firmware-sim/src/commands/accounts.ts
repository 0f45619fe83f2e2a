import {
  AccountFlag,
  ClearField,
  Limits,
  type OtpCredential,
  type RequestOf,
  type ResponseOf,
  AccountSummarySchema,
  encodeCbor,
  encodeMap,
} from '@hkey/protocol';
import { DeviceStatus } from '../core/device-status.js';
import type { DeviceState, StoredAccount, StoredOtp } from '../core/state.js';
import { recordBytes, storageUsed } from '../core/storage-accounting.js';
import { accountView, summaryView } from './account-view.js';
import type { CommandContext } from './context.js';

const MAX_PAGE = 32;
/** Status byte, map header, two keys, array header and the total: an upper bound (docs/protocol.md §4.1). */
const PAGE_OVERHEAD = 12;

function findAccount(state: DeviceState, id: number): StoredAccount {
  const account = state.accounts.find((candidate) => candidate.id === id);
  if (account === undefined) throw new DeviceStatus('ACCOUNT_NOT_FOUND');
  return account;
}

function storedOtp(credential: OtpCredential): StoredOtp {
  const base = { secret: credential.secret.slice(), algorithm: credential.algorithm ?? 'SHA1', digits: credential.digits ?? 6 } as const;
  return credential.kind === 'TOTP'
    ? { ...base, kind: 'TOTP', period: credential.period ?? 30 }
    : { ...base, kind: 'HOTP', counter: BigInt(credential.counter ?? 0) };
}

function freeBytes(state: DeviceState): number {
  return state.storageTotal - storageUsed(state);
}

function ensureRoom(state: DeviceState, before: number, after: StoredAccount | Omit<StoredAccount, 'id'>): void {
  const needed = recordBytes(after) - before;
  const free = freeBytes(state);
  if (needed > free) throw new DeviceStatus('STORAGE_FULL', { needed, free: Math.max(0, free) });
}

function ensureNameFree(state: DeviceState, name: string, exceptId?: number): void {
  if (state.accounts.some((account) => account.name === name && account.id !== exceptId)) throw new DeviceStatus('ACCOUNT_NAME_TAKEN');
}

/** docs/protocol.md §5.1: one more than the highest id since the last Wipe, then the lowest free id. */
function nextId(state: DeviceState): number {
  if (state.lastId < 0xffff) return state.lastId + 1;
  const taken = new Set(state.accounts.map((account) => account.id));
  for (let id = 1; id <= 0xffff; id++) if (!taken.has(id)) return id;
  throw new DeviceStatus('STORAGE_FULL', { needed: 1, free: 0 });
}

/** docs/protocol.md §4.8 */
export function accountList(ctx: CommandContext, params: RequestOf<'AccountList'>): ResponseOf<'AccountList'> {
  const visible = ctx.state.accounts.filter((account) => params.includeHidden === true || (account.flags & AccountFlag.HIDDEN) === 0);
  const accounts: ResponseOf<'AccountList'>['accounts'] = [];
  let size = PAGE_OVERHEAD;
  for (const account of visible.slice(params.offset ?? 0)) {
    const summary = summaryView(account);
    size += encodeCbor(encodeMap(AccountSummarySchema, summary)).length;
    if (accounts.length === MAX_PAGE || size > Limits.maxMessageBytes) break;
    accounts.push(summary);
  }
  return { accounts, total: visible.length };
}

/** docs/protocol.md §4.9 */
export function accountGet(ctx: CommandContext, params: RequestOf<'AccountGet'>): ResponseOf<'AccountGet'> {
  return accountView(findAccount(ctx.state, params.id));
}

/** docs/protocol.md §4.10 */
export async function accountCreate(ctx: CommandContext, params: RequestOf<'AccountCreate'>): Promise<ResponseOf<'AccountCreate'>> {
  const { state } = ctx;
  ensureNameFree(state, params.name);
  const id = nextId(state);
  const account: StoredAccount = {
    id,
    name: params.name,
    login: params.login,
    password: params.password,
    urls: params.urls,
    apps: params.apps,
    flags: params.flags ?? 0,
    otp: params.otp && storedOtp(params.otp),
  };
  ensureRoom(state, 0, account);
  const accounts = [...state.accounts, account].sort((a, b) => a.id - b.id);
  const next = { ...state, accounts, lastId: Math.max(state.lastId, id) };
  await ctx.commit(next);
  return { id, storageFree: freeBytes(next) };
}

function applyClear(account: StoredAccount, clear: number): StoredAccount {
  return {
    ...account,
    login: clear & ClearField.LOGIN ? undefined : account.login,
    password: clear & ClearField.PASSWORD ? undefined : account.password,
    urls: clear & ClearField.URLS ? undefined : account.urls,
    apps: clear & ClearField.APPS ? undefined : account.apps,
    otp: clear & ClearField.OTP ? undefined : account.otp,
  };
}

const CLEARABLE: readonly [keyof typeof ClearField, 'login' | 'password' | 'urls' | 'apps' | 'otp'][] = [
  ['LOGIN', 'login'],
  ['PASSWORD', 'password'],
  ['URLS', 'urls'],
  ['APPS', 'apps'],
  ['OTP', 'otp'],
];

/** docs/protocol.md §4.11 */
export async function accountUpdate(ctx: CommandContext, params: RequestOf<'AccountUpdate'>): Promise<ResponseOf<'AccountUpdate'>> {
  const { state } = ctx;
  const current = findAccount(state, params.id);
  if (current.flags & AccountFlag.READ_ONLY) throw new DeviceStatus('ACCOUNT_READ_ONLY');
  const clear = params.clear ?? 0;
  if (CLEARABLE.some(([bit, field]) => clear & ClearField[bit] && params[field] !== undefined)) {
    throw new DeviceStatus('INVALID_PARAMETER');
  }
  if (params.name !== undefined) ensureNameFree(state, params.name, current.id);
  const updated = applyClear(
    {
      ...current,
      name: params.name ?? current.name,
      login: params.login ?? current.login,
      password: params.password ?? current.password,
      urls: params.urls ?? current.urls,
      apps: params.apps ?? current.apps,
      flags: params.flags ?? current.flags,
      otp: params.otp ? storedOtp(params.otp) : current.otp,
    },
    clear,
  );
  ensureRoom(state, recordBytes(current), updated);
  const next = { ...state, accounts: state.accounts.map((account) => (account.id === current.id ? updated : account)) };
  await ctx.commit(next);
  return { storageFree: freeBytes(next) };
}

/** docs/protocol.md §4.12 */
export async function accountDelete(ctx: CommandContext, params: RequestOf<'AccountDelete'>): Promise<ResponseOf<'AccountDelete'>> {
  const { state } = ctx;
  const current = findAccount(state, params.id);
  if (current.flags & AccountFlag.READ_ONLY) throw new DeviceStatus('ACCOUNT_READ_ONLY');
  const next = { ...state, accounts: state.accounts.filter((account) => account.id !== current.id) };
  await ctx.commit(next);
  return { storageFree: freeBytes(next) };
}
