/**
 * The navigator.hid and navigator.bluetooth shims in Node (DOM events and DOMException are global there), over
 * an in-page source: their W3C shapes and errors, and the bridge's WebHID and Web Bluetooth transports on top.
 * Real Chromium runs them end to end in test/browser.
 */
import { describe, expect, test } from 'vitest';
import { BleCommand, BleReassembler, FIDO_GATT, HKP_GATT, HKP_HID_USAGE_PAGE, type CtapMap, decodeCtap, encodeBleMessage, totp } from '@hkey/protocol';
import { BleEndpoint, connectInProcess } from '@hkey/firmware-sim';
import {
  InPageDeviceSource,
  KeyClient,
  type ShimHIDDevice,
  WebBluetoothTransportKind,
  WebHidTransportKind,
  bridgeDeviceSource,
  connectGattEndpoint,
  installWebBluetooth,
  installWebHid,
} from '../src/index.browser.js';
import { provisionedKey, serverRig } from './bridge-server-rig.js';
import { SECRET } from './rig.js';

async function pageWithKey(prompt: 'grant' | 'deny' = 'grant') {
  const { key, accountId } = await provisionedKey('HK-SIM-000007');
  const source = new InPageDeviceSource();
  const unplug = source.add({
    id: 'page-key',
    name: 'Hideez Key (in page)',
    connectHid: () => connectInProcess(key),
    connectGatt: () => connectGattEndpoint(new BleEndpoint(key, { controlPointLength: 100 })),
  });
  const navigator = {};
  const { hid } = installWebHid({ source, prompt, remember: 'session', requireUserActivation: false }, navigator);
  const { bluetooth } = installWebBluetooth({ source, prompt, remember: 'session', requireUserActivation: false }, navigator);
  return { key, accountId, source, unplug, navigator: navigator as { hid: typeof hid; bluetooth: typeof bluetooth }, hid, bluetooth };
}

function expectCurrentCode(code: string): void {
  const now = Math.floor(Date.now() / 1000);
  expect([totp(SECRET, now), totp(SECRET, now - 30)]).toContain(code);
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  return promise.then(
    () => ({ name: 'resolved', message: '' }),
    (error: Error) => ({ name: error.name, message: error.message }),
  );
}

describe('WebHID shim', () => {
  test('has the W3C shape: collections on usage page 0xFF48, one object per key, getDevices after a grant', async () => {
    const { hid, navigator } = await pageWithKey();
    expect(navigator.hid).toBe(hid);
    expect(await hid.getDevices()).toEqual([]);
    const [device] = await hid.requestDevice({ filters: [{ usagePage: HKP_HID_USAGE_PAGE }] });
    expect(device?.collections[0]).toMatchObject({
      usagePage: 0xff48,
      usage: 1,
      inputReports: [{ reportId: 0 }],
      outputReports: [{ reportId: 0 }],
      featureReports: [],
    });
    expect(device?.productName).toBe('Hideez Key (in page)');
    expect(device?.opened).toBe(false);
    expect((await hid.getDevices())[0]).toBe(device);
    expect(await hid.requestDevice({ filters: [{ usagePage: 0xf1d0 }] })).toEqual([]);
  });

  test('reports: ID 0 and at most 64 bytes go out; inputreport events carry a DataView', async () => {
    const { hid } = await pageWithKey();
    const [device] = (await hid.requestDevice({ filters: [] })) as [ShimHIDDevice];
    expect((await rejection(device.sendReport(0, new Uint8Array(64)))).name).toBe('InvalidStateError');
    await device.open();
    expect((await rejection(device.open())).name).toBe('InvalidStateError');
    expect((await rejection(device.sendReport(1, new Uint8Array(64)))).name).toBe('NotAllowedError');
    expect((await rejection(device.sendReport(0, new Uint8Array(65)))).name).toBe('NotAllowedError');
    const reports: { reportId: number; length: number }[] = [];
    device.oninputreport = (event) => reports.push({ reportId: event.reportId, length: event.data.byteLength });
    // CTAPHID INIT on the broadcast channel, sent short: the shim pads to 64 bytes as the OS would.
    await device.sendReport(0, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x86, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8));
    await expect.poll(() => reports).toEqual([{ reportId: 0, length: 64 }]);
    await device.close();
    expect(device.opened).toBe(false);
  });

  test('a denied chooser resolves [], bad filters throw TypeError, no gesture is a SecurityError', async () => {
    const denied = await pageWithKey('deny');
    expect(await denied.hid.requestDevice({ filters: [] })).toEqual([]);
    expect((await rejection(denied.hid.requestDevice(undefined))).name).toBe('TypeError');
    expect((await rejection(denied.hid.requestDevice({ filters: [{ productId: 1 }] }))).name).toBe('TypeError');
    const { source } = await pageWithKey();
    const { hid } = installWebHid({ source, prompt: 'grant' }, {});
    // Node has no navigator.userActivation; a page without one is treated like Chrome with a gesture.
    expect(await hid.requestDevice({ filters: [] })).toHaveLength(1);
  });

  test("WebHidTransportKind runs KeyClient over it; unplugging fires 'disconnect'", async () => {
    const { hid, accountId, unplug } = await pageWithKey();
    const kind = new WebHidTransportKind({ hid });
    const chosen = await kind.request();
    expect(chosen).toMatchObject({ transport: 'webhid', name: 'Hideez Key (in page)' });
    const transport = await kind.open(chosen!);
    expectCurrentCode((await new KeyClient(transport).getOtp(accountId)).code);
    const disconnects: string[] = [];
    hid.ondisconnect = (event) => disconnects.push(event.device.productName);
    const lost = new Promise((resolve) => transport.on('disconnect', resolve));
    unplug();
    await lost;
    expect(disconnects).toEqual(['Hideez Key (in page)']);
  });
});

describe('Web Bluetooth shim', () => {
  test('services and characteristics of the HKP service, with Chrome errors', async () => {
    const { bluetooth } = await pageWithKey();
    expect((await rejection(bluetooth.requestDevice({}))).name).toBe('TypeError');
    expect((await rejection(bluetooth.requestDevice({ filters: [] }))).name).toBe('TypeError');
    expect((await rejection(bluetooth.requestDevice({ filters: [{ services: ['C11F0000-7503-4AB4-B248-398CA4DD13B6'] }] }))).name).toBe('TypeError');
    const device = await bluetooth.requestDevice({ filters: [{ services: [HKP_GATT.SERVICE_UUID] }] });
    expect(device.name).toBe('Hideez Key (in page)');
    expect((await rejection(device.gatt.getPrimaryService(HKP_GATT.SERVICE_UUID))).name).toBe('NetworkError');
    const server = await device.gatt.connect();
    expect(server.connected).toBe(true);
    expect((await rejection(server.getPrimaryService(0x180f))).name).toBe('NotFoundError');
    const service = await server.getPrimaryService(HKP_GATT.SERVICE_UUID);
    const length = await service.getCharacteristic(HKP_GATT.CONTROL_POINT_LENGTH_UUID);
    expect(length.properties).toMatchObject({ read: true, write: false, notify: false });
    expect((await length.readValue()).getUint16(0)).toBe(100);
    expect(await service.getCharacteristic(HKP_GATT.CONTROL_POINT_LENGTH_UUID)).toBe(length);
    const controlPoint = await service.getCharacteristic(HKP_GATT.CONTROL_POINT_UUID);
    expect((await rejection(controlPoint.readValue())).name).toBe('NotSupportedError');
    expect((await rejection(controlPoint.writeValueWithResponse(new Uint8Array(101)))).name).toBe('InvalidModificationError');
    expect((await rejection(controlPoint.writeValueWithResponse(new Uint8Array(513)))).name).toBe('InvalidModificationError');
    const disconnected = new Promise((resolve) => (device.ongattserverdisconnected = resolve));
    server.disconnect();
    await disconnected;
    expect(server.connected).toBe(false);
  });

  test('a key granted without its service in filters or optionalServices is off limits', async () => {
    const { bluetooth } = await pageWithKey();
    const device = await bluetooth.requestDevice({ acceptAllDevices: true });
    const server = await device.gatt.connect();
    expect((await rejection(server.getPrimaryService(HKP_GATT.SERVICE_UUID))).name).toBe('SecurityError');
    const again = await bluetooth.requestDevice({ acceptAllDevices: true, optionalServices: [HKP_GATT.SERVICE_UUID] });
    expect(again).toBe(device);
    expect((await server.getPrimaryService(HKP_GATT.SERVICE_UUID)).uuid).toBe(HKP_GATT.SERVICE_UUID);
  });

  test('a denied chooser rejects with NotFoundError', async () => {
    const { bluetooth } = await pageWithKey('deny');
    expect(await rejection(bluetooth.requestDevice({ filters: [{ namePrefix: 'Hideez' }] }))).toEqual({
      name: 'NotFoundError',
      message: 'User cancelled the requestDevice() chooser.',
    });
  });

  test('WebBluetoothTransportKind runs KeyClient over it; the key dropping the link ends the transport', async () => {
    const { bluetooth, accountId, key } = await pageWithKey();
    const kind = new WebBluetoothTransportKind({ bluetooth });
    const chosen = await kind.request();
    const transport = await kind.open(chosen!);
    expect(transport.channel.fragmentSize).toBe(100);
    expectCurrentCode((await new KeyClient(transport).getOtp(accountId)).code);
    const lost = new Promise((resolve) => transport.on('disconnect', resolve));
    await key.powerCycle();
    await lost;
  });

  test('through a real bridge server: a page reaches the FIDO service, selects FIDO2 and gets a CTAP GetInfo answered on fidoStatus', async () => {
    const rig = await serverRig();
    try {
      const { bluetooth } = installWebBluetooth(
        { source: bridgeDeviceSource({ url: rig.server.url, token: rig.server.token }), prompt: 'grant', remember: 'session', requireUserActivation: false },
        {},
      );
      const device = await bluetooth.requestDevice({ filters: [{ services: [HKP_GATT.SERVICE_UUID] }], optionalServices: [0xfffd] });
      const server = await device.gatt.connect();
      expect((await server.getPrimaryServices()).map((service) => service.uuid)).toEqual([HKP_GATT.SERVICE_UUID, FIDO_GATT.SERVICE_UUID]);
      const fido = await server.getPrimaryService(0xfffd);
      expect(fido.uuid).toBe(FIDO_GATT.SERVICE_UUID);

      const bitfield = await fido.getCharacteristic(FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID);
      expect((await bitfield.readValue()).getUint8(0)).toBe(0x60);
      // Two revisions at once is not a selection (ATT Value Not Allowed); FIDO2 alone is.
      expect((await rejection(bitfield.writeValueWithResponse(Uint8Array.of(0x60)))).name).toBe('NetworkError');
      await bitfield.writeValueWithResponse(Uint8Array.of(0x20));
      const length = (await (await fido.getCharacteristic(FIDO_GATT.CONTROL_POINT_LENGTH_UUID)).readValue()).getUint16(0);
      expect(length).toBe(244);

      // Both status characteristics notify; each carries its own service's answers only.
      const fidoAnswers = notifiedMessages(await (await fido.getCharacteristic(FIDO_GATT.STATUS_UUID)).startNotifications());
      const hkp = await server.getPrimaryService(HKP_GATT.SERVICE_UUID);
      const hkpAnswers = notifiedMessages(await (await hkp.getCharacteristic(HKP_GATT.STATUS_UUID)).startNotifications());
      const controlPoint = await fido.getCharacteristic(FIDO_GATT.CONTROL_POINT_UUID);
      expect(controlPoint.properties).toMatchObject({ write: true, writeWithoutResponse: false });
      expect((await rejection(controlPoint.writeValueWithoutResponse(Uint8Array.of(BleCommand.PING, 0, 0)))).name).toBe('NotSupportedError');
      // A PING, then authenticatorGetInfo (0x04), cut in fragments of 20 bytes as at an ATT_MTU of 23.
      const ping = Uint8Array.from({ length: 50 }, (_, index) => index);
      for (const fragment of encodeBleMessage(BleCommand.PING, ping, 20)) await controlPoint.writeValueWithResponse(fragment);
      expect(await fidoAnswers.next()).toEqual({ cmd: BleCommand.PING, payload: ping });
      for (const fragment of encodeBleMessage(BleCommand.MSG, Uint8Array.of(0x04), 20)) await controlPoint.writeValueWithResponse(fragment);
      const answer = await fidoAnswers.next();
      expect(answer.cmd).toBe(BleCommand.MSG);
      expect(answer.payload[0]).toBe(0);
      const info = decodeCtap(answer.payload.subarray(1)) as CtapMap;
      expect(info.get(1)).toContain('FIDO_2_1');
      expect(hkpAnswers.received).toBe(0);
      server.disconnect();
    } finally {
      await rig.close();
    }
  });
});

/** The whole messages a status characteristic notifies (§2.4), in order. */
function notifiedMessages(characteristic: EventTarget & { value: DataView | null }) {
  const reassembler = new BleReassembler();
  const messages: { cmd: number; payload: Uint8Array }[] = [];
  let wake: () => void = () => undefined;
  let received = 0;
  characteristic.addEventListener('characteristicvaluechanged', () => {
    received += 1;
    const value = characteristic.value as DataView;
    const result = reassembler.feed(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), Date.now());
    if (result?.type === 'message') messages.push({ cmd: result.cmd, payload: result.payload });
    wake();
  });
  return {
    get received() {
      return received;
    },
    async next(): Promise<{ cmd: number; payload: Uint8Array }> {
      while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return messages.shift() as { cmd: number; payload: Uint8Array };
    },
  };
}
