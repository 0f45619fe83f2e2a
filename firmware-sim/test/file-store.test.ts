import { createCipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { initialState, stateToJson, type DeviceState } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';

const secret = Uint8Array.from({ length: 20 }, (_, i) => 0x40 + i);

function sampleState(): DeviceState {
  return {
    ...initialState({ serial: 'HK-TEST-1', model: 'm', firmware: '1.0.0' }, 4096),
    accounts: [
      { id: 1, name: 'github', flags: 0, password: 'hunter22', otp: { secret, kind: 'HOTP', algorithm: 'SHA256', digits: 8, counter: 2n ** 63n + 5n } },
    ],
    pin: { salt: new Uint8Array(16).fill(1), hash: new Uint8Array(32).fill(2), maxRetries: 8, retries: 7 },
    lastId: 1,
  };
}

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'hkey-state-')), 'nested', 'key.json');
}

async function mkdirFor(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'no error';
}

describe('FileStore (docs/protocol.md §8.4)', () => {
  test('round-trips the state exactly, 64-bit counters and bytes included', async () => {
    const path = await tempFile();
    const store = new FileStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save(sampleState());
    expect(await new FileStore(path).load()).toEqual(sampleState());
  });

  test('a damaged, foreign or newer file is refused with a clear code, never reset', async () => {
    const path = await tempFile();
    await new FileStore(path).save(sampleState());
    const good = await readFile(path, 'utf8');
    const cases: [string, string][] = [
      [good.replace('"version": 2', '"version": 3'), 'STATE_UNSUPPORTED_VERSION'],
      [good.replace('hkey-state', 'other-thing'), 'STATE_UNKNOWN_FORMAT'],
      [good.slice(0, good.length / 2), 'STATE_CORRUPT'],
      [good.replace('github', 'gitHub'), 'STATE_CORRUPT'],
      ['', 'STATE_CORRUPT'],
    ];
    for (const [text, code] of cases) {
      await writeFile(path, text);
      const failure = new FileStore(path).load();
      expect(await codeOf(failure)).toBe(code);
      await failure.catch((error: Error) => expect(error.message).toMatch(/--reset-state/));
    }
  });

  test('a well-formed file with an impossible state names the field', async () => {
    const path = await tempFile();
    await new FileStore(path).save(sampleState());
    const envelope = JSON.parse(await readFile(path, 'utf8'));
    const payload = JSON.parse(envelope.payload);
    payload.pin.retries = 99;
    envelope.payload = JSON.stringify(payload);
    envelope.checksum = `sha256:${createHash('sha256').update(envelope.payload).digest('hex')}`;
    await writeFile(path, JSON.stringify(envelope));
    await expect(new FileStore(path).load()).rejects.toThrow(/pin\.retries/);
  });

  test('encryption at rest: no secret in the file, wrong or missing passphrase refused', async () => {
    const path = await tempFile();
    await new FileStore(path, { passphrase: 'correct horse' }).save(sampleState());
    const text = await readFile(path, 'utf8');
    for (const needle of ['hunter22', 'github', Buffer.from(secret).toString('base64')]) expect(text).not.toContain(needle);
    expect(await new FileStore(path, { passphrase: 'correct horse' }).load()).toEqual(sampleState());
    expect(await codeOf(new FileStore(path, { passphrase: 'wrong' }).load())).toBe('STATE_WRONG_PASSPHRASE');
    expect(await codeOf(new FileStore(path).load())).toBe('STATE_PASSPHRASE_REQUIRED');
  });

  test('the GCM tag must be whole: a file whose tag was cut to 4 bytes is refused', async () => {
    const path = await tempFile();
    await new FileStore(path, { passphrase: 'correct horse' }).save(sampleState());
    const envelope = JSON.parse(await readFile(path, 'utf8'));
    envelope.encryption.tag = Buffer.from(envelope.encryption.tag, 'base64').subarray(0, 4).toString('base64');
    await writeFile(path, JSON.stringify(envelope));
    expect(await codeOf(new FileStore(path, { passphrase: 'correct horse' }).load())).toBe('STATE_WRONG_PASSPHRASE');
  });

  test('the header is bound to the ciphertext: an edit that decodes to the same bytes, or a version downgrade, is refused', async () => {
    const path = await tempFile();
    await new FileStore(path, { passphrase: 'correct horse' }).save(sampleState());
    const good = JSON.parse(await readFile(path, 'utf8'));
    // Base64 decoding skips a stray character, so without associated data this edit would go unnoticed.
    const edits = [
      { ...good, encryption: { ...good.encryption, iv: `${good.encryption.iv.slice(0, 4)}!${good.encryption.iv.slice(4)}` } },
      { ...good, version: 1 },
    ];
    const store = new FileStore(path, { passphrase: 'correct horse' });
    for (const edited of edits) {
      await writeFile(path, JSON.stringify(edited));
      expect(await codeOf(store.load())).toBe('STATE_WRONG_PASSPHRASE');
    }
    await writeFile(path, JSON.stringify(good));
    expect(await store.load()).toEqual(sampleState());
  });

  test('a version 1 file encrypted with scrypt N = 2^15 still loads, and the next save rewrites it at N = 2^17 with a new salt', async () => {
    const path = await tempFile();
    // Written exactly as the previous FileStore did: version 1, N = 2^15, no associated data.
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const key = scryptSync('correct horse', salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const payload = Buffer.concat([cipher.update(JSON.stringify(stateToJson(sampleState())), 'utf8'), cipher.final()]).toString('base64');
    const encryption = {
      kdf: 'scrypt',
      N: 1 << 15,
      r: 8,
      p: 1,
      salt: salt.toString('base64'),
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
    const checksum = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    await mkdirFor(path);
    await writeFile(path, JSON.stringify({ format: 'hkey-state', version: 1, checksum, encryption, payload }));
    const store = new FileStore(path, { passphrase: 'correct horse' });
    expect(await store.load()).toEqual(sampleState());
    await store.save(sampleState());
    const rewritten = JSON.parse(await readFile(path, 'utf8'));
    expect([rewritten.version, rewritten.encryption.N]).toEqual([2, 1 << 17]);
    expect(rewritten.encryption.salt).not.toBe(encryption.salt);
    expect(await new FileStore(path, { passphrase: 'correct horse' }).load()).toEqual(sampleState());
  });

  test('a plaintext version 1 file still loads', async () => {
    const path = await tempFile();
    await new FileStore(path).save(sampleState());
    await writeFile(path, (await readFile(path, 'utf8')).replace('"version": 2', '"version": 1'));
    expect(await new FileStore(path).load()).toEqual(sampleState());
  });

  test('with a passphrase, a plaintext file is refused with the way to encrypt it, never read', async () => {
    const path = await tempFile();
    await new FileStore(path).save(sampleState());
    const failure = new FileStore(path, { passphrase: 'correct horse' }).load();
    expect(await codeOf(failure)).toBe('STATE_NOT_ENCRYPTED');
    await failure.catch((error: Error) => {
      expect(error.message).toContain(`hkey sim --state ${path} --encrypt-state`);
      expect(error.message).not.toContain('correct horse');
    });
  });

  test('encryptInPlace encrypts a plaintext file by replacing it whole; a crash half-way leaves the plaintext file', async () => {
    const path = await tempFile();
    await new FileStore(path).save(sampleState());
    const before = await stat(path);
    const store = new FileStore(path, { passphrase: 'correct horse' });
    // A power cut during the migration: the new file is half written beside the old one, which stays whole.
    await store.saveTorn(sampleState());
    expect(await new FileStore(path).load()).toEqual(sampleState());
    expect(await store.encryptInPlace()).toBe(true);
    const after = await stat(path);
    expect(after.ino).not.toBe(before.ino); // renamed over, not rewritten in place
    expect(after.mode & 0o777).toBe(0o600);
    expect(await readdir(join(path, '..'))).toEqual(['key.json']);
    const text = await readFile(path, 'utf8');
    for (const needle of ['hunter22', 'github']) expect(text).not.toContain(needle);
    expect(await new FileStore(path, { passphrase: 'correct horse' }).load()).toEqual(sampleState());
    expect(await store.encryptInPlace()).toBe(false);
    expect(await codeOf(new FileStore(path, { passphrase: 'wrong' }).encryptInPlace())).toBe('STATE_WRONG_PASSPHRASE');
    expect(await codeOf(new FileStore(`${path}.missing`, { passphrase: 'correct horse' }).encryptInPlace())).toBe('STATE_NOT_FOUND');
    expect(await codeOf(new FileStore(path).encryptInPlace())).toBe('STATE_PASSPHRASE_REQUIRED');
  });

  test('one store derives its key once, however often it saves and loads', async () => {
    const path = await tempFile();
    const store = new FileStore(path, { passphrase: 'correct horse' });
    const started = performance.now();
    for (let lastId = 1; lastId <= 20; lastId++) {
      await store.save({ ...sampleState(), lastId });
      expect((await store.load())?.lastId).toBe(lastId);
    }
    // One scrypt at N = 2^17 takes 100-300 ms; forty would take many seconds.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('a torn write leaves the previous state loadable and its temp file is cleaned up', async () => {
    const path = await tempFile();
    const store = new FileStore(path);
    await store.save(sampleState());
    await store.saveTorn({ ...sampleState(), lastId: 9 });
    expect((await readdir(join(path, '..'))).length).toBe(2);
    expect((await new FileStore(path).load())?.lastId).toBe(1);
    expect(await readdir(join(path, '..'))).toEqual(['key.json']);
  });
});

describe('a key on a state file survives power cuts', () => {
  test('acknowledged writes are present and no HOTP code repeats after every kind of cut', async () => {
    const { VirtualKey, ManualClock } = await import('@hkey/firmware-sim');
    const { decodeResponse, encodeRequest } = await import('@hkey/protocol');
    const path = await tempFile();
    const start = async () => VirtualKey.start({ store: new FileStore(path), clock: new ManualClock(0) });
    let key = await start();
    const created = decodeResponse(
      'AccountCreate',
      (await key.openSession('virtual').handle(encodeRequest('AccountCreate', { name: 'h', otp: { secret, kind: 'HOTP' } })))!,
    );
    expect(created.ok).toBe(true);
    const codes = new Set<string>();
    for (const fault of ['power-cut-before-commit', 'power-cut-after-commit', 'short-write', 'write-error', undefined] as const) {
      if (fault) key.flashFaults.schedule(1, fault);
      const response = await key.openSession('virtual').handle(encodeRequest('GetOtp', { id: 1 }));
      if (response !== undefined && response[0] === 0) {
        const code = Buffer.from(response).toString('hex');
        expect(codes.has(code)).toBe(false);
        codes.add(code);
      }
      key = await start();
      expect(key.state.accounts.map((account) => account.name)).toEqual(['h']);
    }
    // before-commit, short-write and write-error issue nothing and keep the counter; after-commit skips one value.
    expect(key.state.accounts[0]?.otp?.counter).toBe(2n);
    expect(codes.size).toBe(1);
  });
});
