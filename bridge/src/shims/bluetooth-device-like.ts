/**
 * A Bluetooth device as its GATT objects see it; ShimBluetoothDevice is one. A file of its own so that
 * bluetooth-gatt.ts need not import webbluetooth.ts, which imports bluetooth-gatt.ts.
 */
export interface BluetoothDeviceLike extends EventTarget {
  readonly id: string;
  readonly name: string;
}
