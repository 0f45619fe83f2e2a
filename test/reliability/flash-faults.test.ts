/**
 * Crash safety under the simulator's flash faults (docs/reliability.md, docs/protocol.md §5.5): many random schedules
 * of write errors, power cuts before and after the commit and short (torn) writes, each against a run of account
 * creations, HOTP codes, PIN attempts and deletions on a key whose state lives in a FileStore. After every
 * schedule the state is read back from the file and checked by the ledger (crash/ledger.ts); after every power
 * cut the key restarts from the file, which must load, with no temporary file left behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type FlashFault, VirtualKey, seededRandom } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';
import { Ledger, encodeOp, planOps, refilled } from './crash/ledger.js';
import { fuzzSeed } from './fuzz/budget.js';

const SCHEDULES = Number(process.env.HKEY_FLASH_SCHEDULES ?? 500);
const FAULTS: readonly FlashFault[] = ['write-error', 'power-cut-before-commit', 'power-cut-after-commit', 'short-write'];
const PIN = '73915204';

describe('flash faults against a FileStore (docs/protocol.md §5.5)', () => {
  test(`${SCHEDULES} random fault schedules: acknowledged writes stay, nothing else changes, nothing is issued twice`, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hkey-flash-'));
    const path = join(directory, 'key.json');
    const random = seededRandom(fuzzSeed);
    const start = (): Promise<VirtualKey> => VirtualKey.start({ store: new FileStore(path), storageTotal: 1 << 20 });
    const counts = { faults: 0, cuts: 0, writeErrors: 0, refills: 0 };
    try {
      let key = await start();
      const ledger = new Ledger(PIN);
      ledger.begin(await new FileStore(path).load());
      const started = performance.now();
      for (let schedule = 0; schedule < SCHEDULES; schedule++) {
        const refill = refilled(key.state);
        if (refill) {
          counts.refills++;
          await key.restore(refill);
          ledger.begin(await new FileStore(path).load());
        }
        const ops = planOps(() => random.nextFloat(), key.state, PIN, `s${schedule}`, 3 + Math.floor(random.nextFloat() * 6));
        key.flashFaults.clear();
        const planned = 1 + Math.floor(random.nextFloat() * 3);
        for (let fault = 0; fault < planned; fault++)
          key.flashFaults.schedule(1 + Math.floor(random.nextFloat() * 10), FAULTS[Math.floor(random.nextFloat() * FAULTS.length)] as FlashFault);
        const session = key.openSession('virtual');
        const answers: (Uint8Array | undefined)[] = [];
        for (const op of ops) {
          const answer = await session.handle(encodeOp(op));
          answers.push(answer);
          if (answer === undefined) break;
          if (answer[0] === 0x62) counts.writeErrors++;
        }
        session.close();
        counts.faults += planned - key.flashFaults.pending;
        if (answers.at(-1) === undefined) {
          counts.cuts++;
          // The key restarted from storage by itself; a new process must load the same file, leaving no temp file.
          const recovered = key.state;
          key = await start();
          expect(key.state).toEqual(recovered);
          expect(await readdir(directory)).toEqual(['key.json']);
        }
        const loaded = await new FileStore(path).load();
        try {
          ledger.settle(ops, answers, loaded);
        } catch (error) {
          // The schedules are random: say how to repeat this one.
          throw new Error(`schedule ${schedule}, HKEY_FUZZ_SEED=${fuzzSeed} repeats it: ${(error as Error).message}`, { cause: error });
        }
        expect(key.state).toEqual(loaded);
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `flash faults: ${SCHEDULES} schedules, ${counts.faults} faults hit ` +
          `(${counts.cuts} power cuts, ${counts.writeErrors} write errors answered STORAGE_FAILURE), ` +
          `${ledger.checks} state checks (${ledger.interrupted} with a request in flight), ` +
          `${counts.refills} PIN refills in ${seconds.toFixed(1)} s; seed ${fuzzSeed}`,
      );
      expect(counts.cuts).toBeGreaterThan(SCHEDULES / 10);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 180_000);
});
