/**
 * One connected Bluetooth key (noble) as a GattConnection, both of its services: what NobleTransportKind runs its
 * channels on and the bridge's "gatt" link carries (docs/bridge-protocol.md §3.5). noble exchanges the ATT MTU by
 * itself right after connecting, so exchangeMtu() reports the MTU in force instead of negotiating one.
 */
import { BLE_DEFAULT_ATT_MTU } from '@hkey/protocol';
import { BridgeError, TransportError } from '../errors.js';
import {
  type GattConnection,
  type GattNotifying,
  type GattReadable,
  type GattWritable,
  connectionClosed,
  keyRefusedWrite,
  writeTooLong,
} from '../gatt-connection.js';

export interface NoblePeripheralLike {
  readonly id: string;
  readonly address: string;
  /** 'connected' while connected. */
  readonly state: string;
  /** The ATT_MTU once noble has exchanged it after connecting; null before. */
  readonly mtu: number | null;
  readonly advertisement: { readonly localName?: string };
  /** `mtu`: the ATT_MTU to ask for; noble's Linux (hci-socket) binding takes it, the others negotiate by themselves. */
  connectAsync(options?: { readonly mtu?: number }): Promise<void>;
  cancelConnect(): void;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(
    serviceUuids: string[],
    characteristicUuids: string[],
  ): Promise<{ readonly characteristics: readonly NobleCharacteristicLike[] }>;
  /** `reason` is an HCI status on Linux, text elsewhere and when the adapter goes off ('cleanup'). */
  on(event: 'disconnect', listener: (reason: number | string) => void): unknown;
  on(event: 'mtu', listener: (mtu: number) => void): unknown;
  removeListener(event: 'disconnect', listener: (reason: number | string) => void): unknown;
  removeListener(event: 'mtu', listener: (mtu: number) => void): unknown;
}

export interface NobleCharacteristicLike {
  readonly uuid: string;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  unsubscribeAsync(): Promise<void>;
  /** Values read and notified; `isNotification` tells them apart. */
  on(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
  removeListener(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
}

/** The discovered characteristics of one key, by name: the HKP service's four, and the FIDO service's when it has one. */
export type NobleCharacteristics = { readonly [name in GattReadable | GattWritable | GattNotifying]?: NobleCharacteristicLike };

/** Common HCI disconnect reasons (Bluetooth Core, vol 1 part F) in words; others by number. */
const HCI_REASONS = new Map<number, string>([
  [0x08, 'connection timeout'],
  [0x13, 'the key ended the connection'],
  [0x16, 'this computer ended the connection'],
]);

/** `reason` is an HCI status on Linux, text elsewhere and when the adapter goes off ('cleanup'). */
export function describeDisconnect(reason: number | string): string {
  if (typeof reason === 'string') return reason === 'cleanup' ? 'the Bluetooth adapter went off' : reason;
  return HCI_REASONS.get(reason) ?? `HCI status 0x${reason.toString(16).padStart(2, '0')}`;
}

/** noble hands out Buffers; callers get plain bytes of their own. */
const copy = (data: Uint8Array): Uint8Array => new Uint8Array(data);

const NOTIFYING: readonly GattNotifying[] = ['status', 'fido-status'];

export function nobleGattConnection(peripheral: NoblePeripheralLike, characteristics: NobleCharacteristics): GattConnection {
  const notifyListeners = new Set<(value: Uint8Array, characteristic: GattNotifying) => void>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let open = true;
  const stops = NOTIFYING.map((name) => {
    const onData = (data: Uint8Array, isNotification: boolean): void => {
      if (!isNotification || !open) return;
      const value = copy(data);
      for (const listener of notifyListeners) listener(value, name);
    };
    characteristics[name]?.on('data', onData);
    return () => characteristics[name]?.removeListener('data', onData);
  });
  const onDisconnect = (reason: number | string): void => {
    if (!open) return;
    stop();
    for (const listener of disconnectListeners) listener(describeDisconnect(reason));
  };
  const stop = (): void => {
    open = false;
    for (const stopListening of stops) stopListening();
    peripheral.removeListener('disconnect', onDisconnect);
  };
  peripheral.on('disconnect', onDisconnect);

  const mtu = (): number => peripheral.mtu ?? BLE_DEFAULT_ATT_MTU;
  const characteristic = (name: keyof NobleCharacteristics): NobleCharacteristicLike => {
    const found = characteristics[name];
    if (found === undefined) throw new TransportError('NOT_FOUND', { message: 'The key offers no FIDO service.' });
    return found;
  };
  const gone = (error: unknown): TransportError =>
    new TransportError('DISCONNECTED', { cause: error, message: 'The Bluetooth key disconnected; wake it and connect again.' });
  /** Runs a read or a subscription; one that fails because the key went away is DISCONNECTED. */
  const live = async <T>(operation: () => Promise<T>): Promise<T> => {
    if (!open) throw connectionClosed();
    try {
      return await operation();
    } catch (error) {
      if (peripheral.state !== 'connected') throw gone(error);
      if (error instanceof BridgeError) throw error;
      // A key refuses these to a host it is not bonded with (§2.2).
      throw new TransportError('PERMISSION_DENIED', {
        cause: error,
        message: 'The key refused this computer access to its services; pair it with this computer (docs/hardware.md) and try again.',
      });
    }
  };
  return {
    services: characteristics['fido-control-point'] === undefined ? ['hkp'] : ['hkp', 'fido'],
    get mtu() {
      return mtu();
    },
    exchangeMtu: () => live(async () => mtu()),
    read: (name) => live(async () => copy(await characteristic(name).readAsync())),
    async write(value, withResponse, name = 'control-point') {
      if (!open) throw connectionClosed();
      const tooLong = writeTooLong(value, mtu());
      if (tooLong) throw tooLong;
      const target = characteristic(name);
      try {
        await target.writeAsync(Buffer.from(value), !withResponse);
      } catch (error) {
        if (peripheral.state !== 'connected') throw gone(error);
        throw withResponse ? keyRefusedWrite(error) : error;
      }
    },
    subscribe: (enable, name = 'status') => live(() => (enable ? characteristic(name).subscribeAsync() : characteristic(name).unsubscribeAsync())),
    onNotify(listener) {
      notifyListeners.add(listener);
      return () => notifyListeners.delete(listener);
    },
    onDisconnect(listener) {
      if (peripheral.state !== 'connected') {
        queueMicrotask(() => listener('the key is not connected'));
        return () => undefined;
      }
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    onMtuChange(listener) {
      peripheral.on('mtu', listener);
      return () => peripheral.removeListener('mtu', listener);
    },
    async close() {
      if (!open) return;
      stop();
      if (peripheral.state !== 'connected') return;
      // Best effort: the disconnect below ends the subscription anyway.
      await characteristic('status')
        .unsubscribeAsync()
        .catch(() => undefined);
      await peripheral.disconnectAsync();
    },
  };
}
