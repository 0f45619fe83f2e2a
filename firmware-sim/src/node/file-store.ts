/**
 * A crash-safe state file (docs/protocol.md §8.4): versioned envelope with a SHA-256 checksum, optional
 * encryption at rest (scrypt + AES-256-GCM), written to a temp file, fsynced, renamed over the old file and
 * the directory fsynced. A damaged or unknown file is refused with a clear message, never silently reset.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { StateFileError, stateFromJson, stateToJson } from '../core/state-codec.js';
import type { DeviceState } from '../core/state.js';
import type { StateStore } from '../core/store.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export const STATE_FORMAT = 'hkey-state';
export const STATE_VERSION = 1;
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

interface Encryption {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
}

interface Envelope {
  format: typeof STATE_FORMAT;
  version: number;
  checksum: string;
  encryption: Encryption | null;
  /** The state as JSON text, or base64 ciphertext of it when encrypted. */
  payload: string;
}

function fail(code: string, path: string, problem: string): StateFileError {
  return new StateFileError(code, `The state file ${path} ${problem}; fix it, or start with --reset-state to discard it.`);
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export interface FileStoreOptions {
  /** Encrypts the file at rest; required to open an encrypted file. */
  readonly passphrase?: string;
}

export class FileStore implements StateStore {
  private key: { salt: Buffer; key: Buffer } | undefined;
  private temps = 0;

  constructor(
    readonly path: string,
    private readonly options: FileStoreOptions = {},
  ) {}

  async load(): Promise<DeviceState | undefined> {
    await this.removeStaleTemps();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fail('STATE_UNREADABLE', this.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const envelope = this.parseEnvelope(text);
    const payload = envelope.encryption ? await this.decrypt(envelope.encryption, envelope.payload) : envelope.payload;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw fail('STATE_CORRUPT', this.path, 'holds a payload that is not valid JSON');
    }
    return stateFromJson(json);
  }

  async save(state: DeviceState): Promise<void> {
    const bytes = await this.serialise(state);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = this.tempPath();
    await writeDurably(temp, bytes);
    await rename(temp, this.path);
    await syncDirectory(dirname(this.path));
  }

  /** A power cut in the middle of writing: half of the new file lands in the temp file, nothing is renamed. */
  async saveTorn(state: DeviceState): Promise<void> {
    const bytes = await this.serialise(state);
    await writeDurably(this.tempPath(), bytes.subarray(0, Math.floor(bytes.length / 2)));
  }

  private tempPath(): string {
    return join(dirname(this.path), `.${basename(this.path)}.tmp-${process.pid}-${++this.temps}`);
  }

  private async removeStaleTemps(): Promise<void> {
    const prefix = `.${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = await readdir(dirname(this.path));
    } catch {
      return;
    }
    await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(join(dirname(this.path), name), { force: true })));
  }

  private parseEnvelope(text: string): Envelope {
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(text) as Partial<Envelope>;
    } catch {
      throw fail('STATE_CORRUPT', this.path, 'is not valid JSON (damaged or not a state file)');
    }
    if (typeof envelope !== 'object' || envelope === null || envelope.format !== STATE_FORMAT) {
      throw fail('STATE_UNKNOWN_FORMAT', this.path, `is not an ${STATE_FORMAT} file`);
    }
    if (envelope.version !== STATE_VERSION) {
      throw fail('STATE_UNSUPPORTED_VERSION', this.path, `has format version ${String(envelope.version)}, and this hkey reads version ${STATE_VERSION}`);
    }
    if (typeof envelope.payload !== 'string' || typeof envelope.checksum !== 'string') throw fail('STATE_CORRUPT', this.path, 'lacks its payload or checksum');
    if (sha256(envelope.payload) !== envelope.checksum) throw fail('STATE_CORRUPT', this.path, 'fails its checksum (damaged)');
    return envelope as Envelope;
  }

  private async derive(salt: Buffer): Promise<Buffer> {
    if (this.options.passphrase === undefined) throw fail('STATE_PASSPHRASE_REQUIRED', this.path, 'is encrypted and needs its passphrase');
    if (this.key && this.key.salt.equals(salt)) return this.key.key;
    const key = await scryptAsync(this.options.passphrase, salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
    this.key = { salt, key };
    return key;
  }

  private async decrypt(encryption: Encryption, payload: string): Promise<string> {
    // The checksum covers the payload only, so the encryption fields are checked here, before Buffer.from meets them.
    const fields = [encryption.salt, encryption.iv, encryption.tag];
    if (encryption.kdf !== 'scrypt' || encryption.cipher !== 'aes-256-gcm' || encryption.N !== SCRYPT.N || encryption.r !== SCRYPT.r || encryption.p !== SCRYPT.p || fields.some((field) => typeof field !== 'string')) {
      throw fail('STATE_UNKNOWN_FORMAT', this.path, 'uses an unknown encryption');
    }
    const key = await this.derive(Buffer.from(encryption.salt, 'base64'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(encryption.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(encryption.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(payload, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw fail('STATE_WRONG_PASSPHRASE', this.path, 'cannot be decrypted: the passphrase is wrong or the file was altered');
    }
  }

  private async serialise(state: DeviceState): Promise<Buffer> {
    let payload = JSON.stringify(stateToJson(state));
    let encryption: Encryption | null = null;
    if (this.options.passphrase !== undefined) {
      const salt = this.key?.salt ?? randomBytes(16);
      const key = await this.derive(salt);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
      encryption = { kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), cipher: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
      payload = ciphertext.toString('base64');
    }
    const envelope: Envelope = { format: STATE_FORMAT, version: STATE_VERSION, checksum: sha256(payload), encryption, payload };
    return Buffer.from(`${JSON.stringify(envelope, null, 1)}\n`, 'utf8');
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
