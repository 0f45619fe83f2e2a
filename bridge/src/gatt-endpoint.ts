/**
 * A GattConnection onto a GATT server in the same process, such as @hkey/firmware-sim's BleEndpoint, described
 * here by its shape only so the bridge does not depend on the simulator. Isomorphic: the in-page virtual key of
 * the Web Bluetooth shim and `hkey bridge --virtual` both use it.
 */
import {
  type GattConnection,
  type GattNotifying,
  type GattReadable,
  connectionClosed,
  keyRefusedValue,
  keyRefusedWrite,
  writeTooLong,
} from './gatt-connection.js';

/** What the host side of one connection hears from the key. */
export interface GattEndpointHost {
  notify(value: Uint8Array): void;
  notifyFido(value: Uint8Array): void;
  mtuChanged(mtu: number): void;
  disconnected(reason: string): void;
}

/** The key's side of one connection (BleConnection's shape): both services. */
export interface GattEndpointConnection {
  readonly mtu: number;
  exchangeMtu(clientMtu: number): number;
  read(characteristic: GattReadable): Uint8Array;
  subscribe(enable: boolean): void;
  subscribeFidoStatus(enable: boolean): void;
  /** false: the key refused the value (longer than its fragment size). */
  write(value: Uint8Array): boolean;
  writeFidoControlPoint(value: Uint8Array): boolean;
  writeFidoServiceRevision(value: Uint8Array): 'selected' | 'invalid-length' | 'value-not-allowed';
  disconnect(): void;
}

export interface GattEndpoint {
  connect(host: GattEndpointHost): GattEndpointConnection;
}

export function connectGattEndpoint(endpoint: GattEndpoint): GattConnection {
  const notifyListeners = new Set<(value: Uint8Array, characteristic: GattNotifying) => void>();
  const mtuListeners = new Set<(mtu: number) => void>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let open = true;
  // Values reach the host in a later task, as over a real link, never inside the host's own write call.
  const notify = (characteristic: GattNotifying) => (value: Uint8Array) => {
    const copy = value.slice();
    queueMicrotask(() => {
      if (open) for (const listener of notifyListeners) listener(copy, characteristic);
    });
  };
  const connection = endpoint.connect({
    notify: notify('status'),
    notifyFido: notify('fido-status'),
    mtuChanged: (mtu) => {
      for (const listener of mtuListeners) listener(mtu);
    },
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
  const listen = <L>(listeners: Set<L>, listener: L): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return {
    services: ['hkp', 'fido'],
    get mtu() {
      return connection.mtu;
    },
    exchangeMtu: async (clientMtu) => live().exchangeMtu(clientMtu),
    read: async (characteristic) => live().read(characteristic),
    write: async (value, withResponse, characteristic = 'control-point') => {
      const link = live();
      const tooLong = writeTooLong(value, link.mtu);
      if (tooLong) throw tooLong;
      if (characteristic === 'fido-service-revision-bitfield') {
        const outcome = link.writeFidoServiceRevision(value.slice());
        if (outcome === 'invalid-length') throw keyRefusedWrite();
        if (outcome === 'value-not-allowed') throw keyRefusedValue();
        return;
      }
      const accepted = characteristic === 'control-point' ? link.write(value.slice()) : link.writeFidoControlPoint(value.slice());
      if (!accepted && withResponse) throw keyRefusedWrite();
    },
    subscribe: async (enable, characteristic = 'status') => (characteristic === 'status' ? live().subscribe(enable) : live().subscribeFidoStatus(enable)),
    onNotify: (listener) => listen(notifyListeners, listener),
    onMtuChange: (listener) => listen(mtuListeners, listener),
    onDisconnect: (listener) => listen(disconnectListeners, listener),
    close: async () => {
      if (!open) return;
      open = false;
      connection.disconnect();
    },
  };
}
