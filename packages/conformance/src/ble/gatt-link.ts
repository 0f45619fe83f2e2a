/**
 * One BLE connection to a key as the GATT operations of docs/protocol.md §2.2 and §2.3: what the BLE framing
 * cases drive. The simulator's BLE link provides it (simulator-ble-link.ts); a radio stack can too.
 */
export type GattCharacteristic = 'control-point-length' | 'service-revision';

export interface BleGattLink {
  /** ATT_MTU in force: 23 on a new connection (§2.3). */
  readonly mtu: number;
  /** ATT Exchange MTU; resolves with the MTU now in force (the smaller of both sides' values). */
  exchangeMtu(clientMtu: number): Promise<number>;
  read(characteristic: GattCharacteristic): Promise<Uint8Array>;
  /** Enables or disables notifications of the status characteristic (the CCCD write). */
  subscribe(enable: boolean): Promise<void>;
  /** Write Request to the control point; resolves false when the key answers it with an ATT error. */
  writeRequest(value: Uint8Array): Promise<boolean>;
  /** Write Without Response to the control point. */
  writeCommand(value: Uint8Array): Promise<void>;
  /** Every notification of the status characteristic; returns an unsubscribe function. */
  onNotify(listener: (value: Uint8Array) => void): () => void;
  /** The connection dropped (key side or link); returns an unsubscribe function. */
  onDisconnect(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}
