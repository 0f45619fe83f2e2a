/**
 * One connected Bluetooth key (noble) as a GattConnection: the GATT operations a page's Web Bluetooth code performs,
 * which the bridge's "gatt" link carries (docs/bridge-protocol.md §3.5). noble exchanges the ATT MTU by itself right
 * after connecting, so exchangeMtu() reports the MTU in force instead of negotiating one.
 */
import { BLE_DEFAULT_ATT_MTU } from '@hkey/protocol';
import { TransportError } from '../errors.js';
import { type GattConnection, connectionClosed, keyRefusedWrite, writeTooLong } from '../gatt-connection.js';
import type { NobleCharacteristicLike, NoblePeripheralLike } from './noble.js';

/** The HKP service's characteristics (§2.2) on one connected key. */
export interface HkpCharacteristics {
  readonly controlPoint: NobleCharacteristicLike;
  readonly status: NobleCharacteristicLike;
  readonly controlPointLength: NobleCharacteristicLike;
  readonly serviceRevision: NobleCharacteristicLike;
}

/** The FIDO service's characteristics (§2.12) on one connected key. */
export interface FidoCharacteristics {
  readonly controlPoint: NobleCharacteristicLike;
  readonly status: NobleCharacteristicLike;
  readonly controlPointLength: NobleCharacteristicLike;
  readonly revisionBitfield: NobleCharacteristicLike;
}

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

export function nobleGattConnection(peripheral: NoblePeripheralLike, characteristics: HkpCharacteristics): GattConnection {
  const { controlPoint, status } = characteristics;
  const notifyListeners = new Set<(value: Uint8Array) => void>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let open = true;
  const onData = (data: Uint8Array, isNotification: boolean): void => {
    if (!isNotification || !open) return;
    const value = copy(data);
    for (const listener of notifyListeners) listener(value);
  };
  const onDisconnect = (reason: number | string): void => {
    if (!open) return;
    stop();
    for (const listener of disconnectListeners) listener(describeDisconnect(reason));
  };
  const stop = (): void => {
    open = false;
    status.removeListener('data', onData);
    peripheral.removeListener('disconnect', onDisconnect);
  };
  status.on('data', onData);
  peripheral.on('disconnect', onDisconnect);

  const mtu = (): number => peripheral.mtu ?? BLE_DEFAULT_ATT_MTU;
  /** Runs a GATT operation; one that fails because the key went away is DISCONNECTED. */
  const live = async <T>(operation: () => Promise<T>): Promise<T> => {
    if (!open) throw connectionClosed();
    try {
      return await operation();
    } catch (error) {
      if (peripheral.state !== 'connected') throw new TransportError('DISCONNECTED', { cause: error, message: 'The Bluetooth key disconnected; wake it and connect again.' });
      throw error;
    }
  };
  return {
    exchangeMtu: () => live(async () => mtu()),
    read: (characteristic) => live(async () => copy(await (characteristic === 'control-point-length' ? characteristics.controlPointLength : characteristics.serviceRevision).readAsync())),
    write: (value, withResponse) =>
      live(async () => {
        const tooLong = writeTooLong(value, mtu());
        if (tooLong) throw tooLong;
        try {
          await controlPoint.writeAsync(Buffer.from(value), !withResponse);
        } catch (error) {
          if (withResponse && peripheral.state === 'connected') throw keyRefusedWrite(error);
          throw error;
        }
      }),
    subscribe: (enable) => live(() => (enable ? status.subscribeAsync() : status.unsubscribeAsync())),
    onNotify(listener) {
      notifyListeners.add(listener);
      return () => notifyListeners.delete(listener);
    },
    onDisconnect(listener) {
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    async close() {
      if (!open) return;
      stop();
      if (peripheral.state !== 'connected') return;
      // Best effort: the disconnect below ends the subscription anyway.
      await status.unsubscribeAsync().catch(() => undefined);
      await peripheral.disconnectAsync();
    },
  };
}
