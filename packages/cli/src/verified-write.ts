/**
 * Writes an account with an OTP credential and proves the key computes the codes the server will: the key makes
 * a code, the host computes it (otp-verify.ts: the protocol's engine, cross-checked by otplib), and they must
 * match. A failure after the (atomic) AccountCreate deletes the account again, so no unverified account stays.
 */
import { timingSafeEqual } from 'node:crypto';
import type { KeyClient } from '@hkey/bridge';
import { AccountFlag, type RequestOf, hotp } from '@hkey/protocol';
import { CliError, errorCode, errorMessage, exitCodeFor } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import type { ResolvedOtp } from './otp-credential.js';
import { verifyHotp, verifyTotp } from './otp-verify.js';

export type VerifiedAccountRequest = Omit<RequestOf<'AccountCreate'>, 'otp'> & { otp: ResolvedOtp };

/** A write that failed after the account was created; `rolledBack` tells whether it was deleted again. */
export class RolledBackError extends CliError {
  constructor(
    readonly reason: unknown,
    readonly rolledBack: boolean,
    accountId: number,
  ) {
    const code = rolledBack ? (errorCode(reason) ?? 'UNEXPECTED') : 'ROLLBACK_FAILED';
    const what = errorMessage(reason).replace(/\.$/, '');
    const after = rolledBack
      ? '; the new account was removed again.'
      : `, and removing the new account failed too: remove it with \`hkey accounts remove ${accountId}\`.`;
    super(code, `${what}${after}`, rolledBack ? exitCodeFor(reason) : ExitCode.VERIFICATION_FAILED);
  }
}

/** Flags that would stop the check or the rollback (a button press per code, no delete) are set only after it. */
const SET_AFTER_VERIFICATION = AccountFlag.READ_ONLY | AccountFlag.REQUIRES_TOUCH;

const sameCode = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function mismatch(name: string): CliError {
  return new CliError(
    'VERIFICATION_FAILED',
    `The key's code for ${name} differs from the one computed here: check the key's clock (\`hkey time sync\`) and the OTP parameters.`,
    ExitCode.VERIFICATION_FAILED,
  );
}

async function verify(client: KeyClient, id: number, request: VerifiedAccountRequest, timeoutMs: number): Promise<void> {
  const { otp } = request;
  const code = await client.getOtp(id, { timeoutMs });
  if (otp.kind === 'TOTP') {
    const result = verifyTotp({
      secret: otp.secret,
      token: code.code,
      time: Date.now() / 1000,
      window: 1,
      algorithm: otp.algorithm,
      digits: otp.digits,
      period: otp.period,
    });
    if (!result.valid) throw mismatch(request.name);
    return;
  }
  // The key used its stored counter and advanced it; it must be the one the server will expect first.
  if (code.counter === undefined || BigInt(code.counter) !== BigInt(otp.counter)) throw mismatch(request.name);
  const valid =
    typeof otp.counter === 'number'
      ? verifyHotp({ secret: otp.secret, token: code.code, counter: otp.counter, algorithm: otp.algorithm, digits: otp.digits }).valid
      : sameCode(hotp(otp.secret, otp.counter, { algorithm: otp.algorithm, digits: otp.digits }), code.code);
  if (!valid) throw mismatch(request.name);
}

/** Creates the account, verifies its OTP, and returns its id; throws RolledBackError when a created account had to go. */
export async function createVerifiedAccount(
  client: KeyClient,
  request: VerifiedAccountRequest,
  timeoutMs: number,
): Promise<{ id: number; storageFree: number }> {
  const flags = request.flags ?? 0;
  const flagsDuringCheck = flags & ~SET_AFTER_VERIFICATION;
  const created = await client.createAccount({ ...request, flags: flagsDuringCheck === 0 ? undefined : flagsDuringCheck }, { timeoutMs });
  try {
    await verify(client, created.id, request, timeoutMs);
    // Verifying an HOTP credential used its first code: write the counter back so the server's first code still works.
    const restore = request.otp.kind === 'HOTP' ? { otp: request.otp } : {};
    if (request.otp.kind === 'HOTP' || flags !== flagsDuringCheck) {
      const updated = await client.updateAccount({ id: created.id, ...restore, flags: flags === flagsDuringCheck ? undefined : flags }, { timeoutMs });
      return { id: created.id, storageFree: updated.storageFree };
    }
    return created;
  } catch (error) {
    let rolledBack = true;
    try {
      await client.deleteAccount(created.id, { timeoutMs });
    } catch {
      rolledBack = false;
    }
    throw new RolledBackError(error, rolledBack, created.id);
  }
}
