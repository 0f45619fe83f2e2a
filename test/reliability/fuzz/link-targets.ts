/**
 * The BLE link server over real TCP (docs/protocol.md §8.2): each case opens a server for a fresh key, sends one
 * connection's byte stream (valid GATT sessions, junk operations and data, bad lengths, a cut stream), reads
 * everything the server sends until the connection closes, and checks it: only defined operations and error codes,
 * notifications no longer than the fragment size in force that form well-framed §2 messages with valid HKP answers.
 * A hang (no close within seconds) fails the case. Afterwards a new connection still gets GetInfo answered and the
 * key's invariants hold. A case is one connection.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { BleCommand, BleError, BleLinkFrameReader, BleLinkOp, BleReassembler, encodeBleLinkFrame, encodeRequest, encodeUint16 } from '@hkey/protocol';
import { BleEndpoint } from '@hkey/firmware-sim';
import { bleLinkKeysOf, startBleLinkServer } from '@hkey/firmware-sim/node';
import { checkAsync } from './budget.js';
import { mutateBytes, position, seededBytes } from './mutate.js';
import { SEEDS } from './key-targets.js';
import { type Rig, bleFragments, checkHkpResponse, checkKeyInvariants, hkpPayload, plantedSecrets, startKey } from './transport-targets.js';
import { fail } from './oracle.js';

const SERIAL = 'HK-FUZZ-000001';
const HANG_MS = 5000;
const QUIET_MS = 150;
const KEY_TO_HOST = new Set<number>([
  BleLinkOp.ADVERTISEMENTS,
  BleLinkOp.CONNECTED,
  BleLinkOp.MTU,
  BleLinkOp.VALUE,
  BleLinkOp.WRITTEN,
  BleLinkOp.SUBSCRIBED,
  BleLinkOp.NOTIFY,
  BleLinkOp.DISCONNECTED,
  BleLinkOp.MTU_CHANGED,
  BleLinkOp.ERROR,
]);

type Frame = readonly [op: number, data: Uint8Array];

const frame = (op: number, data: Uint8Array = new Uint8Array(0)): Frame => [op, data];
const utf8 = new TextEncoder();

/** One GATT operation as a host sends it, valid or not. */
const operation: fc.Arbitrary<readonly Frame[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom([frame(BleLinkOp.SCAN)], [frame(BleLinkOp.SCAN, Uint8Array.of(1))]) },
  { weight: 1, arbitrary: fc.constantFrom(SERIAL, 'HK-NOPE', '', '\u00ff').map((serial) => [frame(BleLinkOp.CONNECT, utf8.encode(serial))]) },
  { weight: 1, arbitrary: fc.constantFrom(22, 23, 64, 247, 512, 517, 518, 0xffff).map((mtu) => [frame(BleLinkOp.EXCHANGE_MTU, encodeUint16(mtu))]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3), new Uint8Array(0), Uint8Array.of(1, 1))
      .map((data) => [frame(BleLinkOp.READ, data)]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(2), new Uint8Array(0)).map((data) => [frame(BleLinkOp.SUBSCRIBE, data)]),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom(BleLinkOp.WRITE_REQUEST, BleLinkOp.WRITE_COMMAND),
        fc.constantFrom(BleCommand.MSG, BleCommand.MSG, BleCommand.PING, BleCommand.CANCEL, 0x84),
        hkpPayload,
        fc.constantFrom(20, 20, 61, 509),
      )
      .map(([op, cmd, payload, size]) => bleFragments(cmd, payload, size).map((fragment) => frame(op, fragment))),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(BleLinkOp.WRITE_REQUEST, BleLinkOp.WRITE_COMMAND), seededBytes(0, 600)).map(([op, data]) => [frame(op, data)]),
  },
  { weight: 1, arbitrary: fc.constant([frame(BleLinkOp.DISCONNECT)]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x00, 0x08, 0x0a, 0x81, 0x88, 0xff), seededBytes(0, 8)).map(([op, data]) => [frame(op, data)]) },
);

const session = fc.record({
  seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
  /** Most hosts connect and subscribe first; the rest send whatever they send. */
  opening: fc.boolean(),
  operations: fc.array(operation, { minLength: 1, maxLength: 10 }),
  edits: fc.oneof(
    { weight: 4, arbitrary: fc.constant<[number, number][]>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 }) },
  ),
  chunks: fc.integer({ min: 1, max: 4 }),
});

/**
 * Sends `stream` in `chunks` writes and then a SCAN as a barrier, and collects what the server sends until it closes.
 * The client hangs up once the barrier is answered, or after QUIET_MS when a frame length promised bytes that never
 * came (the server rightly waits for them and reads the barrier as part of that frame). Once the client has hung
 * up the server must close within HANG_MS: anything else is a hang.
 */
function converse(port: number, stream: Uint8Array, chunks: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    const reader = new BleLinkFrameReader();
    let barrierSent = false;
    let quiet: NodeJS.Timeout | undefined;
    let hang: NodeJS.Timeout | undefined;
    const hangUp = (): void => {
      clearTimeout(quiet);
      if (hang !== undefined) return;
      socket.end();
      hang = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the BLE link server did not close within ${HANG_MS} ms after the host hung up`));
      }, HANG_MS);
    };
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      try {
        if (reader.push(new Uint8Array(chunk)).some(({ op }) => op === BleLinkOp.ADVERTISEMENTS) && barrierSent) hangUp();
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(quiet);
      clearTimeout(hang);
      resolve(new Uint8Array(Buffer.concat(received)));
    });
    socket.on('connect', () => {
      const size = Math.ceil(stream.length / chunks);
      for (let offset = 0; offset < stream.length; offset += size) socket.write(stream.subarray(offset, offset + size));
      // Answers to MSG come after the key's asynchronous handling: the barrier goes in a later write.
      setImmediate(() => {
        barrierSent = true;
        if (!socket.destroyed) socket.write(encodeBleLinkFrame(BleLinkOp.SCAN));
        quiet = setTimeout(hangUp, QUIET_MS);
      });
    });
  });
}

/** Checks the server's byte stream (§8.2) and the §2 messages its notifications carry. */
function checkServerStream(bytes: Uint8Array, rig: Rig, issued: Set<string>): void {
  const frames = new BleLinkFrameReader().push(bytes);
  const secrets = plantedSecrets(rig.seed);
  let fragmentSize = 20;
  let reassembler = new BleReassembler();
  for (const { op, data } of frames) {
    if (!KEY_TO_HOST.has(op)) fail(`the server sent operation 0x${op.toString(16)}`);
    if (op === BleLinkOp.ERROR && !(data[0]! >= 1 && data[0]! <= 5)) fail(`the server sent ERROR code ${data[0]}`);
    if (op === BleLinkOp.MTU || op === BleLinkOp.CONNECTED) fragmentSize = Math.min(512, ((data[0]! << 8) | data[1]!) - 3);
    // Notifications stopped while unsubscribed may have cut a message: the host starts afresh (§2.2).
    if (op === BleLinkOp.SUBSCRIBED) reassembler = new BleReassembler();
    if (op !== BleLinkOp.NOTIFY) continue;
    if (data.length > fragmentSize) fail(`a ${data.length}-byte notification exceeds the fragment size ${fragmentSize}`);
    const result = reassembler.feed(data, 0);
    if (result?.type === 'error') fail(`the notifications break the §2 framing (${result.code})`);
    if (result?.type !== 'message') continue;
    if (result.cmd === BleCommand.MSG) checkHkpResponse(result.payload, secrets, issued);
    else if (result.cmd === BleCommand.ERROR && !Object.values(BleError).includes(result.payload[0] as never)) fail(`BLE ERROR ${result.payload[0]}`);
    else if (result.cmd === BleCommand.KEEPALIVE && result.payload[0] !== 1 && result.payload[0] !== 2) fail('a malformed KEEPALIVE');
  }
}

/** A new connection that connects, subscribes and asks GetInfo gets the answer (§8.2). */
async function checkAnswers(port: number): Promise<void> {
  const request = bleFragments(BleCommand.MSG, encodeRequest('GetInfo', {}), 20).map((fragment) => encodeBleLinkFrame(BleLinkOp.WRITE_REQUEST, fragment));
  const stream = Buffer.concat([
    encodeBleLinkFrame(BleLinkOp.CONNECT, utf8.encode(SERIAL)),
    encodeBleLinkFrame(BleLinkOp.SUBSCRIBE, Uint8Array.of(1)),
    ...request,
  ]);
  const frames = new BleLinkFrameReader().push(await converse(port, stream, 1));
  const reassembler = new BleReassembler();
  const answered = frames.some(({ op, data }) => {
    if (op !== BleLinkOp.NOTIFY) return false;
    const result = reassembler.feed(data, 0);
    return result?.type === 'message' && result.cmd === BleCommand.MSG && result.payload[0] === 0;
  });
  if (!answered) fail('a new connection did not get GetInfo answered');
}

export async function fuzzBleLinkServer(cases: number): Promise<number> {
  await checkAsync(
    fc.asyncProperty(session, async ({ seed, opening, operations, edits, chunks }) => {
      const rig = await startKey(seed, ['approved']);
      const server = await startBleLinkServer(bleLinkKeysOf([new BleEndpoint(rig.key)]), { port: 0 });
      try {
        const prelude: Frame[] = opening ? [frame(BleLinkOp.CONNECT, utf8.encode(SERIAL)), frame(BleLinkOp.SUBSCRIBE, Uint8Array.of(1))] : [];
        let stream: Uint8Array = Buffer.concat([...prelude, ...operations.flat()].map(([op, data]) => encodeBleLinkFrame(op, data.subarray(0, 1023))));
        stream = mutateBytes(
          stream,
          edits.map(([at, value]) => ({ kind: 'set', at, value })),
        );
        const issued = new Set<string>();
        checkServerStream(await converse(server.port, stream, chunks), rig, issued);
        await checkAnswers(server.port);
        await checkKeyInvariants(rig);
      } finally {
        await server.close();
      }
    }),
    cases,
  );
  return cases;
}
