import { constants, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/provision/audit-log.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The open flags (Linux /proc/self/fdinfo) of this process's descriptor for `path`. */
function openFlags(path: string): number {
  const fd = readdirSync('/proc/self/fd').find((entry) => {
    try {
      return readlinkSync(`/proc/self/fd/${entry}`) === path;
    } catch {
      return false;
    }
  });
  expect(fd).toBeDefined();
  const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
  return Number.parseInt(flags ?? '', 8);
}

describe.runIf(process.platform === 'linux')('audit log durability', () => {
  it('appends with synchronous writes, so every line is on disk when its append resolves', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hkey-audit-'));
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    try {
      const flags = openFlags(path);
      expect(flags & constants.O_APPEND).toBe(constants.O_APPEND);
      // O_SYNC includes O_DSYNC's bit; both must be set.
      expect(flags & constants.O_SYNC).toBe(constants.O_SYNC);
      // Appends made together (parallel keys) each resolve only after their line is written.
      const lines = Array.from({ length: 20 }, (_, index) => `{"row":${index}}`);
      await Promise.all(lines.map((line) => log.appendLine(line)));
      expect((await readFile(path, 'utf8')).split('\n').filter(Boolean).sort()).toEqual([...lines].sort());
    } finally {
      await log.close();
    }
  });
});
