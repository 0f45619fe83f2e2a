/**
 * Child process of the "many keys" benchmark: starts N virtual keys, makes every one answer CTAPHID INIT and an
 * HKP GetInfo, then prints the process's resident memory as JSON. Run with --expose-gc.
 */
import { HID_BROADCAST_CID, HidCommand, HidResponseReader, decodeHidInitResponse, encodeHidInitRequest, encodeHidMessage, encodeRequest } from '@hkey/protocol';
import { HidEndpoint, VirtualKey } from '@hkey/firmware-sim';

const count = Number(process.argv[2] ?? 1);
const gc = (globalThis as { gc?: () => void }).gc;
const nonce = new Uint8Array(8).fill(1);
const getInfo = encodeRequest('GetInfo', {});

async function answer(endpoint: HidEndpoint<number>, inbox: Uint8Array[], cid: number, cmd: number, payload: Uint8Array): Promise<Uint8Array> {
  const reader = new HidResponseReader(cid);
  encodeHidMessage(cid, cmd, payload).forEach((report) => endpoint.receive(report, 0));
  for (;;) {
    const report = inbox.shift();
    if (report === undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const event = reader.feed(report);
    if (event?.type === 'message') return event.payload;
  }
}

const keys: VirtualKey[] = [];
const endpoints: HidEndpoint<number>[] = [];
for (let i = 0; i < count; i++) {
  const key = await VirtualKey.start({ identity: { serial: `HK-BENCH-${i}` } });
  const endpoint = new HidEndpoint<number>(key);
  const inbox: Uint8Array[] = [];
  endpoint.attach((report) => inbox.push(report));
  const init = decodeHidInitResponse(await answer(endpoint, inbox, HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce)));
  const info = await answer(endpoint, inbox, init!.cid, HidCommand.HKP_MSG, getInfo);
  if (info[0] !== 0) throw new Error(`key ${i} answered status ${info[0]}`);
  keys.push(key);
  endpoints.push(endpoint);
}
gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
gc?.();
process.stdout.write(`${JSON.stringify({ keys: keys.length, endpoints: endpoints.length, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed })}\n`);
