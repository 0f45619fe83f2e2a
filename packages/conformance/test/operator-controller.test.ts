/** The operator at a real key: told what to do with the button, asked to replug, never asked for a power cut. */
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { operatorController } from '@hkey/conformance';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return { input, output, printed: () => printed };
}

test('each button action is an instruction on the terminal', async () => {
  const { input, output, printed } = terminal();
  const operator = operatorController({ input, output });
  expect([...operator.capabilities].sort()).toEqual(['presence', 'restart']);
  await operator.prepare(undefined);
  await operator.answerPresence({ kind: 'press' });
  await operator.answerPresence({ kind: 'deny' });
  await operator.answerPresence({ kind: 'hold', ms: 10_000 });
  await operator.answerPresence({ kind: 'ignore' });
  expect(printed()).toMatch(
    /Touch the key's button now[\s\S]*Decline on the key now[\s\S]*Hold the key's button down now .*\(10 seconds\)[\s\S]*Do NOT touch the key/,
  );
});

test('a restart waits until the operator presses Enter', async () => {
  const { input, output, printed } = terminal();
  const operator = operatorController({ input, output });
  let restarted = false;
  const restart = operator.restart().then(() => (restarted = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(printed()).toMatch(/Unplug the key .* then press Enter/);
  expect(restarted).toBe(false);
  input.write('\n');
  await restart;
  expect(restarted).toBe(true);
});
