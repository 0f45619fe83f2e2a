/**
 * A FidoClient on one key of the source, as a browser reaches a security key: CTAPHID over HID when the key has a
 * HID interface that carries CTAP, else the FIDO GATT service over Bluetooth.
 */
import { BleTransport } from '../../ble-transport.js';
import { fidoUnsupported } from '../../fido/fido-errors.js';
import { FidoClient } from '../../fido/fido-client.js';
import { HidTransport } from '../../hid-transport.js';
import type { Transport } from '../../transport.js';
import type { DeviceSource, ShimDevice } from '../device-source.js';

export interface KeyLink {
  readonly fido: FidoClient;
  /** The WebAuthn transport name of the link (AuthenticatorTransport): 'usb' or 'ble'. */
  readonly transport: 'usb' | 'ble';
  close(): Promise<void>;
}

async function withFido(transport: Transport, name: 'usb' | 'ble'): Promise<KeyLink | undefined> {
  if (transport.fido === undefined) {
    await transport.close().catch(() => undefined);
    return undefined;
  }
  return { fido: new FidoClient(transport), transport: name, close: () => transport.close() };
}

export async function openKeyLink(source: DeviceSource, device: ShimDevice): Promise<KeyLink> {
  if (device.hid !== undefined) {
    const link = await withFido(await HidTransport.open({ id: device.id, transport: 'webhid', name: device.name }, await source.openHid(device.id)), 'usb');
    if (link !== undefined) return link;
  }
  if (device.gatt) {
    const link = await withFido(
      await BleTransport.open({ id: device.id, transport: 'webbluetooth', name: device.name }, await source.connectGatt(device.id)),
      'ble',
    );
    if (link !== undefined) return link;
  }
  throw fidoUnsupported();
}
