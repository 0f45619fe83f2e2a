/** The navigator.hid, navigator.bluetooth and navigator.credentials shims and the device sources behind them. */
export { type DeviceSource, type InPageDevice, InPageDeviceSource, type ShimDevice, type ShimDeviceChange, bridgeDeviceSource } from './device-source.js';
export type { ChooserRequest, PermissionOptions, PromptPolicy, RememberPolicy, ShimApi } from './permission.js';
export {
  HIDConnectionEvent,
  type HIDDeviceFilter,
  type HIDDeviceRequestOptions,
  HIDInputReportEvent,
  ShimHID,
  ShimHIDDevice,
  type WebHidShimOptions,
  installWebHid,
} from './webhid.js';
export {
  type BluetoothLEScanFilter,
  type BluetoothRequestDeviceOptions,
  ShimBluetooth,
  ShimBluetoothDevice,
  type WebBluetoothShimOptions,
  installWebBluetooth,
} from './webbluetooth.js';
export { ShimGATTCharacteristic, ShimGATTServer, ShimGATTService } from './bluetooth-gatt.js';
export * from './webauthn/index.js';
