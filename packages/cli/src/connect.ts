/**
 * Turns --transport and --device into an open KeyClient, and unlocks a locked key when a command needs it. A key
 * this command gave its PIN is locked again when the command closes it (unless --stay-unlocked): an unlocked
 * session is shared by every program that reaches the key (all of them on the USB interface, and web pages
 * through the bridge), so one PIN entry must not leave the key open after the command is done.
 * The simulator is imported only for `virtual`, and the bridge loads node-hid or noble only for hid and ble addresses.
 *
 * Addresses are those of the bridge's registry (ADDRESS_SCHEMES): one key, or a place to look for keys (hid, ble,
 * tcp://HOST:PORT, ws://HOST:PORT; a bridge with the token it printed in HKEY_BRIDGE_TOKEN).
 */
import {
  AddressError,
  type AddressTransportOptions,
  type DeviceInfo,
  KeyClient,
  NobleTransportKind,
  type Transport,
  type TransportAddress,
  formatAddress,
  isDeviceStatus,
  isPlace as isPlaceAddress,
  listAddresses,
  openAddress,
  parseAddress,
} from '@hkey/bridge';
import type { ResponseOf } from '@hkey/protocol';
import { CliError, errorMessage } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { keepsProcessAlive } from './lingering.js';
import { PinReader } from './pin-input.js';
import type { RunContext } from './context.js';

const DEFAULT_TRANSPORT = 'udp://127.0.0.1:8111';

/**
 * Where `hkey devices` and key discovery look without --transport: the simulator's default UDP ports for 8 keys
 * and its BLE link, and USB keys. Bluetooth (`ble`) only when asked: a scan takes seconds and needs an adapter.
 */
const DEFAULT_DISCOVERY = [...Array.from({ length: 8 }, (_, index) => `udp://127.0.0.1:${8111 + index}`), 'tcp://127.0.0.1:8112', 'hid'];

/** How long a probe waits for a key to answer before deciding nothing is there. */
const PROBE_TIMEOUT_MS = 500;
/** How long a Bluetooth scan listens for advertisements. */
const BLE_SCAN_MS = 2000;
/** How long locking the key again at the end may take: the command is done, and a key that is gone is no longer unlocked. */
const RELOCK_TIMEOUT_MS = 5000;

/** What closing a key this command unlocked does: lock it again (default), or leave it unlocked (--stay-unlocked). */
export interface LockPolicy {
  readonly stayUnlocked: boolean;
  /** Told when locking again failed, so the person knows the key may still be unlocked. */
  warn(message: string): void;
}

export const lockPolicy = ({ globals, output }: RunContext): LockPolicy => ({ stayUnlocked: globals.stayUnlocked, warn: (message) => output.warn(message) });

export interface OpenKey {
  readonly url: string;
  readonly client: KeyClient;
  readonly info: DeviceInfo;
  /**
   * Sends a command that unlocks the key's session when the PIN is right (VerifyPin, ChangePin). From then on
   * close() locks the key again, unless --stay-unlocked; a lost answer counts too, since the key may have unlocked.
   */
  unlocking<T>(send: () => Promise<T>): Promise<T>;
  /** Locks the key again if this command unlocked it (see unlocking), then closes the link. */
  close(): Promise<void>;
}

/** The registry refuses addresses in sentences that never quote them (a bridge URL may carry a token): usage errors here. */
function asUsage(error: unknown): never {
  if (error instanceof AddressError) throw new CliError('USAGE_TRANSPORT', error.message, ExitCode.USAGE);
  throw error;
}

export function parseTransport(url: string): TransportAddress {
  try {
    return parseAddress(url);
  } catch (error) {
    return asUsage(error);
  }
}

/** Whether an address names a place to look for keys rather than one key. */
export const isPlace = (url: string): boolean => {
  try {
    return isPlaceAddress(parseAddress(url));
  } catch {
    return false;
  }
};

let bluetooth: NobleTransportKind | undefined;

/** One noble instance per process: it remembers the keys a scan found, so opening one does not scan again. */
function nobleKind(): NobleTransportKind {
  // noble keeps its Bluetooth socket open with no way to release it, which would keep hkey running after its work.
  keepsProcessAlive();
  bluetooth ??= new NobleTransportKind({ scanMs: BLE_SCAN_MS });
  return bluetooth;
}

const transportOptions = (openTimeoutMs?: number): AddressTransportOptions => ({
  openTimeoutMs,
  bluetooth: nobleKind,
  bridge: { token: process.env.HKEY_BRIDGE_TOKEN || undefined, client: `hkey CLI (pid ${process.pid})` },
  // The simulator is loaded only when a command asks for the virtual key.
  virtual: async () => (await import('./virtual-key.js')).openPersistentVirtualKey(),
});

export async function openTransport(url: string, openTimeoutMs?: number): Promise<Transport> {
  return openAddress(parseTransport(url), transportOptions(openTimeoutMs)).catch(asUsage);
}

/** The key addresses at a place (hid, ble, tcp://HOST:PORT, ws://HOST:PORT); a key address stands for itself. */
async function expand(url: string, address: TransportAddress): Promise<string[]> {
  return isPlaceAddress(address) ? (await listAddresses(address, transportOptions())).map(formatAddress) : [url];
}

/**
 * Ctrl-C (or SIGTERM) while a command holds the key unlocked: the running request is cancelled by closing its link,
 * the key is locked over a fresh link, and the process exits 130. Without this the key would stay unlocked for every
 * program that reaches it. Returns the function that removes the handlers.
 */
function relockOnInterrupt(url: string, transport: Transport, serial: string, options: { openTimeoutMs?: number; lock: LockPolicy }): () => void {
  const onSignal = (): void => {
    void (async () => {
      await transport.close().catch(() => undefined);
      const deadline = Date.now() + RELOCK_TIMEOUT_MS;
      let locked = false;
      while (!locked && Date.now() < deadline) {
        try {
          const fresh = await openTransport(url, options.openTimeoutMs);
          try {
            await new KeyClient(fresh).lock({ timeoutMs: Math.max(1, deadline - Date.now()) });
            locked = true;
          } finally {
            await fresh.close();
          }
        } catch {
          // The key may still be letting go of the cancelled request (DEVICE_BUSY): try again until the deadline.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      if (!locked) options.lock.warn(`key ${serial} may still be unlocked: lock it with \`hkey lock\`.`);
      process.exit(ExitCode.INTERRUPTED);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Opens the key at `url` and reads its identity. */
async function openKey(url: string, options: { timeoutMs: number; openTimeoutMs?: number; lock: LockPolicy }): Promise<OpenKey> {
  const transport = await openTransport(url, options.openTimeoutMs);
  try {
    const client = new KeyClient(transport);
    const info = await client.getInfo({ timeoutMs: options.timeoutMs });
    let relock = false;
    let disarm: (() => void) | undefined;
    return {
      url,
      client,
      info,
      unlocking: (send) => {
        relock = !options.lock.stayUnlocked;
        if (relock) disarm ??= relockOnInterrupt(url, transport, info.serial, options);
        return send();
      },
      close: async () => {
        disarm?.();
        try {
          if (relock) await client.lock({ timeoutMs: Math.min(options.timeoutMs, RELOCK_TIMEOUT_MS) });
        } catch (error) {
          options.lock.warn(`key ${info.serial} may still be unlocked (${errorMessage(error).replace(/\.$/, '')}): lock it with \`hkey lock\`.`);
        } finally {
          await transport.close();
        }
      },
    };
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

/** Opens every key at the addresses (and places) at once with a short timeout; the caller closes the keys it got. */
export async function probeKeys(urls: readonly string[], lock: LockPolicy): Promise<ProbeResult[]> {
  // A malformed address is a usage error before anything is probed: a row for it would print it back.
  const places = urls.map((url) => ({ url, address: parseTransport(url) }));
  const expanded = await Promise.all(
    places.map(async ({ url, address }): Promise<ProbeResult[] | string[]> => {
      try {
        return await expand(url, address);
      } catch (error) {
        return [{ url, error }];
      }
    }),
  );
  return Promise.all(
    expanded.flat().map(async (entry) => {
      if (typeof entry !== 'string') return entry;
      try {
        return { url: entry, key: await openKey(entry, { timeoutMs: PROBE_TIMEOUT_MS * 4, openTimeoutMs: PROBE_TIMEOUT_MS, lock }) };
      } catch (error) {
        return { url: entry, error };
      }
    }),
  );
}

/** The addresses to look at: every --transport given, else the default discovery places. */
export function candidateTransports(transports: readonly string[] | undefined): readonly string[] {
  return transports !== undefined && transports.length > 0 ? transports : DEFAULT_DISCOVERY;
}

/**
 * The one key a command works on: the --transport address (default udp://127.0.0.1:8111), or with --device or
 * several addresses, the key among them whose serial matches (or the only one that answers).
 */
export async function connect(context: RunContext): Promise<OpenKey> {
  const { globals } = context;
  const transports = globals.transport ?? [];
  const only = transports.length === 0 ? DEFAULT_TRANSPORT : transports.length === 1 ? transports[0] : undefined;
  if (only !== undefined && !isPlace(only) && globals.device === undefined) return openKey(only, { timeoutMs: globals.timeout, lock: lockPolicy(context) });
  const probes = await probeKeys(transports.length === 0 ? DEFAULT_DISCOVERY : transports, lockPolicy(context));
  const found = probes.flatMap((probe) => (probe.key ? [probe.key] : []));
  const chosen = globals.device === undefined ? (found.length === 1 ? found[0] : undefined) : found.find((key) => key.info.serial === globals.device);
  await Promise.all(found.filter((key) => key !== chosen).map((key) => key.close()));
  if (chosen !== undefined) return chosen;
  const seen = found.map((key) => key.info.serial).join(', ');
  if (globals.device !== undefined) {
    throw new CliError(
      'NO_DEVICE',
      `No reachable key has serial ${globals.device}${seen ? ` (found ${seen})` : ''}: check \`hkey devices\`.`,
      ExitCode.NO_DEVICE,
    );
  }
  if (found.length > 1) {
    throw new CliError('USAGE_SEVERAL_KEYS', `Several keys answer (${seen}): choose one with --device SERIAL.`, ExitCode.USAGE);
  }
  // A place that could not be searched (node-hid or Bluetooth unavailable) explains itself better than "nothing there".
  const failure = probes.find((probe) => probe.error !== undefined && isPlace(probe.url));
  if (failure !== undefined && found.length === 0) throw failure.error;
  throw new CliError(
    'NO_DEVICE',
    `No key answers at ${transports.join(', ') || 'the default addresses'}: start the simulator (\`hkey sim\`) or plug a key in, then check \`hkey devices\`.`,
    ExitCode.NO_DEVICE,
  );
}

/** Verifies the PIN on this key's session (asking for it if needed); the key is locked again when it is closed. */
export async function unlock(key: OpenKey, pins: PinReader, timeoutMs: number): Promise<ResponseOf<'VerifyPin'>> {
  const pin = await pins.current(`PIN for key ${key.info.serial}: `);
  try {
    return await key.unlocking(() => key.client.verifyPin(pin, { timeoutMs }));
  } catch (error) {
    if (isDeviceStatus(error, 'PIN_INVALID')) pins.rejected();
    throw error;
  }
}

/**
 * Runs `work` on the chosen key and always closes it. A locked key (PIN_REQUIRED) is unlocked with the PIN from
 * --pin-stdin, HKEY_PIN or a prompt, and `work` runs once more; `work` must not have changed anything before the
 * key refused, which holds because a locked key refuses every change. Closing locks the key again, whether
 * `work` succeeded or failed, unless --stay-unlocked.
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
