/**
 * A GattConnection onto a GATT server in the same process, such as @hkey/firmware-sim's BleEndpoint, described
 * here by its shape only so the bridge does not depend on the simulator. Isomorphic: the in-page virtual key of
 * the Web Bluetooth shim and `hkey bridge --virtual` both use it.
 */
import { type GattConnection, type GattReadable, connectionClosed, keyRefusedWrite, writeTooLong } from './gatt-connection.js';

/** What the host side of one connection hears from the key. */
export interface GattEndpointHost {
  notify(value: Uint8Array): void;
  mtuChanged(mtu: number): void;
  disconnected(reason: string): void;
}

/** The key's side of one connection (BleConnection's shape). */
export interface GattEndpointConnection {
  readonly mtu: number;
  exchangeMtu(clientMtu: number): number;
  read(characteristic: GattReadable): Uint8Array;
  subscribe(enable: boolean): void;
  /** false: the key refused the value (longer than its fragment size). */
  write(value: Uint8Array): boolean;
  disconnect(): void;
}

export interface GattEndpoint {
  connect(host: GattEndpointHost): GattEndpointConnection;
}

export function connectGattEndpoint(endpoint: GattEndpoint): GattConnection {
  const notifyListeners = new Set<(value: Uint8Array) => void>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let open = true;
  // Values reach the host in a later task, as over a real link, never inside the host's own write call.
  const connection = endpoint.connect({
    notify: (value) => {
      const copy = value.slice();
      queueMicrotask(() => {
        if (open) for (const listener of notifyListeners) listener(copy);
      });
    },
    mtuChanged: () => undefined,
    disconnected: (reason) => {
      if (!open) return;
      open = false;
      queueMicrotask(() => {
        for (const listener of disconnectListeners) listener(reason);
      });
    },
  });
  const live = (): GattEndpointConnection => {
    if (!open) throw connectionClosed();
    return connection;
  };
  return {
    exchangeMtu: async (clientMtu) => live().exchangeMtu(clientMtu),
    read: async (characteristic) => live().read(characteristic),
    write: async (value, withResponse) => {
      const link = live();
      const tooLong = writeTooLong(value, link.mtu);
      if (tooLong) throw tooLong;
      const accepted = link.write(value.slice());
      if (!accepted && withResponse) throw keyRefusedWrite();
    },
    subscribe: async (enable) => live().subscribe(enable),
    onNotify: (listener) => {
      notifyListeners.add(listener);
      return () => notifyListeners.delete(listener);
    },
    onDisconnect: (listener) => {
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    close: async () => {
      if (!open) return;
      open = false;
      connection.disconnect();
    },
  };
}
