/**
 * Turns --transport and --device into an open KeyClient, and unlocks a locked key when a command needs it.
 * Transports are imported only when used, so a command that talks to a UDP key never loads the simulator.
 *
 * Reachable transports are what @hkey/bridge exports today: udp:// (the simulator's UDP HID endpoint) and the
 * in-process `virtual` key. USB HID and BLE join here when the bridge exports their transport kinds.
 */
import { type DeviceInfo, KeyClient, type Transport, isDeviceStatus } from '@hkey/bridge';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { PinReader } from './pin-input.js';
import type { RunContext } from './program.js';

export const DEFAULT_TRANSPORT = 'udp://127.0.0.1:8111';

/** Where `hkey devices` and key discovery look without --transport: the simulator's default ports for 8 keys. */
export const DEFAULT_DISCOVERY = Array.from({ length: 8 }, (_, index) => `udp://127.0.0.1:${8111 + index}`);

/** How long a probe waits for a key to answer before deciding nothing is there. */
const PROBE_TIMEOUT_MS = 500;

export interface OpenKey {
  readonly url: string;
  readonly client: KeyClient;
  readonly info: DeviceInfo;
  close(): Promise<void>;
}

async function openTransport(url: string, openTimeoutMs?: number): Promise<Transport> {
  if (url.startsWith('udp://')) {
    const { UdpTransportKind } = await import('@hkey/bridge');
    return new UdpTransportKind({ addresses: [url], openTimeoutMs }).open(url);
  }
  if (url === 'virtual') return (await import('./virtual-key.js')).openPersistentVirtualKey();
  if (/^(hid|ble|ws)(:|$)/.test(url)) {
    throw new CliError('USAGE_TRANSPORT', `This hkey cannot reach ${url.split(':')[0]} keys yet: use udp://HOST:PORT (a simulator) or virtual.`, ExitCode.USAGE);
  }
  throw new CliError('USAGE_TRANSPORT', `Unknown transport "${url}": use udp://HOST:PORT or virtual.`, ExitCode.USAGE);
}

/** Opens the key at `url` and reads its identity. */
export async function openKey(url: string, options: { timeoutMs: number; openTimeoutMs?: number }): Promise<OpenKey> {
  const transport = await openTransport(url, options.openTimeoutMs);
  try {
    const client = new KeyClient(transport);
    const info = await client.getInfo({ timeoutMs: options.timeoutMs });
    return { url, client, info, close: () => transport.close() };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

export interface ProbeResult {
  readonly url: string;
  readonly key?: OpenKey;
  readonly error?: unknown;
}

/** Opens every address at once with a short timeout; the caller closes the keys it got. */
export function probeKeys(urls: readonly string[]): Promise<ProbeResult[]> {
  return Promise.all(
    urls.map(async (url) => {
      try {
        return { url, key: await openKey(url, { timeoutMs: PROBE_TIMEOUT_MS * 4, openTimeoutMs: PROBE_TIMEOUT_MS }) };
      } catch (error) {
        return { url, error };
      }
    }),
  );
}

/** The addresses to look at: every --transport given, else the default discovery ports. */
export function candidateTransports(transports: readonly string[] | undefined): readonly string[] {
  return transports !== undefined && transports.length > 0 ? transports : DEFAULT_DISCOVERY;
}

/**
 * The one key a command works on: the --transport address (default udp://127.0.0.1:8111), or with --device or
 * several addresses, the key among them whose serial matches (or the only one that answers).
 */
export async function connect({ globals }: RunContext): Promise<OpenKey> {
  const transports = globals.transport ?? [];
  if (transports.length <= 1 && globals.device === undefined) {
    return openKey(transports[0] ?? DEFAULT_TRANSPORT, { timeoutMs: globals.timeout });
  }
  const found = (await probeKeys(candidateTransports(transports))).flatMap((probe) => (probe.key ? [probe.key] : []));
  const chosen = globals.device === undefined ? (found.length === 1 ? found[0] : undefined) : found.find((key) => key.info.serial === globals.device);
  await Promise.all(found.filter((key) => key !== chosen).map((key) => key.close()));
  if (chosen !== undefined) return chosen;
  const seen = found.map((key) => key.info.serial).join(', ');
  if (globals.device !== undefined) {
    throw new CliError('NO_DEVICE', `No reachable key has serial ${globals.device}${seen ? ` (found ${seen})` : ''}: check \`hkey devices\`.`, ExitCode.NO_DEVICE);
  }
  if (found.length > 1) {
    throw new CliError('USAGE_SEVERAL_KEYS', `Several keys answer (${seen}): choose one with --device SERIAL.`, ExitCode.USAGE);
  }
  throw new CliError('NO_DEVICE', 'No key answers at the given addresses: start the simulator (`hkey sim`) or plug a key in, then check `hkey devices`.', ExitCode.NO_DEVICE);
}

/** Verifies the PIN on this key's session (asking for it if needed). */
export async function unlock(key: OpenKey, pins: PinReader, timeoutMs: number): Promise<void> {
  try {
    await key.client.verifyPin(await pins.current(`PIN for key ${key.info.serial}: `), { timeoutMs });
  } catch (error) {
    if (isDeviceStatus(error, 'PIN_INVALID')) pins.rejected();
    throw error;
  }
}

/**
 * Runs `work` on the chosen key and always closes it. A locked key (PIN_REQUIRED) is unlocked with the PIN from
 * --pin-stdin, HKEY_PIN or a prompt, and `work` runs once more; `work` must not have changed anything before the
 * key refused, which holds because a locked key refuses every change.
 */
export async function withKey<T>(context: RunContext, work: (key: OpenKey) => Promise<T>): Promise<T> {
  const key = await connect(context);
  try {
    try {
      return await work(key);
    } catch (error) {
      const pins = new PinReader(context.globals.pinStdin);
      if (!isDeviceStatus(error, 'PIN_REQUIRED') || !pins.available) throw error;
      await unlock(key, pins, context.globals.timeout);
      return await work(key);
    }
  } finally {
    await key.close();
  }
}
