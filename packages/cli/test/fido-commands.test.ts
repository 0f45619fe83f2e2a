/**
 * `hkey fido`: info, the FIDO PIN, discoverable credentials and reset, as child processes against a persistent
 * virtual key (`--transport virtual`, a temp state file) and a simulator over UDP in this process. Checks the
 * --json shapes, the exit codes, and that no PIN appears in anything printed or written.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FidoClient, type HidTransport, UdpTransportKind } from '@hkey/bridge';
import { Simulator } from '@hkey/firmware-sim/node';
import { sha256 } from '@hkey/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunOptions, hkey, transcript } from './cli-harness.js';
import { filesUnder, findLeaks } from './secret-scan.js';

let dir: string;
let simulator: Simulator;
let address: string;
let simulatorStartedAt = 0;
const randomPin = (): string => String(randomInt(10_000_000, 100_000_000));
// Random PINs, so that neither this file nor any fixture can contain them.
const pins = [randomPin(), randomPin(), randomPin()];
const [firstPin, secondPin, wrongPin] = pins as [string, string, string];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-fido-'));
  simulatorStartedAt = Date.now();
  simulator = await Simulator.start({ devices: 1, udpPort: 0, blePort: null, presence: 'auto-approve' });
  const { udp } = simulator.devices[0]!;
  address = `udp://${udp.host}:${udp.port}`;
});

afterAll(async () => {
  await simulator?.close();
});

const virtual = (args: string[], options: RunOptions = {}) =>
  hkey(['--transport', 'virtual', ...args], { ...options, env: { HKEY_VIRTUAL_STATE: join(dir, 'virtual-key.json'), ...options.env } });
const udp = (args: string[], options: RunOptions = {}) => hkey(['--transport', address, ...args], options);
const json = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;
const errorOf = (stderr: string): { code: string; message: string } =>
  (JSON.parse(stderr.trim().split('\n').at(-1) as string) as { error: { code: string; message: string } }).error;

/** A discoverable credential made the way a browser would, through the bridge's FIDO client. */
async function passkey(pin: string, user: string): Promise<void> {
  const transport: HidTransport = await new UdpTransportKind({ addresses: [address] }).open(address);
  try {
    const fido = new FidoClient(transport);
    const pinToken = await fido.clientPin.getPinToken(pin, { permissions: ['makeCredential'], rpId: 'example.com' });
    await fido.makeCredential({
      clientDataHash: sha256(new TextEncoder().encode(user)),
      rp: { id: 'example.com', name: 'Example' },
      user: { id: new TextEncoder().encode(user), name: `${user}@example.com`, displayName: user },
      residentKey: true,
      pinToken,
    });
  } finally {
    await transport.close();
  }
}

describe('hkey fido', { timeout: 120_000 }, () => {
  test('info: --json shape and the human table', async () => {
    const run = await virtual(['fido', 'info', '--json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({
      serial: 'HK-VIRTUAL-1',
      versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1'],
      aaguid: 'e179e72f-2de1-4a89-beea-150b82775442',
      pinSet: false,
      minPinLength: 4,
      pinUvAuthProtocols: [2, 1],
      algorithms: ['ES256', 'EdDSA'],
      options: expect.objectContaining({ rk: true, credMgmt: true }),
    });
    const human = await virtual(['fido', 'info']);
    expect(human.stdout).toMatch(/AAGUID\s+e179e72f/);
    expect(human.stdout).toMatch(/PIN\s+not set/);
  });

  test('pin set, retries, change (stdin and environment); a wrong PIN exits 5 and names no PIN', async () => {
    const set = await virtual(['--pin-stdin', 'fido', 'pin', 'set', '--json'], { stdin: `${firstPin}\n` });
    expect(set.code).toBe(0);
    expect(json(set.stdout)).toEqual({ serial: 'HK-VIRTUAL-1', pinSet: true });
    expect(json((await virtual(['fido', 'pin', 'retries', '--json'])).stdout)).toEqual({ serial: 'HK-VIRTUAL-1', retries: 8, powerCycleRequired: false });

    const again = await virtual(['fido', 'pin', 'set', '--json'], { env: { HKEY_FIDO_PIN: secondPin } });
    expect(again.code).toBe(4);
    expect(errorOf(again.stderr).code).toBe('CTAP_NOT_ALLOWED');

    const wrong = await virtual(['fido', 'pin', 'change', '--json'], { env: { HKEY_FIDO_PIN: wrongPin, HKEY_FIDO_NEW_PIN: secondPin } });
    expect(wrong.code).toBe(5);
    expect(errorOf(wrong.stderr)).toEqual({ code: 'CTAP_PIN_INVALID', message: 'Wrong PIN: 7 attempts left before the FIDO PIN blocks.' });

    const change = await virtual(['--pin-stdin', 'fido', 'pin', 'change', '--json'], { stdin: `${firstPin}\n${secondPin}\n` });
    expect(change.code).toBe(0);
    expect(json(change.stdout)).toEqual({ serial: 'HK-VIRTUAL-1', changed: true });
    const retries = await virtual(['fido', 'pin', 'retries']);
    expect(retries.stdout).toContain('8 FIDO PIN attempts left');

    const tooShort = await virtual(['fido', 'pin', 'change', '--json'], { env: { HKEY_FIDO_PIN: secondPin, HKEY_FIDO_NEW_PIN: '12' } });
    expect(tooShort.code).toBe(2);
    expect(errorOf(tooShort.stderr).code).toBe('CTAP_PIN_POLICY_VIOLATION');
    // The HKP PIN is another PIN: HKEY_PIN alone is not taken for the FIDO PIN.
    const noPin = await virtual(['fido', 'credentials', 'list', '--json'], { env: { HKEY_PIN: secondPin } });
    expect(noPin.code).toBe(5);
    expect(errorOf(noPin.stderr).code).toBe('PIN_REQUIRED');
  });

  test('reset: refused without --force off a terminal; with --force the freshly powered virtual key resets', async () => {
    const refused = await virtual(['fido', 'reset', '--json']);
    expect(refused.code).toBe(2);
    expect(errorOf(refused.stderr).code).toBe('USAGE_CONFIRM');
    const reset = await virtual(['fido', 'reset', '--force', '--json']);
    expect(reset.code).toBe(0);
    expect(json(reset.stdout)).toEqual({ serial: 'HK-VIRTUAL-1', reset: true });
    expect(json((await virtual(['fido', 'info', '--json'])).stdout)).toMatchObject({ pinSet: false });
    const help = await virtual(['fido', 'reset', '--help']);
    expect(help.stdout).toContain('within 10 seconds of being plugged in');
  });

  test('over UDP: credentials list and delete with the FIDO PIN; reset after the 10-second window exits 4', async () => {
    expect((await udp(['fido', 'pin', 'set'], { env: { HKEY_FIDO_PIN: firstPin } })).code).toBe(0);
    const none = await udp(['fido', 'credentials', 'list', '--json'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(json(none.stdout)).toEqual({ serial: 'HK-SIM-000001', credentials: [] });
    await passkey(firstPin, 'alice');
    await passkey(firstPin, 'bob');

    const list = await udp(['fido', 'credentials', 'list', '--json'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(list.code).toBe(0);
    const credentials = json(list.stdout).credentials as { rpId: string; userName: string; credentialId: string }[];
    expect(credentials.map((credential) => [credential.rpId, credential.userName])).toEqual(
      expect.arrayContaining([
        ['example.com', 'alice@example.com'],
        ['example.com', 'bob@example.com'],
      ]),
    );
    expect(credentials[0]).toMatchObject({ rpName: 'Example', credentialId: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    const human = await udp(['fido', 'credentials', 'list'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(human.stdout).toMatch(/relying party\s+user/);

    const alice = credentials.find((credential) => credential.userName === 'alice@example.com')!;
    const deleted = await udp(['fido', 'credentials', 'delete', alice.credentialId, '--json'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(deleted.code).toBe(0);
    expect(json(deleted.stdout)).toEqual({ serial: 'HK-SIM-000001', credentialId: alice.credentialId, deleted: true });
    const gone = await udp(['fido', 'credentials', 'delete', alice.credentialId, '--json'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(gone.code).toBe(4);
    expect(errorOf(gone.stderr).code).toBe('CTAP_NO_CREDENTIALS');
    const badId = await udp(['fido', 'credentials', 'delete', 'not/an id', '--json'], { env: { HKEY_FIDO_PIN: firstPin } });
    expect(badId.code).toBe(2);
    const wrong = await udp(['fido', 'credentials', 'list', '--json'], { env: { HKEY_FIDO_PIN: wrongPin } });
    expect(wrong.code).toBe(5);

    // Once the simulator has been up for more than 10 seconds, the key refuses a reset.
    const key = simulator.devices[0]!.key;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_500 - (Date.now() - simulatorStartedAt))));
    const late = await udp(['fido', 'reset', '--force', '--json']);
    expect(late.code).toBe(4);
    expect(errorOf(late.stderr)).toMatchObject({ code: 'CTAP_NOT_ALLOWED', message: expect.stringContaining('10 seconds') });
    // A power cycle (unplug and plug in) opens the window again.
    await key.powerCycle();
    const reset = await udp(['fido', 'reset', '--force', '--json']);
    expect(reset.code).toBe(0);
  });

  test('a key unreachable exits 3; usage errors exit 2', async () => {
    expect((await hkey(['--transport', 'udp://127.0.0.1:9', 'fido', 'info'])).code).toBe(3);
    expect((await virtual(['fido', 'pin', 'frobnicate'])).code).toBe(2);
  });

  test('no PIN appears in anything printed or in the state files', async () => {
    const leaks = await findLeaks({ secrets: [], texts: pins, outputs: transcript, files: await filesUnder(dir) });
    expect(leaks).toEqual([]);
  });
});

describe('hkey fido over the simulator BLE link', { timeout: 60_000 }, () => {
  let bleSimulator: Simulator;
  let bleKey: string;

  beforeAll(async () => {
    bleSimulator = await Simulator.start({ devices: 1, udpPort: 0, blePort: 0, presence: 'auto-approve' });
    bleKey = `ble-link://127.0.0.1:${bleSimulator.bleLink?.port}/${bleSimulator.devices[0]?.key.serial}`;
  });

  afterAll(async () => {
    await bleSimulator?.close();
  });

  test("info and PIN retries through the key's FIDO GATT service", async () => {
    const info = await hkey(['--transport', bleKey, 'fido', 'info', '--json']);
    expect(info.code).toBe(0);
    expect(json(info.stdout)).toMatchObject({ versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1'], transports: ['usb', 'ble'], pinSet: false });
    const set = await hkey(['--transport', bleKey, '--pin-stdin', 'fido', 'pin', 'set', '--json'], { stdin: `${firstPin}\n` });
    expect(set.code).toBe(0);
    const retries = await hkey(['--transport', bleKey, 'fido', 'pin', 'retries', '--json']);
    expect(retries.code).toBe(0);
    expect(json(retries.stdout)).toMatchObject({ retries: 8 });
  });
});
