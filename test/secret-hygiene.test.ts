/**
 * Secret hygiene across the whole toolchain (docs/reliability.md): known secrets, PINs and passwords go through
 * the CLI, the simulator, the bridge and a recording; then every byte written to stdout, stderr, event streams,
 * warnings, fixtures, audit logs and the (encrypted) state file is searched for them in raw, hex, base32 and
 * base64 form. The only place a secret may appear is the answer it was asked for (GetPassword to its caller).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { KeyClient, WsTransportKind, startBridgeServer, udpSource } from '@hkey/bridge';
import { Recorder, VirtualKey, autoApprove } from '@hkey/firmware-sim';
import { encodeRequest, formatOtpauthUri } from '@hkey/protocol';
import { hkey, startSim, transcript, type Sim } from '../packages/cli/test/cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from '../packages/cli/test/secret-scan.js';

const PIN = '86420975';
const WRONG_PIN = '13572468';
const PASSWORD = 'Tr0ub4dor&3-hygiene';
const secrets = { cliTotp: freshSecret(), cliHotp: freshSecret(32), provisioned: freshSecret(), bridge: freshSecret(), recorded: freshSecret() };

let dir: string;
let sim: Sim;
const outputs: string[] = [];
let events: WebSocket;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hygiene-'));
  // The simulator inherits this: its state file is encrypted at rest, so it too must hold no secret in clear.
  process.env.HKEY_STATE_PASSPHRASE = 'hygiene passphrase';
  sim = await startSim(['--udp', '0', '--ble-port', '0', '--control-port', '0', '--state', join(dir, 'key.json'), '--verbose']);
  events = new WebSocket(`${String(sim.ready.control).replace('http', 'ws')}/v1/events`, {
    headers: { authorization: `Bearer ${String(sim.ready.controlToken)}` },
  });
  events.on('message', (data) => outputs.push(String(data)));
  await new Promise((resolve) => events.once('open', resolve));
}, 60_000);

afterAll(async () => {
  events?.close();
  await sim?.stop();
  delete process.env.HKEY_STATE_PASSPHRASE;
});

test('no secret, PIN or password leaks anywhere', async () => {
  const t = ['--transport', sim.transports[0] as string];
  const ok = async (args: string[], stdin?: string) => {
    const run = await hkey([...t, ...args], { stdin });
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  };

  await ok(['--pin-stdin', '--stay-unlocked', 'pin', 'set'], `${PIN}\n${PIN}\n`);
  await ok(['accounts', 'add', '--name', 'totp', '--secret-stdin'], secrets.cliTotp.base32);
  const uri = formatOtpauthUri({
    type: 'hotp',
    issuer: 'Hygiene',
    accountName: 'alice',
    secret: secrets.cliHotp.bytes,
    algorithm: 'SHA1',
    digits: 6,
    counter: 3,
  });
  await ok(['accounts', 'add', '--name', 'hotp', '--uri-stdin'], uri);
  await ok(['otp', 'totp', '--json']);
  await ok(['otp', 'hotp']);
  await ok(['accounts', 'show', 'hotp', '--json']);
  await ok(['accounts', 'list']);
  await writeFile(join(dir, 'batch.csv'), `name,secret\nbatch-1,${secrets.provisioned.base32}\n`);
  await ok(['provision', join(dir, 'batch.csv'), '--parallel', '--audit', join(dir, 'audit.jsonl'), '--json']);
  await ok(['lock']);
  const wrong = await hkey([...t, '--pin-stdin', 'pin', 'verify'], { stdin: `${WRONG_PIN}\n` });
  expect(wrong.code).toBe(5);
  await ok(['--pin-stdin', 'pin', 'verify'], `${PIN}\n`);

  // The bridge, reached over WebSocket by a program, in front of the same simulated key.
  const warnings: string[] = [];
  const bridge = await startBridgeServer({ sources: [udpSource({ addresses: sim.transports })], port: 0, onWarning: (message) => warnings.push(message) });
  try {
    const kind = new WsTransportKind({ url: bridge.url, token: bridge.token, client: 'hygiene test' });
    const [device] = await kind.list();
    const client = new KeyClient(await kind.open(device!));
    await client.verifyPin(PIN);
    const { id } = await client.createAccount({ name: 'bridged', password: PASSWORD, otp: { secret: secrets.bridge.bytes, kind: 'TOTP' } });
    expect((await client.getPassword(id)).password).toBe(PASSWORD);
    await client.getOtp(id);
    await client.transport.close();
  } finally {
    await bridge.close();
  }
  outputs.push(...warnings);

  // A recording of the same kind of traffic, written where fixtures live.
  const key = await VirtualKey.start({ presence: autoApprove });
  const recorder = new Recorder(key.openSession('virtual'));
  await recorder.handle(encodeRequest('SetPin', { pin: PIN }));
  await recorder.handle(encodeRequest('AccountCreate', { name: 'rec', password: PASSWORD, otp: { secret: secrets.recorded.bytes, kind: 'HOTP' } }));
  await recorder.handle(encodeRequest('GetPassword', { id: 1 }));
  await writeFile(join(dir, 'exchange.fixture'), recorder.fixture);

  await sim.stop();
  outputs.push(...transcript);
  const files = await filesUnder(dir, (path) => path.endsWith('batch.csv'));
  expect(files.map((file) => file.slice(dir.length + 1)).sort()).toEqual(['audit.jsonl', 'audit.jsonl.key', 'exchange.fixture', 'key.json']);
  const leaks = await findLeaks({ secrets: Object.values(secrets).map((secret) => secret.bytes), texts: [PIN, WRONG_PIN, PASSWORD], outputs, files });
  expect(leaks).toEqual([]);

  // The scan itself works: the same search finds a planted copy.
  const planted = await findLeaks({ secrets: [secrets.bridge.bytes], texts: [PASSWORD], outputs: [`x ${secrets.bridge.base32} ${PASSWORD}`], files: [] });
  expect(planted.length).toBeGreaterThanOrEqual(2);
}, 180_000);
