/** Storage accounting (§5.3): storageFree is predictable to the byte, STORAGE_FULL says what is missing, a full key still reads. */
import { Limits } from '@hkey/protocol';
import { checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { CaseSkip } from '../../failures.js';
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { type NewAccount, createAccount, recordBytes } from '../support/accounts.js';

/** Beyond this much free storage, filling it would take hundreds of accounts: the case is skipped. */
const MAX_FILL_BYTES = 1 << 20;

/** Splits `bytes` into at most `count` parts of `min`..`max` bytes each, or undefined when it cannot. */
function split(bytes: number, count: number, min: number, max: number): number[] | undefined {
  const parts: number[] = [];
  let left = bytes;
  while (left > 0 && parts.length < count) {
    // Leave a remainder a later part can still carry.
    let part = Math.min(max, left);
    if (left - part > 0 && left - part < min) part = left - min;
    if (part < min) return undefined;
    parts.push(part);
    left -= part;
  }
  return left === 0 ? parts : undefined;
}

/** An account whose record takes exactly `size` bytes (§5.3), built from login, password, urls and apps. */
function accountOfSize(name: string, size: number): NewAccount {
  let left = size - recordBytes({ name });
  const login = Math.min(left, Limits.loginBytes);
  left -= login;
  let password = Math.min(left, Limits.passwordBytes);
  left -= password;
  // Each url takes 1 + its length (1..256 bytes), each app 1 + its length (1..128): never leave a single byte.
  if (left === 1) {
    password -= 1;
    left += 1;
  }
  let urlBytes = Math.min(left, Limits.maxUrls * (1 + Limits.urlBytes));
  if (left - urlBytes === 1) urlBytes -= 1;
  const urls = split(urlBytes, Limits.maxUrls, 2, 1 + Limits.urlBytes) ?? [];
  const apps = split(left - urlBytes, Limits.maxApps, 2, 1 + Limits.appBytes) ?? [];
  const account: NewAccount = {
    name,
    login: 'l'.repeat(login),
    password: 'p'.repeat(password),
    urls: urls.map((part) => 'u'.repeat(part - 1)),
    apps: apps.map((part) => 'a'.repeat(part - 1)),
  };
  if (recordBytes(account) !== size) throw new Error(`No account of exactly ${size} bytes could be built for the storage case.`);
  return account;
}

/** Creates one account and checks the storageFree the key reports against §5.3. */
async function createCounted(ctx: CaseContext, session: HkpSession, account: NewAccount, free: number): Promise<{ id: number; storageFree: number }> {
  const created = await createAccount(ctx, session, account);
  checkEqual(created.storageFree, free - recordBytes(account), `storageFree after creating a ${recordBytes(account)}-byte record with ${free} bytes free`);
  return created;
}

export const storageCases = [
  defineCase({
    id: 'SEM-14',
    group: 'semantics',
    title: 'storageFree follows the byte accounting down to exactly 0; then STORAGE_FULL {needed, free} and nothing changes, reads still work',
    spec: '§5.3, §4.10, §4.11',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      let free = (await session.ok('GetInfo', {})).storageFree;
      if (free > MAX_FILL_BYTES) throw new CaseSkip(`the key has ${free} bytes free; filling more than ${MAX_FILL_BYTES} takes too long for a conformance run`);
      const probe: NewAccount = {
        name: ctx.name('storage-probe'),
        login: 'x'.repeat(10),
        password: 'p'.repeat(12),
        urls: ['https://a.example'],
        apps: ['app'],
        otp: { secret: globalThis.crypto.getRandomValues(new Uint8Array(20)), kind: 'TOTP' },
      };
      if (free < recordBytes(probe)) throw new CaseSkip(`the key has only ${free} bytes free, less than one test account`);
      const probeAccount = await createCounted(ctx, session, probe, free);
      free = probeAccount.storageFree;
      checkEqual((await session.ok('GetInfo', {})).storageFree, free, 'GetInfo storageFree after the create');
      const fillerName = (index: number): string => ctx.name(`fill-${String(index).padStart(4, '0')}`);
      const smallest = recordBytes({ name: fillerName(0) });
      const largest = smallest + Limits.loginBytes + Limits.passwordBytes + Limits.maxUrls * (1 + Limits.urlBytes) + Limits.maxApps * (1 + Limits.appBytes);
      for (let index = 0; free > 0; index++) {
        if (free < smallest) throw new CaseSkip(`${free} bytes are left, less than the smallest account record; the key cannot be filled exactly`);
        // The largest records first, and never leave less than the smallest one.
        const size = free <= largest ? free : free - largest >= smallest ? largest : free - smallest;
        free = (await createCounted(ctx, session, accountOfSize(fillerName(index), size), free)).storageFree;
      }
      const full = await session.ok('GetInfo', {});
      checkEqual(full.storageFree, 0, 'GetInfo storageFree of a full key');
      await session.ok('AccountList', { includeHidden: true });
      await session.ok('AccountGet', { id: probeAccount.id });
      const over = { name: ctx.name('storage-over') };
      const refused = await session.expectStatus('AccountCreate', over, 'STORAGE_FULL');
      checkEqual(JSON.stringify(refused.details), JSON.stringify({ needed: recordBytes(over), free: 0 }), 'STORAGE_FULL details');
      const grown = await session.expectStatus('AccountUpdate', { id: probeAccount.id, login: 'x'.repeat(11) }, 'STORAGE_FULL');
      checkEqual(JSON.stringify(grown.details), JSON.stringify({ needed: 1, free: 0 }), 'STORAGE_FULL details of an update that grows the record by 1 byte');
      const shrunk = await session.ok('AccountUpdate', { id: probeAccount.id, login: 'x'.repeat(9) });
      checkEqual(shrunk.storageFree, 1, 'storageFree after shrinking the record by 1 byte');
      const stillRefused = await session.expectStatus('AccountCreate', over, 'STORAGE_FULL');
      checkEqual(JSON.stringify(stillRefused.details), JSON.stringify({ needed: recordBytes(over), free: 1 }), 'STORAGE_FULL details with 1 byte free');
      checkEqual((await session.ok('GetInfo', {})).accountCount, full.accountCount, 'accountCount after the refused changes');
    },
  }),
];
