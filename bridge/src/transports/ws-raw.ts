/**
 * Raw links to a key behind the bridge server: 64-byte HID reports (a HidReportPort) or GATT operations (a
 * GattConnection), for the browser shims and any host that frames messages itself. Each is its own connection
 * and lease, given back when the port is closed.
 */
import { BLE_DEFAULT_ATT_MTU } from '@hkey/protocol';
import type { BridgeLink } from '../bridge-protocol.js';
import { TransportError } from '../errors.js';
import type { BleService, GattConnection } from '../gatt-connection.js';
import type { HidReportPort } from '../hid-report-port.js';
import { BridgeConnection, type BridgeConnectionOptions, decodeHex } from './ws-connection.js';

interface RawSession {
  readonly connection: BridgeConnection;
  readonly session: string;
  /** A gatt session's services, as the bridge answered acquire. */
  readonly services?: readonly BleService[];
  /** Releases the lease and closes the connection. */
  close(): Promise<void>;
  /** The session ended without close(): the key went away or the bridge closed. */
  onEnd(listener: (reason: string) => void): () => void;
}

async function acquireRaw(options: BridgeConnectionOptions, deviceId: string, link: BridgeLink): Promise<RawSession> {
  const connection = await BridgeConnection.connect(options);
  let session: string;
  let services: readonly BleService[] | undefined;
  try {
    ({ session, services } = await connection.request('acquire', { device: deviceId, link }));
  } catch (error) {
    connection.close();
    throw error;
  }
  const endListeners = new Set<(reason: string) => void>();
  let open = true;
  const end = (reason: string): void => {
    if (!open) return;
    open = false;
    connection.close();
    for (const listener of endListeners) listener(reason);
  };
  connection.on('session-ended', (event) => {
    if (event.session === session) end(event.error.message);
  });
  connection.onClose((error) => end(error.message));
  return {
    connection,
    session,
    services,
    close: async () => {
      if (!open) return;
      open = false;
      await connection.request('release', { session }).catch(() => undefined);
      connection.close();
    },
    onEnd: (listener) => {
      endListeners.add(listener);
      return () => endListeners.delete(listener);
    },
  };
}

/** The key's HID interface as raw reports; the caller runs CTAPHID (INIT, channels) itself. */
export async function openBridgeHidPort(options: BridgeConnectionOptions, deviceId: string): Promise<HidReportPort> {
  const raw = await acquireRaw(options, deviceId, 'hid');
  const { connection, session } = raw;
  return {
    send: (report) => connection.hidSend(session, report),
    onReport: (listener) => connection.onHidReport(session, listener),
    onClose: (listener) => raw.onEnd((reason) => listener(new TransportError('DISCONNECTED', { message: reason }))),
    close: raw.close,
  };
}

/** The key's GATT services as GATT operations; the caller fragments messages itself (§2.4). */
export async function openBridgeGatt(options: BridgeConnectionOptions, deviceId: string): Promise<GattConnection> {
  const raw = await acquireRaw(options, deviceId, 'gatt');
  const { connection, session } = raw;
  let mtu = BLE_DEFAULT_ATT_MTU;
  return {
    services: raw.services ?? ['hkp'],
    get mtu() {
      return mtu;
    },
    exchangeMtu: async (clientMtu) => (mtu = (await connection.request('gatt-mtu', { session, mtu: clientMtu })).mtu),
    read: async (characteristic) => decodeHex((await connection.request('gatt-read', { session, characteristic })).value),
    write: (value, response, characteristic) => connection.gattWrite(session, value, response, characteristic),
    subscribe: async (enable, characteristic) => {
      await connection.request('gatt-subscribe', { session, enable, characteristic });
    },
    onNotify: (listener) => connection.onGattNotify(session, listener),
    onDisconnect: raw.onEnd,
    close: raw.close,
  };
}
