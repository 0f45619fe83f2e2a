/**
 * Which version of a batch row the audit log saw: HMAC-SHA256 of the row's contents, secret included, under a
 * random key kept beside the log (LOG.key, mode 0600). A re-run can then tell a row it already wrote from the
 * same row edited since (a new secret, other parameters), while the log holds neither a secret nor a plain hash
 * of one, against which anyone who reads the log could test guesses.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';
import type { BatchRow } from './batch-file.js';

const KEY_BYTES = 32;

export const auditKeyPath = (logPath: string): string => `${logPath}.key`;

function parseKey(text: string, logPath: string): Buffer {
  const key = Buffer.from(text.trim(), 'hex');
  if (key.length !== KEY_BYTES)
    throw new CliError('BATCH_AUDIT_KEY', `${auditKeyPath(logPath)} is not the key of the audit log ${logPath}: restore it, or use a new --audit file.`);
  return key;
}

/** The key of the audit log at `logPath`, or undefined when it has none yet. */
export async function readAuditKey(logPath: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(auditKeyPath(logPath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('BATCH_AUDIT_KEY', `Cannot read ${auditKeyPath(logPath)}, the key of the audit log: check its permissions.`);
  }
  return parseKey(text, logPath);
}

/** The key of the audit log at `logPath`, made now (readable by its owner only) if it has none. */
export async function openAuditKey(logPath: string): Promise<Buffer> {
  const key = randomBytes(KEY_BYTES);
  try {
    // Exclusive create: a key another run made meanwhile, or a file planted there, is never overwritten.
    const handle = await open(auditKeyPath(logPath), 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new CliError('BATCH_AUDIT_KEY', `Cannot create ${auditKeyPath(logPath)}, the key of the audit log: check the directory and its permissions.`);
    return (await readAuditKey(logPath)) ?? parseKey('', logPath);
  }
}

/** The row's fingerprint under `key`: every field the row writes, in a fixed order, then its secret. */
export function rowFingerprint(key: Buffer, { serial, request }: BatchRow): string {
  const { otp } = request;
  const parameters = otp.kind === 'TOTP' ? [otp.kind, otp.algorithm, otp.digits, otp.period] : [otp.kind, otp.algorithm, otp.digits, String(otp.counter)];
  const fields = JSON.stringify([serial ?? null, request.name, request.login ?? null, request.urls ?? [], request.apps ?? [], request.flags ?? 0, parameters]);
  // JSON text never holds a raw NUL, so the separator keeps fields and secret apart unambiguously.
  const hmac = createHmac('sha256', key).update(fields).update('\u0000').update(otp.secret);
  // A password joins only when the row has one, so rows of earlier versions keep their fingerprints.
  if (request.password !== undefined) hmac.update('\u0000password\u0000').update(request.password);
  return hmac.digest('hex');
}
