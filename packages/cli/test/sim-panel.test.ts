/** `hkey sim --interactive` in a real terminal (tmux): the live panel shows the button wait and a key stroke presses it. */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { KeyClient, UdpTransportKind } from '@hkey/bridge';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SESSION = `hkey-panel-${process.pid}`;
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

const screen = (): string => execFileSync('tmux', ['capture-pane', '-p', '-t', SESSION], { encoding: 'utf8' });

async function waitForScreen(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterAll(() => {
  if (hasTmux) execFileSync('tmux', ['kill-session', '-t', SESSION], { stdio: 'ignore' });
});

describe.skipIf(!hasTmux)('hkey sim --interactive (needs tmux)', () => {
  test('shows the waiting button and presses it on "p"; quits on "q"', async () => {
    const udp = await freeUdpPort();
    const control = await freeTcpPort();
    const command = `node --import tsx packages/cli/src/bin.ts sim --interactive --udp ${udp} --ble-port 0 --control-port ${control}; echo EXITED=$?; sleep 30`;
    execFileSync('tmux', ['new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', '-c', ROOT, command]);
    await waitForScreen(/hkey sim: interactive/);

    const address = `udp://127.0.0.1:${udp}`;
    const transport = await new UdpTransportKind({ addresses: [address] }).open(address);
    const client = new KeyClient(transport);
    try {
      const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
      const password = client.getPassword(id);
      await waitForScreen(/press requested: GetPassword mail/);
      execFileSync('tmux', ['send-keys', '-t', SESSION, 'p']);
      expect((await password).password).toBe('pw');
      await waitForScreen(/GetPassword -> OK/);
    } finally {
      await transport.close();
    }
    execFileSync('tmux', ['send-keys', '-t', SESSION, 'q']);
    await waitForScreen(/EXITED=0/);
  }, 40_000);
});
