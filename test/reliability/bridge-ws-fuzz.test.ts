/**
 * Fuzzing the bridge's WebSocket protocol (docs/bridge-protocol.md): valid requests of every type, mutated
 * (wrong types, unknown fields, bad hex, huge ids, truncated JSON, random bytes), sent by an authorised program.
 * Every text message must get exactly one reply (result or error) that is well-formed, the server must survive,
 * and a plain `list` must still work afterwards. The binary subprotocol (hkey.v1.bin) gets the same treatment:
 * its frame parser refuses any bytes with a typed BadMessageError only, and every frame on a binary connection
 * gets exactly one well-formed RESULT or ERROR frame.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { BridgeError, InProcessSource, type BridgeServer, startBridgeServer } from '@hkey/bridge';
import {
  BRIDGE_BINARY_PROTOCOL,
  BinaryFrame,
  decodeServerFrame,
  encodeExchangeFrame,
  encodeGattWriteFrame,
  encodeHidSendFrame,
} from '../../bridge/src/bridge-binary.js';
import { parseBinaryRequest } from '../../bridge/src/server/binary-requests.js';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { casesFor, fuzzSeed, printReport, record, timeoutFor } from './fuzz/budget.js';

const TARGET = 'bridge WebSocket messages';
const CASES = casesFor(TARGET);
let server: BridgeServer;

beforeAll(async () => {
  const source = new InProcessSource();
  const key = await VirtualKey.start();
  source.add({ id: 'fuzz-key', name: 'fuzz key', serial: key.serial, connectHid: () => connectInProcess(key) });
  server = await startBridgeServer({ sources: [source], port: 0 });
});

afterAll(async () => {
  await server?.close();
  printReport();
});

const TYPES = [
  'list',
  'watch',
  'unwatch',
  'acquire',
  'release',
  'exchange',
  'cancel',
  'hid-send',
  'gatt-mtu',
  'gatt-read',
  'gatt-write',
  'gatt-subscribe',
  'nonsense',
  '',
];
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('fuzz-key'),
  fc.constant('hkp'),
  fc.constant('hid'),
  fc.constant('gatt'),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxz'), maxLength: 200 }),
  fc.array(fc.integer(), { maxLength: 5 }),
);
const request = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.constant(2), fc.constant('1'), fc.constant(null)),
    id: fc.oneof(fc.nat(), fc.string({ maxLength: 12 }), fc.constant(null), fc.double()),
    type: fc.constantFrom(...TYPES),
    device: anyValue,
    link: anyValue,
    session: anyValue,
    message: anyValue,
    report: anyValue,
    value: anyValue,
    mtu: anyValue,
    characteristic: anyValue,
    enable: anyValue,
    request: anyValue,
    extra: anyValue,
  },
  { requiredKeys: ['type'] },
);
const text = fc.oneof(
  { weight: 6, arbitrary: request.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: request.chain((value) => fc.nat({ max: JSON.stringify(value).length }).map((cut) => JSON.stringify(value).slice(0, cut))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('[]', '1', 'null', '"x"', '{}', '{"v":1}', '{"v":1,"id":1}') },
);

async function connect(): Promise<{ socket: WebSocket; replies: unknown[]; next(): Promise<unknown> }> {
  const socket = new WebSocket(`${server.url}?token=${server.token}`);
  const replies: unknown[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    replies.push(JSON.parse(String(data)));
    wake?.();
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = async (): Promise<unknown> => {
    const deadline = Date.now() + 5000;
    while (replies.length === 0) {
      if (Date.now() > deadline) throw new Error('the bridge did not answer');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return replies.shift();
  };
  return { socket, replies, next };
}

test(
  `bridge WebSocket messages: ${CASES} mutated requests, one well-formed reply each, the server survives`,
  async () => {
    const started = performance.now();
    const { socket, next } = await connect();
    expect(await next()).toMatchObject({ type: 'hello' });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(text, async (message) => {
        sent += 1;
        socket.send(message);
        // Events (device-added, hid-report, session-ended...) may come between; the reply to this message is the first result or error.
        for (;;) {
          const reply = (await next()) as { v?: unknown; type?: unknown; error?: { code?: unknown; message?: unknown } };
          if (reply.type !== 'result' && reply.type !== 'error') continue;
          expect(reply.v).toBe(1);
          if (reply.type === 'error') {
            expect(typeof reply.error?.code).toBe('string');
            expect(typeof reply.error?.message).toBe('string');
          }
          return;
        }
      }),
      { numRuns: CASES, seed: fuzzSeed },
    );
    socket.close();
    const fresh = await connect();
    expect(await fresh.next()).toMatchObject({ type: 'hello' });
    fresh.socket.send(JSON.stringify({ v: 1, id: 'after', type: 'list' }));
    expect(await fresh.next()).toMatchObject({ v: 1, id: 'after', type: 'result' });
    fresh.socket.close();
    record(TARGET, sent, performance.now() - started, 'every one answered, server alive');
  },
  timeoutFor(TARGET, 300_000),
);

const frameType = fc.constantFrom<number>(BinaryFrame.EXCHANGE, BinaryFrame.CTAP_CBOR, BinaryFrame.CTAP_MSG, BinaryFrame.HID_SEND, BinaryFrame.GATT_WRITE);
const validFrame = fc.oneof(
  fc
    .tuple(frameType, fc.nat(), fc.string({ maxLength: 40 }), fc.option(fc.nat(), { nil: undefined }), fc.uint8Array({ maxLength: 300 }))
    .map(([type, id, session, timeout, data]) =>
      type === BinaryFrame.HID_SEND
        ? encodeHidSendFrame(id, session, data)
        : type === BinaryFrame.GATT_WRITE
          ? encodeGattWriteFrame(id, session, data, timeout !== undefined, undefined)
          : encodeExchangeFrame(type as typeof BinaryFrame.EXCHANGE, id, session, timeout, data),
    ),
  fc.tuple(fc.nat(), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 64 })).map(([id, session, data]) => encodeHidSendFrame(id, session, data)),
);
/** Valid frames with bytes flipped, cut short or extended, and plain random bytes. */
const binaryFrame = fc.oneof(
  { weight: 3, arbitrary: validFrame },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validFrame, fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([frame, at, value]) => (frame.length === 0 ? frame : (frame.set([value], at % frame.length), frame))),
  },
  { weight: 2, arbitrary: validFrame.chain((frame) => fc.nat({ max: frame.length }).map((cut) => frame.subarray(0, cut))) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

test(`bridge binary frames: the parser refuses any bytes with a typed error only`, () => {
  fc.assert(
    fc.property(binaryFrame, (frame) => {
      try {
        parseBinaryRequest(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(BridgeError);
        expect(typeof (error as BridgeError).code).toBe('string');
      }
      // What a client reads from the server never throws either: anything malformed is undefined.
      decodeServerFrame(frame);
    }),
    { numRuns: CASES, seed: fuzzSeed },
  );
});

test(
  `bridge binary frames: ${Math.ceil(CASES / 4)} mutated frames on hkey.v1.bin, one well-formed reply frame each, the server survives`,
  async () => {
    const started = performance.now();
    const socket = new WebSocket(`${server.url}?token=${server.token}`, [BRIDGE_BINARY_PROTOCOL]);
    const frames: Uint8Array[] = [];
    let wake: (() => void) | undefined;
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) frames.push(new Uint8Array(data));
      wake?.();
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.protocol).toBe(BRIDGE_BINARY_PROTOCOL);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(binaryFrame, async (frame) => {
        sent += 1;
        socket.send(frame);
        const deadline = Date.now() + 5000;
        while (frames.length === 0) {
          if (Date.now() > deadline) throw new Error('the bridge did not answer a binary frame');
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 20);
          });
        }
        const reply = decodeServerFrame(frames.shift()!);
        expect(reply?.type === 'result' || reply?.type === 'error').toBe(true);
        if (reply?.type === 'error') expect(reply.error.code).toMatch(/^[A-Z_]+$/);
      }),
      { numRuns: Math.ceil(CASES / 4), seed: fuzzSeed },
    );
    socket.send(JSON.stringify({ v: 1, id: 'after', type: 'list' }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.close();
    record(TARGET, sent, performance.now() - started, 'binary frames: every one answered, server alive');
  },
  timeoutFor(TARGET, 300_000),
);
