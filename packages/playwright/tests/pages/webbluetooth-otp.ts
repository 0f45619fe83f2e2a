/**
 * A page written against Web Bluetooth alone: it asks for a device with the HKP service, reads the control point
 * length, enables notifications, writes a GetOtp in fragments and reassembles the notified answer.
 */
import { BleCommand, BleReassembler, HKP_GATT, decodeControlPointLength, decodeResponse, encodeBleMessage, encodeRequest } from '@hkey/protocol';
import { onGo, param } from './kit.js';

interface Characteristic extends EventTarget {
  readonly value: DataView | null;
  readValue(): Promise<DataView>;
  writeValueWithoutResponse(value: Uint8Array): Promise<void>;
  startNotifications(): Promise<Characteristic>;
}

interface Device extends EventTarget {
  readonly gatt: { connect(): Promise<{ getPrimaryService(uuid: string): Promise<{ getCharacteristic(uuid: string): Promise<Characteristic> }> }> };
}

const bluetooth = (navigator as Navigator & { bluetooth: { requestDevice(options: unknown): Promise<Device> } }).bluetooth;

onGo(async () => {
  const device = await bluetooth.requestDevice({ filters: [{ services: [HKP_GATT.SERVICE_UUID] }] });
  const service = await (await device.gatt.connect()).getPrimaryService(HKP_GATT.SERVICE_UUID);
  const controlPoint = await service.getCharacteristic(HKP_GATT.CONTROL_POINT_UUID);
  const status = await service.getCharacteristic(HKP_GATT.STATUS_UUID);
  const view = await (await service.getCharacteristic(HKP_GATT.CONTROL_POINT_LENGTH_UUID)).readValue();
  const fragmentSize = decodeControlPointLength(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (fragmentSize === undefined) throw new Error('bad control point length');
  await status.startNotifications();
  const reassembler = new BleReassembler();
  const answer = new Promise<Uint8Array>((resolve, reject) => {
    status.addEventListener('characteristicvaluechanged', (event) => {
      const value = (event.target as Characteristic).value as DataView;
      const result = reassembler.feed(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), Date.now());
      if (result?.type === 'message' && result.cmd === BleCommand.MSG) resolve(result.payload);
      else if (result?.type === 'error') reject(new Error(`BLE ERROR ${result.code}`));
    });
  });
  for (const fragment of encodeBleMessage(BleCommand.MSG, encodeRequest('GetOtp', { id: Number(param('account') ?? 1) }), fragmentSize)) {
    await controlPoint.writeValueWithoutResponse(fragment);
  }
  const response = decodeResponse('GetOtp', await answer);
  return response.ok ? `code: ${response.result.code}` : `status: ${response.status}`;
});
