/**
 * A page written against WebHID alone, as a web app for a real key would be: it finds the key by its usage page,
 * allocates a CTAPHID channel with INIT, sends an HKP GetOtp and prints the code.
 */
import {
  HID_BROADCAST_CID,
  HKP_HID_USAGE_PAGE,
  HidCommand,
  HidResponseReader,
  decodeHidInitResponse,
  decodeResponse,
  encodeHidInitRequest,
  encodeHidMessage,
  encodeRequest,
} from '@hkey/protocol';
import { onGo, param } from './kit.js';

interface HidDeviceLike extends EventTarget {
  open(): Promise<void>;
  sendReport(reportId: number, data: Uint8Array): Promise<void>;
}

const hid = (navigator as Navigator & { hid: { requestDevice(options: unknown): Promise<HidDeviceLike[]> } }).hid;

function transact(device: HidDeviceLike, cid: number, cmd: number, payload: Uint8Array): Promise<Uint8Array> {
  const reader = new HidResponseReader(cid);
  return new Promise((resolve, reject) => {
    const onReport = (event: Event): void => {
      const data = (event as Event & { data: DataView }).data;
      const result = reader.feed(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (result === undefined || result.type === 'keepalive') return;
      device.removeEventListener('inputreport', onReport);
      if (result.type === 'message') resolve(result.payload);
      else reject(new Error(`CTAPHID ${result.type}`));
    };
    device.addEventListener('inputreport', onReport);
    (async () => {
      for (const report of encodeHidMessage(cid, cmd, payload)) await device.sendReport(0, report);
    })().catch(reject);
  });
}

onGo(async () => {
  const [device] = await hid.requestDevice({ filters: [{ usagePage: HKP_HID_USAGE_PAGE }] });
  if (device === undefined) return 'no device chosen';
  await device.open();
  const init = decodeHidInitResponse(
    await transact(device, HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(crypto.getRandomValues(new Uint8Array(8)))),
  );
  if (init === undefined) throw new Error('bad INIT response');
  const command = param('op') === 'password' ? 'GetPassword' : 'GetOtp';
  const response = decodeResponse(command, await transact(device, init.cid, HidCommand.HKP_MSG, encodeRequest(command, { id: Number(param('account') ?? 1) })));
  if (!response.ok) return `status: ${response.status}`;
  return 'code' in response.result ? `code: ${response.result.code}` : 'password received';
});
