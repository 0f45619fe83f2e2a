/**
 * The binary subprotocol (`hkey.v1.bin`, docs/bridge-protocol.md "Binary frames"): negotiated by clients that offer
 * it, carrying the data path without JSON or hex, held to exactly the same admission and CTAP origin policy as the
 * JSON protocol, and refusing malformed frames with typed error frames.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { BleCommand, encodeBleMessage, encodeU2fRequest, sha256 } from '@hkey/protocol';
import { neverPress } from '@hkey/firmware-sim';
import { BRIDGE_BINARY_PROTOCOL, BinaryFrame, decodeRequestFrame, decodeServerFrame, encodeExchangeFrame, encodeHidSendFrame } from '../src/bridge-binary.js';
import { fromHex } from '../src/bridge-protocol.js';
import type { BridgeError } from '../src/errors.js';
import { FidoClient } from '../src/fido/fido-client.js';
import { HidTransport } from '../src/hid-transport.js';
import { KeyClient } from '../src/key-client.js';
import { BridgeConnection, type WebSocketConstructor } from '../src/transports/ws-connection.js';
import { openBridgeGatt, openBridgeHidPort } from '../src/transports/ws-raw.js';
import { WsTransportKind } from '../src/transports/ws.js';
import { DEV_ORIGIN, type ServerRig, handshakeStatus, serverRig } from './bridge-server-rig.js';

let rig: ServerRig | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rig?.close();
  rig = undefined;
});

/** A `ws` WebSocket that records what it sends (text or binary), optionally presenting a browser's Origin. */
function recordingSocket(sent: ('text' | 'binary')[], origin?: string): WebSocketConstructor {
  return function (url: string, protocols?: string | string[]) {
    const socket = new WebSocket(url, protocols, origin === undefined ? {} : { origin });
    const send = socket.send.bind(socket);
    socket.send = ((data: string | Uint8Array) => {
      sent.push(typeof data === 'string' ? 'text' : 'binary');
      send(data);
    }) as typeof socket.send;
    return socket;
  } as unknown as WebSocketConstructor;
}

const clientDataHash = sha256(new TextEncoder().encode('client data'));
const refused = expect.objectContaining({ code: 'RP_ID_REFUSED', message: expect.stringContaining("its own origin's RP ID") });

describe('negotiation', () => {
  test('a program that offers hkey.v1.bin gets it: its HKP exchanges go as binary frames and the key answers', async () => {
    rig = await serverRig();
    const sent: ('text' | 'binary')[] = [];
    const kind = new WsTransportKind({ url: rig.server.url, token: rig.server.token, WebSocket: recordingSocket(sent) });
    const transport = await kind.open('virtual-1');
    cleanups.push(() => transport.close());
    const before = sent.length;
    const account = await new KeyClient(transport).getAccount(rig.accountId);
    expect(account.name).toBe('GitHub');
    expect(sent.slice(before).length).toBeGreaterThan(0);
    expect(sent.slice(before).every((kind) => kind === 'binary')).toBe(true);
  });

  test('a client that does not offer it (binary: false, or any older client) keeps the JSON protocol unchanged', async () => {
    rig = await serverRig();
    const connection = await BridgeConnection.connect({ url: rig.server.url, token: rig.server.token, binary: false });
    cleanups.push(() => connection.close());
    expect(connection.binary).toBe(false);
    const sent: ('text' | 'binary')[] = [];
    const kind = new WsTransportKind({ url: rig.server.url, token: rig.server.token, binary: false, WebSocket: recordingSocket(sent) });
    const transport = await kind.open('virtual-1');
    cleanups.push(() => transport.close());
    expect((await new KeyClient(transport).getAccount(rig.accountId)).name).toBe('GitHub');
    expect(sent.every((kind) => kind === 'text')).toBe(true);
  });

  test('offering the subprotocol changes no admission rule: no token, a foreign Origin or a foreign Host are refused as before', async () => {
    rig = await serverRig();
    const offer = { 'sec-websocket-protocol': BRIDGE_BINARY_PROTOCOL };
    expect((await handshakeStatus(rig.server, { ...offer, host: `127.0.0.1:${rig.server.port}` })).status).toBe(401);
    expect((await handshakeStatus(rig.server, { ...offer, host: `127.0.0.1:${rig.server.port}`, origin: 'https://evil.example' })).status).toBe(403);
    const hostile = await handshakeStatus(rig.server, { ...offer, host: `evil.example:${rig.server.port}` }, `/v1?token=${rig.server.token}`);
    expect(hostile.status).toBe(403);
    expect((await handshakeStatus(rig.server, { ...offer, host: `127.0.0.1:${rig.server.port}` }, `/v1?token=${rig.server.token}`)).status).toBe(101);
  });
});

describe('the data path over many exchanges', () => {
  test('frames of two sessions in turn carry each its own token and timeout', () => {
    for (const [id, session, timeout] of [
      [1, 'session-a', 5],
      [2, 'session-b', undefined],
      [3, 'session-a', 0xffff_fffe],
    ] as const) {
      const decoded = decodeRequestFrame(encodeExchangeFrame(BinaryFrame.EXCHANGE, id, session, timeout, new Uint8Array([9])));
      expect(decoded).toMatchObject({ type: BinaryFrame.EXCHANGE, id, session });
      expect([...decoded.rest]).toEqual([...new Uint8Array(new Uint32Array([timeout ?? 0]).buffer).reverse(), 9]);
    }
  });

  test('cancel still reaches the running exchange after many answered ones, each time, and the key stays usable', async () => {
    rig = await serverRig();
    const transport = await new WsTransportKind({ url: rig.server.url, token: rig.server.token }).open('virtual-1');
    cleanups.push(() => transport.close());
    const client = new KeyClient(transport);
    rig.keys[0]!.presence = neverPress;
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < 5; index++) expect((await client.getOtp(rig.accountId)).code).toMatch(/^\d{6}$/);
      const controller = new AbortController();
      const pending = client.getPassword(rig.accountId, { signal: controller.signal, onUserPresence: () => controller.abort() });
      expect(await pending.catch((error: BridgeError) => error.code)).toBe('CANCELLED');
    }
    expect((await client.getInfo()).serial).toBe('HK-SIM-000001');
  });
});

describe("a browser's CTAP on the binary protocol is held to its origin, as on JSON", () => {
  test('raw HID reports: an assertion for github.com is refused with RP_ID_REFUSED and never reaches the key', async () => {
    rig = await serverRig();
    const sent: ('text' | 'binary')[] = [];
    const port = await openBridgeHidPort({ url: rig.server.url, WebSocket: recordingSocket(sent, DEV_ORIGIN) }, 'virtual-1');
    cleanups.push(() => port.close?.());
    const since = rig.keys[0]!.events.lastSeq;
    const fido = new FidoClient(await HidTransport.open({ id: 'virtual-1', transport: 'webhid', name: 'through the bridge' }, port));
    await expect(fido.getAssertion({ rpId: 'github.com', clientDataHash })).rejects.toMatchObject({ cause: refused });
    expect(sent).toContain('binary');
    const events = rig.keys[0]!.events.since(since);
    expect(events.filter((event) => /^fido\.GetAssertion/.test(String((event as { command?: unknown }).command)))).toEqual([]);
  });

  test('ctap on an hkp session: a U2F APDU for github.com and authenticatorReset are refused, localhost passes', async () => {
    rig = await serverRig();
    const sent: ('text' | 'binary')[] = [];
    const transport = await new WsTransportKind({ url: rig.server.url, WebSocket: recordingSocket(sent, DEV_ORIGIN) }).open('virtual-1');
    cleanups.push(() => transport.close());
    const apdu = (rpId: string) =>
      encodeU2fRequest({ cla: 0, ins: 0x01, p1: 0, p2: 0, data: new Uint8Array([...clientDataHash, ...sha256(new TextEncoder().encode(rpId))]) });
    await expect(transport.fido.msg(apdu('github.com'))).rejects.toEqual(refused);
    await expect(transport.fido.cbor(new Uint8Array([0x07]))).rejects.toMatchObject({ code: 'RP_ID_REFUSED' });
    expect((await transport.fido.msg(apdu('localhost'))).length).toBeGreaterThan(0);
    expect(sent.filter((kind) => kind === 'binary')).toHaveLength(3);
  });

  test('FIDO GATT fragments: held back until the request is whole, then refused; none reaches the key', async () => {
    rig = await serverRig();
    const gatt = await openBridgeGatt({ url: rig.server.url, WebSocket: recordingSocket([], DEV_ORIGIN) }, 'virtual-1');
    cleanups.push(() => gatt.close());
    const request = new Uint8Array([0x02, ...fromHex('a2016a6769746875622e636f6d025820')!, ...clientDataHash]);
    const fragments = encodeBleMessage(BleCommand.MSG, request, 20);
    for (const fragment of fragments.slice(0, -1)) await gatt.write(fragment, true, 'fido-control-point');
    await expect(gatt.write(fragments.at(-1)!, true, 'fido-control-point')).rejects.toEqual(refused);
  });
});

describe('malformed binary frames get typed error frames and the connection carries on', () => {
  async function binarySocket(server: ServerRig['server']): Promise<{ ws: WebSocket; next(): Promise<Buffer | string> }> {
    const ws = new WebSocket(`${server.url}?token=${server.token}`, [BRIDGE_BINARY_PROTOCOL]);
    const inbox: (Buffer | string)[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (data: Buffer, isBinary) => {
      inbox.push(isBinary ? data : data.toString());
      waiters.splice(0).forEach((wake) => wake());
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    cleanups.push(() => ws.close());
    const next = async (): Promise<Buffer | string> => {
      while (inbox.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
      return inbox.shift()!;
    };
    expect(JSON.parse((await next()) as string)).toMatchObject({ type: 'hello', binary: BRIDGE_BINARY_PROTOCOL });
    return { ws, next };
  }
  const errorOf = (reply: Buffer | string) => decodeServerFrame(new Uint8Array(reply as Buffer));

  test('short, unknown, sessionless and wrong-sized frames', async () => {
    rig = await serverRig();
    const { ws, next } = await binarySocket(rig.server);
    ws.send(new Uint8Array([BinaryFrame.EXCHANGE, 0, 0]));
    expect(errorOf(await next())).toMatchObject({ type: 'error', id: 0, error: { code: 'BAD_FRAME' } });
    ws.send(new Uint8Array([0x7f, 0, 0, 0, 7]));
    expect(errorOf(await next())).toMatchObject({ type: 'error', id: 7, error: { code: 'BAD_FRAME' } });
    ws.send(encodeExchangeFrame(BinaryFrame.EXCHANGE, 8, 'no-such-session', undefined, new Uint8Array([1])));
    expect(errorOf(await next())).toMatchObject({ type: 'error', id: 8, error: { code: 'NO_SESSION' } });
    ws.send(encodeHidSendFrame(9, '', new Uint8Array(3)));
    expect(errorOf(await next())).toMatchObject({ type: 'error', id: 9, error: { code: 'BAD_MESSAGE' } });
    ws.send(JSON.stringify({ v: 1, id: 10, type: 'list' }));
    expect(JSON.parse((await next()) as string)).toMatchObject({ id: 10, type: 'result' });
  });

  test('a frame over the message limit is MESSAGE_TOO_LARGE', async () => {
    rig = await serverRig({ maxMessageBytes: 1024 });
    const { ws, next } = await binarySocket(rig.server);
    ws.send(encodeExchangeFrame(BinaryFrame.EXCHANGE, 1, 'x', undefined, new Uint8Array(2000)));
    expect(errorOf(await next())).toMatchObject({ type: 'error', id: 0, error: { code: 'MESSAGE_TOO_LARGE' } });
  });
});
