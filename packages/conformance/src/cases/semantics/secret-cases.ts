/**
 * Write-only secrets (§5.1, §6.4): no response may contain an OTP secret, in whole or in part, raw or spelled
 * as hex or base32, nor a password outside GetPassword. The case exercises every reading command and then
 * searches every response the key sent.
 */
import { AccountFlag, encodeBase32 } from '@hkey/protocol';
import { fail, toHex } from '../../checks.js';
import { defineCase } from '../../case.js';
import type { TranscriptEntry } from '../../session/hkp-session.js';
import { CaseFailure } from '../../failures.js';
import { createAccount } from '../support/accounts.js';

/** Five secret bytes in a row: long enough never to occur by chance in a few kilobytes of responses. */
const WINDOW = 5;

interface Secret {
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** Every WINDOW-byte piece of a secret, raw and as the text a careless firmware might print it in. */
function needles(secret: Secret): { readonly form: string; readonly bytes: Uint8Array }[] {
  const utf8 = new TextEncoder();
  const found: { form: string; bytes: Uint8Array }[] = [];
  for (let start = 0; start + WINDOW <= secret.bytes.length; start++) {
    const piece = secret.bytes.subarray(start, start + WINDOW);
    found.push({ form: `bytes ${start}..${start + WINDOW - 1}`, bytes: piece });
    found.push({ form: `bytes ${start}..${start + WINDOW - 1} as hex`, bytes: utf8.encode(toHex(piece, '')) });
    found.push({ form: `bytes ${start}..${start + WINDOW - 1} as upper-case hex`, bytes: utf8.encode(toHex(piece, '').toUpperCase()) });
  }
  // Base32 groups of 8 characters are 5 bytes; any aligned group of the secret's base32 spelling.
  const base32 = encodeBase32(secret.bytes);
  for (let start = 0; start + 8 <= base32.length; start += 8)
    found.push({ form: `base32 characters ${start}..${start + 7}`, bytes: utf8.encode(base32.slice(start, start + 8)) });
  return found;
}

function leak(responses: readonly TranscriptEntry[], secrets: readonly Secret[]): string | undefined {
  for (const secret of secrets) {
    for (const needle of needles(secret)) {
      for (const entry of responses) {
        const at = Buffer.from(entry.response).indexOf(Buffer.from(needle.bytes));
        if (at >= 0) return `the response to ${entry.request} holds ${needle.form} of ${secret.label} at byte ${at}`;
      }
    }
  }
  return undefined;
}

const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

export const secretCases = [
  defineCase({
    id: 'SEM-08',
    group: 'semantics',
    title: 'No command returns an OTP secret (whole, in part, as hex or base32) or a password outside GetPassword',
    spec: '§5.1, §6.4, §4.9',
    needs: ['unlocked'],
    async run(ctx) {
      const password = `pw-${toHex(random(8), '')}`;
      const secrets: Secret[] = [
        { label: 'the TOTP secret', bytes: random(20) },
        { label: 'the HOTP secret', bytes: random(32) },
        { label: 'the replacement secret', bytes: random(16) },
        { label: 'the password', bytes: new TextEncoder().encode(password) },
      ];
      const [totpSecret, hotpSecret, replacement] = secrets as [Secret, Secret, Secret];
      const exercise = async (): Promise<void> => {
        const session = await ctx.session();
        const totp = await createAccount(ctx, session, {
          name: ctx.name('secret-totp'),
          login: 'someone',
          password,
          otp: { secret: totpSecret.bytes, kind: 'TOTP' },
        });
        const hotp = await createAccount(ctx, session, {
          name: ctx.name('secret-hotp'),
          flags: AccountFlag.HIDDEN,
          otp: { secret: hotpSecret.bytes, kind: 'HOTP' },
        });
        await session.call('AccountGet', { id: totp.id });
        await session.call('AccountGet', { id: hotp.id });
        await session.call('AccountList', {});
        await session.call('AccountList', { includeHidden: true });
        await session.call('GetOtp', { id: totp.id });
        await session.call('GetOtp', { id: hotp.id });
        await session.call('GetInfo', {});
        await session.call('AccountUpdate', { id: totp.id, login: 'someone else' });
        await session.call('AccountCreate', { name: ctx.name('secret-totp'), password, otp: { secret: replacement.bytes, kind: 'TOTP' } });
        await session.call('AccountUpdate', { id: hotp.id, otp: { secret: replacement.bytes, kind: 'HOTP' } });
        await session.call('AccountGet', { id: hotp.id });
        await session.call('AccountList', { includeHidden: true });
      };
      let failure: unknown;
      try {
        await exercise();
      } catch (error) {
        if (!(error instanceof CaseFailure)) throw error;
        // A response the strict decoder refused may be exactly the leak: search before reporting the refusal.
        failure = error;
      }
      const found = leak(ctx.responses(), secrets);
      if (found !== undefined) fail('no secret in any response: OTP secrets are write-only, passwords leave only through GetPassword', found);
      if (failure !== undefined) throw failure;
    },
  }),
];
