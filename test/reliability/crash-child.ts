/**
 * The process crash-kill.test.ts kills (docs/reliability.md): a VirtualKey whose state lives in a FileStore, serving
 * requests strictly in order, one hex line in on stdin, one hex line out on stdout ("-" when the key gave no
 * answer): HKP requests, or CTAP requests (command byte and CBOR) after a "c". It prints "ready" once the state is
 * loaded. Run by hand with:
 *
 *   node --import tsx test/reliability/crash-child.ts /tmp/key.json
 *
 * (The test runs an esbuild bundle of this file instead: tsx costs about a second per start, the bundle a tenth.)
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { VirtualKey, autoApprove } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';

/** Written straight to the pipe: an answer the parent can read is one the key gave after its write was durable. */
function answer(line: string): void {
  writeSync(1, `${line}\n`);
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: crash-child.ts STATE_FILE');
  const key = await VirtualKey.start({ store: new FileStore(path), storageTotal: 1 << 20, presence: autoApprove });
  const session = key.openSession('virtual');
  let queue = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    queue = queue.then(async () => {
      const response = line.startsWith('c') ? await session.ctap(Buffer.from(line.slice(1), 'hex')) : await session.handle(Buffer.from(line, 'hex'));
      answer(response === undefined ? '-' : Buffer.from(response).toString('hex'));
    });
  });
  answer('ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
