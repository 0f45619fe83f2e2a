/**
 * `hkey enroll`: a fresh 160-bit OTP secret made on this computer, written to the key and verified, then shown
 * once as an otpauth:// URI and QR code to register on the server. This is the only place hkey prints a secret,
 * by design: the user needs it exactly once, and it is kept nowhere else.
 */
import { type OtpauthParameters, formatOtpauthUri } from '@hkey/protocol';
import { checkRequest, optionForField } from '../account-fields.js';
import { CliError } from '../cli-error.js';
import { withKey } from '../connect.js';
import { resolveOtp } from '../otp-credential.js';
import { DEFAULT_SECRET_BYTES, generateSecret } from '../otp-secret.js';
import type { RunContext } from '../context.js';
import { createVerifiedAccount } from '../verified-write.js';

export interface EnrollOptions {
  issuer: string;
  account: string;
  name?: string;
  totp?: boolean;
  hotp?: boolean;
  algorithm?: string;
  digits?: number;
  period?: number;
}

export async function enroll(context: RunContext, options: EnrollOptions): Promise<void> {
  const { output, globals } = context;
  if (output.options.quiet && !output.options.json) {
    throw new CliError('USAGE_QUIET', '--quiet would hide the only copy of the new secret: drop --quiet, or use --json.');
  }
  const secret = generateSecret(DEFAULT_SECRET_BYTES);
  try {
    const otp = resolveOtp(
      { kind: 'base32', secret },
      { type: options.hotp ? 'hotp' : 'totp', algorithm: options.algorithm, digits: options.digits, period: options.period },
    );
    const parameters: OtpauthParameters =
      otp.kind === 'TOTP'
        ? { type: 'totp', accountName: options.account, issuer: options.issuer, secret, algorithm: otp.algorithm, digits: otp.digits, period: otp.period }
        : { type: 'hotp', accountName: options.account, issuer: options.issuer, secret, algorithm: otp.algorithm, digits: otp.digits, counter: otp.counter };
    let uri: string;
    try {
      uri = formatOtpauthUri(parameters);
    } catch (error) {
      // Only the issuer and account can be wrong here (the secret and parameters are ours); name the option.
      const field = (error as { field?: string }).field === 'issuer' ? '--issuer' : '--account';
      throw new CliError(
        'USAGE_LABEL',
        `${field} cannot be used in an otpauth URI: use printable text without leading or trailing spaces (and no ':' in --account).`,
      );
    }
    const name = options.name ?? `${options.issuer}:${options.account}`;
    const request = { name, login: options.account, otp };
    checkRequest('AccountCreate', request, (field) =>
      field === 'name' && options.name === undefined ? 'The default name ISSUER:ACCOUNT (give a shorter one with --name)' : optionForField(field),
    );
    const written = await withKey(context, async (key) => ({
      serial: key.info.serial,
      ...(await createVerifiedAccount(key.client, request, globals.timeout)),
    }));

    const result = {
      serial: written.serial,
      id: written.id,
      name,
      issuer: options.issuer,
      account: options.account,
      type: parameters.type,
      algorithm: otp.algorithm,
      digits: otp.digits,
      uri,
    };
    if (output.options.json) {
      output.result(result, () => uri);
      return;
    }
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(uri, { type: 'utf8', errorCorrectionLevel: 'M' });
    output.prompt(
      `Account ${name} created on key ${written.serial} (id ${written.id}) and verified.\n` +
        'Register it on the server now: scan the QR code or paste the URI. Both hold the secret and are shown only this once.',
    );
    output.result(result, () => `${qr}\n${uri}`);
  } finally {
    secret.fill(0);
  }
}
