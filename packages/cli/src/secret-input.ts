/**
 * Reading OTP secrets without them touching logs, errors or (unless explicitly asked) argv: standard input, a
 * hidden prompt, an otpauth:// URI from stdin or a file, or a QR code screenshot. Errors name the field and the
 * position, never a character of the secret.
 */
import { readFile } from 'node:fs/promises';
import { Limits, OtpauthError, type OtpauthParameters, decodeBase32, parseOtpauthUri } from '@hkey/protocol';
import { CliError } from './cli-error.js';
import type { Output } from './output.js';
import { readStdin } from './stdin.js';
import { canPrompt, promptHidden } from './terminal.js';

/** What the user supplied: a bare secret, whose OTP parameters come from flags, or a whole otpauth URI. */
export type SuppliedSecret = { readonly kind: 'base32'; readonly secret: Uint8Array } | { readonly kind: 'uri'; readonly uri: OtpauthParameters };

export interface SecretSourceOptions {
  secretStdin?: boolean;
  secretArgv?: string;
  uriStdin?: boolean;
  uriFile?: string;
  qr?: string;
}

const OTPAUTH = /^otpauth:/i;

/** A base32 secret (docs/protocol.md §7.3) of 10..64 bytes; `what` names it in errors ("The OTP secret"). */
export function parseBase32Secret(text: string, what = 'The OTP secret'): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError('BASE32_EMPTY', `${what} is empty: give the base32 secret the server showed.`);
  let secret: Uint8Array;
  try {
    secret = decodeBase32(trimmed);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'BASE32_INVALID';
    throw new CliError(code, `${what} is not valid base32: ${(error as Error).message.replace(/^Base32 text /, 'it ')}`);
  }
  if (secret.length < Limits.secretMinBytes || secret.length > Limits.secretMaxBytes) {
    throw new CliError(
      'OTP_SECRET_LENGTH',
      `${what} is ${secret.length} bytes; an OTP secret must be ${Limits.secretMinBytes} to ${Limits.secretMaxBytes} bytes (16 to 103 base32 characters).`,
    );
  }
  return secret;
}

/** An otpauth:// URI (docs/protocol.md §7.4), strictly: unknown parameters are errors naming the parameter. */
export function parseUri(text: string, what = 'The otpauth URI'): OtpauthParameters {
  try {
    return parseOtpauthUri(text.trim());
  } catch (error) {
    if (!(error instanceof OtpauthError)) throw error;
    throw new CliError(error.code, `${what} is invalid at its ${error.field}: ${error.message}`);
  }
}

/** A secret text that may be either form, as typed at a prompt or held by a QR code. */
function parseEither(text: string, what: string): SuppliedSecret {
  return OTPAUTH.test(text.trim()) ? { kind: 'uri', uri: parseUri(text, what) } : { kind: 'base32', secret: parseBase32Secret(text, what) };
}

export function hasSecretSource(options: SecretSourceOptions): boolean {
  return sourceCount(options) > 0;
}

function sourceCount(options: SecretSourceOptions): number {
  return [options.secretStdin, options.secretArgv !== undefined, options.uriStdin, options.uriFile !== undefined, options.qr !== undefined].filter(Boolean)
    .length;
}

/**
 * The OTP secret from the one source the options name; with none, a hidden prompt when `prompt` is set and a
 * person is at the terminal, otherwise undefined.
 */
export async function readSecret(options: SecretSourceOptions, output: Output, prompt: boolean): Promise<SuppliedSecret | undefined> {
  if (sourceCount(options) > 1) {
    throw new CliError('USAGE_SECRET_SOURCES', 'Give the OTP secret one way only: --secret-stdin, --uri-stdin, --uri-file, --qr or --secret-argv.');
  }
  if (options.secretStdin) return { kind: 'base32', secret: parseBase32Secret(await readStdin('the base32 secret')) };
  if (options.secretArgv !== undefined) {
    output.warn('a secret on the command line is visible to other users (ps) and stays in your shell history; prefer --secret-stdin or the prompt.');
    return { kind: 'base32', secret: parseBase32Secret(options.secretArgv) };
  }
  if (options.uriStdin) return { kind: 'uri', uri: parseUri(await readStdin('the otpauth:// URI')) };
  if (options.uriFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.uriFile, 'utf8');
    } catch {
      throw new CliError('USAGE_URI_FILE', `Cannot read ${options.uriFile}: check the path and its permissions.`);
    }
    return { kind: 'uri', uri: parseUri(text, `The otpauth URI in ${options.uriFile}`) };
  }
  if (options.qr !== undefined) {
    const text = await (await import('./qr-image.js')).readQrCode(options.qr);
    if (!OTPAUTH.test(text.trim()) && !/^[A-Za-z2-7 =-]+$/.test(text.trim())) {
      throw new CliError('QR_CONTENT', `The QR code in ${options.qr} holds neither an otpauth:// URI nor a base32 secret: scan the server's enrollment code.`);
    }
    return parseEither(text, `The QR code in ${options.qr}`);
  }
  if (prompt && canPrompt()) return parseEither(await promptHidden('OTP secret (base32 or otpauth:// URI; input hidden): '), 'The OTP secret');
  return undefined;
}
