import { VirtualKey, connectInProcess } from '../firmware-sim/src/index.js';
import { KeyClient, openVirtualTransport } from '../bridge/src/index.js';
import { encodeRequest } from '../protocol/src/index.js';
const key = await VirtualKey.start();
const transport = await openVirtualTransport(connectInProcess(key));
const req = encodeRequest('Wink', {});
for (let r = 0; r < 3; r++) {
const n = 50_000;
const t0 = performance.now();
for (let i = 0; i < n; i++) await transport.exchange(req);
console.log('exchange Wink', Math.round(n / ((performance.now() - t0) / 1000)));
}
await transport.close();
