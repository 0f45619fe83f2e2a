import { chmod, lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { initialState } from '@hkey/firmware-sim';
import { FileStore, writeFileAtomically, writeTempFile } from '@hkey/firmware-sim/node';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hkey-atomic-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('atomic writes: a random temp name, created exclusively with mode 0600', () => {
  test('a world-writable file planted at the old predictable temp name does not become the state file', async () => {
    const path = join(directory, 'key.json');
    // The name the previous FileStore used for its first write in this process.
    const planted = join(directory, `.key.json.tmp-${process.pid}-1`);
    await writeFile(planted, 'planted');
    await chmod(planted, 0o666);
    const plantedInode = (await stat(planted)).ino;
    await new FileStore(path).save(initialState({ serial: 'HK-TEST-1', model: 'm', firmware: '1.0.0' }, 4096));
    const state = await stat(path);
    expect(state.ino).not.toBe(plantedInode);
    expect(state.mode & 0o777).toBe(0o600);
    expect(await readFile(planted, 'utf8')).toBe('planted');
    expect((await new FileStore(path).load())?.identity.serial).toBe('HK-TEST-1');
  });

  test('temp names are random and never reuse an existing name or follow a link', async () => {
    const path = join(directory, 'key.json');
    const first = await writeTempFile(path, new Uint8Array([1]));
    const second = await writeTempFile(path, new Uint8Array([2]));
    for (const temp of [first, second]) expect(temp.slice(directory.length + 1)).toMatch(/^\.key\.json\.tmp-[0-9a-f]{32}$/);
    expect(first).not.toBe(second);
    expect((await stat(first)).mode & 0o777).toBe(0o600);
    expect(await readFile(first)).toEqual(Buffer.from([1]));
    // A symbolic link planted where the state goes is replaced, not written through.
    const elsewhere = join(directory, 'elsewhere');
    await writeFile(elsewhere, 'untouched');
    await symlink(elsewhere, path);
    await writeFileAtomically(path, new TextEncoder().encode('new'));
    expect((await lstat(path)).isSymbolicLink()).toBe(false);
    expect(await readFile(elsewhere, 'utf8')).toBe('untouched');
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  test('an existing state file with a loose mode is replaced by one with mode 0600', async () => {
    const path = join(directory, 'key.json');
    await writeFile(path, 'old');
    await chmod(path, 0o644);
    await writeFileAtomically(path, new TextEncoder().encode('new'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(directory)).toEqual(['key.json']);
  });
});
