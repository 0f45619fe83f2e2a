/**
 * A crash-safe state file (docs/protocol.md §8.4): versioned envelope with a SHA-256 checksum, optional
 * encryption at rest (scrypt + AES-256-GCM with the envelope header as associated data), replaced atomically
 * (atomic-write.ts). A damaged or unknown file is refused with a clear message, never silently reset.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateFileError, stateFromJson, stateToJson } from '../core/state-codec.js';
import type { DeviceState } from '../core/state.js';
import type { StateStore } from '../core/store.js';
import { removeStaleTempFiles, writeFileAtomically, writeTempFile } from './atomic-write.js';
import { PASSPHRASE_SCRYPT, passphraseKey } from './passphrase-key.js';

export const STATE_FORMAT = 'hkey-state';
/** Version 2 binds the header to the ciphertext; version 1 files are still read and become version 2 at the next save. */
export const STATE_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, STATE_VERSION];
const SCRYPT = PASSPHRASE_SCRYPT;
/** Costs a file may name: today's, and the 2^15 of files written before; the next save uses today's. */
const SCRYPT_COSTS: readonly number[] = [1 << 15, SCRYPT.N];
const TAG_BYTES = 16;

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

/** The header an encrypted file's tag covers (version 2 on): everything but the tag, checksum and payload. */
function associatedData(version: number, encryption: Omit<Encryption, 'tag'>): Buffer {
  const { kdf, N, r, p, salt, cipher, iv } = encryption;
  return Buffer.from(JSON.stringify([STATE_FORMAT, version, kdf, N, r, p, salt, cipher, iv]), 'utf8');
}

export class FileStore implements StateStore {
  /** The derived key of the last salt and cost seen: scrypt runs once per file and passphrase, not per write. */
  private key: { salt: Buffer; N: number; key: Buffer } | undefined;

  constructor(
    readonly path: string,
    private readonly options: FileStoreOptions = {},
  ) {}

  /** With a passphrase, a plaintext file is refused: encryptInPlace() is the explicit way to encrypt it. */
  async load(): Promise<DeviceState | undefined> {
    const read = await this.read();
    if (read?.encrypted === false && this.options.passphrase !== undefined) {
      throw new StateFileError(
        'STATE_NOT_ENCRYPTED',
        `The state file ${this.path} is not encrypted although a state passphrase (HKEY_STATE_PASSPHRASE) is set; ` +
          `encrypt it once with "hkey sim --state ${this.path} --encrypt-state", or unset the passphrase.`,
      );
    }
    return read?.state;
  }

  /**
   * Encrypts the file with the passphrase, in place and crash-safely like every save (the old file stays whole
   * until the rename); an encrypted file is rewritten with today's parameters. Returns whether it was plaintext.
   */
  async encryptInPlace(): Promise<boolean> {
    if (this.options.passphrase === undefined)
      throw new StateFileError('STATE_PASSPHRASE_REQUIRED', `Encrypting the state file ${this.path} needs a passphrase: set HKEY_STATE_PASSPHRASE.`);
    const read = await this.read();
    if (read === undefined) throw new StateFileError('STATE_NOT_FOUND', `There is no state file at ${this.path} to encrypt; check the path given to --state.`);
    await this.save(read.state);
    return !read.encrypted;
  }

  async save(state: DeviceState): Promise<void> {
    const bytes = await this.serialise(state);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.path, bytes);
  }

  /** A power cut in the middle of writing: half of the new file lands in the temp file, nothing is renamed. */
  async saveTorn(state: DeviceState): Promise<void> {
    const bytes = await this.serialise(state);
    await writeTempFile(this.path, bytes.subarray(0, Math.floor(bytes.length / 2)));
  }

  private async read(): Promise<{ state: DeviceState; encrypted: boolean } | undefined> {
    await removeStaleTempFiles(this.path);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fail('STATE_UNREADABLE', this.path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const envelope = this.parseEnvelope(text);
    const payload = envelope.encryption ? await this.decrypt(envelope.version, envelope.encryption, envelope.payload) : envelope.payload;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw fail('STATE_CORRUPT', this.path, 'holds a payload that is not valid JSON');
    }
    return { state: stateFromJson(json), encrypted: Boolean(envelope.encryption) };
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
    if (!READABLE_VERSIONS.includes(envelope.version as number)) {
      throw fail('STATE_UNSUPPORTED_VERSION', this.path, `has format version ${String(envelope.version)}, and this hkey reads versions up to ${STATE_VERSION}`);
    }
    if (typeof envelope.payload !== 'string' || typeof envelope.checksum !== 'string') throw fail('STATE_CORRUPT', this.path, 'lacks its payload or checksum');
    if (sha256(envelope.payload) !== envelope.checksum) throw fail('STATE_CORRUPT', this.path, 'fails its checksum (damaged)');
    return envelope as Envelope;
  }

  private async derive(salt: Buffer, N: number): Promise<Buffer> {
    if (this.options.passphrase === undefined) throw fail('STATE_PASSPHRASE_REQUIRED', this.path, 'is encrypted and needs its passphrase');
    if (this.key && this.key.N === N && this.key.salt.equals(salt)) return this.key.key;
    const key = await passphraseKey(this.options.passphrase, salt, N);
    this.key = { salt, N, key };
    return key;
  }

  private async decrypt(version: number, encryption: Encryption, payload: string): Promise<string> {
    // The checksum covers the payload only, so the encryption fields are checked here, before Buffer.from meets them.
    const fields = [encryption.salt, encryption.iv, encryption.tag];
    if (
      encryption.kdf !== 'scrypt' ||
      encryption.cipher !== 'aes-256-gcm' ||
      !SCRYPT_COSTS.includes(encryption.N) ||
      encryption.r !== SCRYPT.r ||
      encryption.p !== SCRYPT.p ||
      fields.some((field) => typeof field !== 'string')
    ) {
      throw fail('STATE_UNKNOWN_FORMAT', this.path, 'uses an unknown encryption');
    }
    const key = await this.derive(Buffer.from(encryption.salt, 'base64'), encryption.N);
    try {
      // A fixed tag length: GCM would otherwise accept a tag cut to 4 bytes, which is far easier to forge.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(encryption.iv, 'base64'), { authTagLength: TAG_BYTES });
      if (version >= 2) decipher.setAAD(associatedData(version, encryption));
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
      // Keep the salt (and so the derived key) of a file at today's cost; a file at an older cost gets a new salt.
      const salt = this.key?.N === SCRYPT.N ? this.key.salt : randomBytes(16);
      const key = await this.derive(salt, SCRYPT.N);
      const iv = randomBytes(12);
      const header = { kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), cipher: 'aes-256-gcm', iv: iv.toString('base64') } as const;
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(STATE_VERSION, header));
      const ciphertext = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
      encryption = { ...header, tag: cipher.getAuthTag().toString('base64') };
      payload = ciphertext.toString('base64');
    }
    const envelope: Envelope = { format: STATE_FORMAT, version: STATE_VERSION, checksum: sha256(payload), encryption, payload };
    return Buffer.from(`${JSON.stringify(envelope, null, 1)}\n`, 'utf8');
  }
}
