import { HidEndpoint, VirtualKey, BleConnection } from '@hkey/firmware-sim';
import { fuzzHidEndpoint, fuzzBleEndpoint } from './fuzz/transport-targets.js';
import { fuzzKeyParameters } from './fuzz/key-targets.js';
const which = process.argv[2];
const P = (c: unknown) => (c as { prototype: Record<string, unknown> }).prototype;
if (which === 'hid-error') { P(HidEndpoint).error = function (this: any, cid: number, _code: number, peer: unknown) { this.reply(cid, 0x3f, Uint8Array.of(0x42), peer); }; }
if (which === 'status') { const orig = P(VirtualKey).errorResponse as Function; P(VirtualKey).errorResponse = function (this: unknown, e: unknown) { const r = orig.call(this, e) as Uint8Array; return r[0] === 0x50 ? Uint8Array.of(0x99) : r; }; }
if (which === 'leak') { const orig = P(VirtualKey).dispatch as Function; P(VirtualKey).dispatch = async function (this: any, s: unknown, command: string, params: any, o: unknown) { const r = await orig.call(this, s, command, params, o) as Uint8Array; if (command === 'AccountGet') { const a = this.current.accounts.find((x: any) => x.id === params.id); if (a?.otp) return Uint8Array.from([...r.subarray(0, r.length), ...a.otp.secret]); } return r; }; }
if (which === 'ble-big') { const orig = P(BleConnection).send as Function; P(BleConnection).send = function (this: any, cmd: number, payload: Uint8Array) { return orig.call(this, cmd === 0x82 ? 0x8f : cmd, payload); }; }
if (which === 'pin-refund') { const orig = P(VirtualKey).persist as Function; P(VirtualKey).persist = function (this: any, next: any) { if (next.pin && this.current.pin && next.pin.retries < this.current.pin.retries && Math.random() < 0.5) next = { ...next, pin: { ...next.pin, retries: this.current.pin.retries } }; return orig.call(this, next); }; }
for (const [name, f] of Object.entries({ fuzzHidEndpoint, fuzzBleEndpoint, fuzzKeyParameters })) {
  try { await f(2000); console.log(which, name, 'passed'); } catch (e) { console.log(which, name, 'CAUGHT:', String((e as Error).message).split('\n').find((l) => l.startsWith('Got error'))?.slice(0, 220)); }
}
