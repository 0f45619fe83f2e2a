/**
 * The issuer's signing key (docs/design/sealed-provisioning.md "Issuer"): a P-256 key kept as PKCS#8 encrypted
 * under a passphrase with the state files' envelope parameters (scrypt N = 2^17, r = 8, p = 1, AES-256-GCM, the
 * header as associated data), written owner-only and never replaced; its public key goes beside it as a PEM
 * SubjectPublicKeyInfo (FILE.pub) for the keys' enrollment and for verifying receipts.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { PASSPHRASE_SCRYPT, passphraseKey } from '@hkey/firmware-sim/node';
import { type RawKeyPair, fromBase64Url, p256KeyPair, toBase64Url } from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import { canPrompt, promptHidden } from '../terminal.js';

const FORMAT = 'hkey-issuer-key';
const SCRYPT = PASSPHRASE_SCRYPT;
const PASSPHRASE_ENV = 'HKEY_ISSUER_PASSPHRASE';
const MIN_PASSPHRASE = 8;

interface Envelope {
  format: typeof FORMAT;
  version: 1;
  publicKey: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  payload: string;
}

function associatedData(envelope: Omit<Envelope, 'tag' | 'payload'>): Buffer {
  const { format, version, publicKey, kdf, N, r, p, salt, cipher, iv } = envelope;
  return Buffer.from(JSON.stringify([format, version, publicKey, kdf, N, r, p, salt, cipher, iv]));
}

/** The issuer passphrase from HKEY_ISSUER_PASSPHRASE, else a hidden prompt (twice when it is a new one). */
export async function issuerPassphrase(fresh: boolean): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  let passphrase: string;
  if (fromEnv) passphrase = fromEnv;
  else if (!canPrompt()) throw new CliError('USAGE_ISSUER_PASSPHRASE', `The issuer key's passphrase is needed: set ${PASSPHRASE_ENV} or run in a terminal.`);
  else {
    passphrase = await promptHidden('Issuer key passphrase (hidden): ');
    if (fresh && (await promptHidden('Repeat the passphrase: ')) !== passphrase) {
      throw new CliError('USAGE_ISSUER_PASSPHRASE', 'The two passphrases differ; run the command again.');
    }
  }
  if (fresh && passphrase.length < MIN_PASSPHRASE) {
    throw new CliError('USAGE_ISSUER_PASSPHRASE', `The issuer key's passphrase must be at least ${MIN_PASSPHRASE} characters long.`);
  }
  return passphrase;
}

function keyObject(pair: RawKeyPair) {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  const { publicKey: point, privateKey } = pair;
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(privateKey), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) },
    format: 'jwk',
  });
}

export function publicKeyPem(publicKey: Uint8Array): string {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(publicKey.subarray(1, 33)), y: b64(publicKey.subarray(33)) }, format: 'jwk' });
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** Writes a file that must not exist yet, owner-only, durably. */
async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', mode);
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CliError(
      exists ? 'USAGE_ISSUER_EXISTS' : 'ISSUER_KEY_UNWRITABLE',
      exists ? `${path} exists already: an issuer key is never overwritten; choose another --out.` : `Cannot create ${path}: check the directory.`,
    );
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const publicKeyPath = (keyPath: string): string => `${keyPath.replace(/\.key$/, '')}.pub`;

/** Makes a new issuer key at `path` (0600) and its public key beside it; returns the public key. */
export async function createIssuerKey(path: string, passphrase: string): Promise<{ publicKey: Uint8Array; publicPath: string }> {
  const pair = await p256KeyPair();
  const pkcs8 = keyObject(pair).export({ format: 'der', type: 'pkcs8' });
  pair.privateKey.fill(0);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header = {
    format: FORMAT,
    version: 1,
    publicKey: toBase64Url(pair.publicKey),
    kdf: 'scrypt',
    ...SCRYPT,
    salt: salt.toString('base64'),
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
  } as const;
  const key = await passphraseKey(passphrase, salt);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(associatedData(header));
  const payload = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  pkcs8.fill(0);
  key.fill(0);
  const envelope: Envelope = { ...header, tag: cipher.getAuthTag().toString('base64'), payload: payload.toString('base64') };
  const publicPath = publicKeyPath(path);
  await writeNew(path, `${JSON.stringify(envelope, null, 1)}\n`, 0o600);
  await writeNew(publicPath, publicKeyPem(pair.publicKey), 0o644);
  return { publicKey: pair.publicKey, publicPath };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new CliError('USAGE_ISSUER_FILE', `Cannot read the ${what} ${path}: check the path and its permissions.`);
  }
}

function parseEnvelope(text: string, path: string): Envelope {
  const invalid = new CliError('USAGE_ISSUER_FILE', `${path} is not an issuer key made by \`hkey issuer init\`.`);
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(text) as Partial<Envelope>;
  } catch {
    throw invalid;
  }
  const strings = [envelope.publicKey, envelope.salt, envelope.iv, envelope.tag, envelope.payload];
  if (
    envelope.format !== FORMAT ||
    envelope.version !== 1 ||
    envelope.kdf !== 'scrypt' ||
    envelope.cipher !== 'aes-256-gcm' ||
    envelope.N !== SCRYPT.N ||
    envelope.r !== SCRYPT.r ||
    envelope.p !== SCRYPT.p ||
    strings.some((value) => typeof value !== 'string')
  ) {
    throw invalid;
  }
  return envelope as Envelope;
}

function pointOf(spkiKey: ReturnType<typeof createPublicKey>): Uint8Array | undefined {
  const jwk = spkiKey.export({ format: 'jwk' }) as { crv?: string; x?: string; y?: string };
  if (jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined) return undefined;
  return new Uint8Array(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]));
}

/** The issuer's public key from its .pub (PEM) or from its key file (whose header carries it in clear). */
export async function readIssuerPublicKey(path: string): Promise<Uint8Array> {
  const text = await readText(path, 'issuer key');
  if (text.trimStart().startsWith('{')) {
    const point = fromBase64Url(parseEnvelope(text, path).publicKey);
    if (point?.length === 65) return point;
  } else {
    try {
      const point = pointOf(createPublicKey(text));
      if (point !== undefined) return point;
    } catch {
      // Reported below.
    }
  }
  throw new CliError('USAGE_ISSUER_FILE', `${path} is not an issuer public key (a P-256 PEM public key, as \`hkey issuer init\` writes).`);
}

/** The issuer's key pair from its encrypted key file. */
export async function readIssuerKey(path: string, passphrase: string): Promise<RawKeyPair> {
  const envelope = parseEnvelope(await readText(path, 'issuer key'), path);
  const key = await passphraseKey(passphrase, Buffer.from(envelope.salt, 'base64'));
  let pkcs8: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(associatedData(envelope));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    pkcs8 = Buffer.concat([decipher.update(Buffer.from(envelope.payload, 'base64')), decipher.final()]);
  } catch {
    throw new CliError('ISSUER_WRONG_PASSPHRASE', `${path} cannot be decrypted: the passphrase is wrong or the file was altered.`);
  } finally {
    key.fill(0);
  }
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as { d?: string };
  pkcs8.fill(0);
  const pair = await p256KeyPair(new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url')));
  const stated = fromBase64Url(envelope.publicKey);
  if (stated === undefined || Buffer.compare(Buffer.from(stated), Buffer.from(pair.publicKey)) !== 0) {
    throw new CliError('USAGE_ISSUER_FILE', `${path} is damaged: its public key is not its private key's.`);
  }
  return pair;
}
