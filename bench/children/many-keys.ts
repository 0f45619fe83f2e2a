/**
 * Child process of the "many keys" benchmark: starts N virtual keys, makes every one answer CTAPHID INIT and an
 * HKP GetInfo (and with `fido`, also a CTAP2 MakeCredential of a discoverable credential, which creates the key's
 * security-key state), then prints the process's resident memory as JSON. Run with --expose-gc.
 */
import {
  CoseAlgorithm,
  CtapCommand,
  HID_BROADCAST_CID,
  HidCommand,
  HidResponseReader,
  MakeCredentialKey,
  ctapMap,
  decodeHidInitResponse,
  encodeCtap,
  encodeHidInitRequest,
  encodeHidMessage,
  encodeRequest,
} from '@hkey/protocol';
import { HidEndpoint, VirtualKey } from '@hkey/firmware-sim';

const count = Number(process.argv[2] ?? 1);
const withFido = process.argv[3] === 'fido';
const makeCredential = new Uint8Array([
  CtapCommand.MakeCredential,
  ...encodeCtap(
    ctapMap([
      [MakeCredentialKey.clientDataHash, new Uint8Array(32).fill(3)],
      [MakeCredentialKey.rp, ctapMap([['id', 'example.com']])],
      [
        MakeCredentialKey.user,
        ctapMap([
          ['id', new Uint8Array(16).fill(4)],
          ['name', 'alice@example.com'],
        ]),
      ],
      [
        MakeCredentialKey.pubKeyCredParams,
        [
          ctapMap([
            ['alg', CoseAlgorithm.ES256],
            ['type', 'public-key'],
          ]),
        ],
      ],
      [MakeCredentialKey.options, ctapMap([['rk', true]])],
    ]),
  ),
]);
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
  if (withFido) {
    const created = await answer(endpoint, inbox, init!.cid, HidCommand.CBOR, makeCredential);
    if (created[0] !== 0) throw new Error(`key ${i} answered CTAP status ${created[0]}`);
  }
  keys.push(key);
  endpoints.push(endpoint);
}
gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
gc?.();
process.stdout.write(
  `${JSON.stringify({ keys: keys.length, endpoints: endpoints.length, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed })}\n`,
);
