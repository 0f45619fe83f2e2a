/**
 * The FIDO GATT service (CTAP 2.1 §11.4, docs/protocol.md §2.12) through the BLE link endpoint (§8.2), driven by
 * a hand-made GATT-over-TCP client with small fragments, next to the HKP service on the same connection.
 */
import { type Socket, connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  BleCommand,
  BleError,
  BleKeepaliveStatus,
  BleLinkCharacteristic,
  BleLinkError,
  BleLinkFrameReader,
  BleLinkOp,
  BleReassembler,
  CoseAlgorithm,
  CtapCommand,
  type CtapMap,
  CtapStatus,
  GetAssertionKey,
  GetAssertionResponseKey,
  GetInfoKey,
  MakeCredentialKey,
  MakeCredentialResponseKey,
  U2fInstruction,
  ctapMap,
  decodeAuthenticatorData,
  decodeCtap,
  encodeBleLinkFrame,
  encodeBleMessage,
  encodeCtap,
  encodeRequest,
  encodeU2fRequest,
  sha256,
} from '@hkey/protocol';
import { Simulator } from '@hkey/firmware-sim/node';

const utf8 = new TextEncoder();
const FRAGMENT = 20;
let simulator: Simulator;
let socket: Socket;
/** What the key sent, by where a host stack would deliver it: fidoStatus, the HKP status, everything else. */
let inbox: Record<'fido' | 'hkp' | 'link', { op: number; data: Uint8Array }[]>;
let wake: (() => void)[];
/** WRITTEN answers of fidoControlPoint writes that nextLink() skips. */
let writesToForget = 0;

beforeEach(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: 0 });
  socket = connect(simulator.bleLink!.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const reader = new BleLinkFrameReader();
  inbox = { fido: [], hkp: [], link: [] };
  wake = [];
  writesToForget = 0;
  socket.on('data', (chunk) => {
    for (const frame of reader.push(new Uint8Array(chunk))) {
      inbox[frame.op === BleLinkOp.FIDO_NOTIFY ? 'fido' : frame.op === BleLinkOp.NOTIFY ? 'hkp' : 'link'].push(frame);
    }
    wake.splice(0).forEach((resolve) => resolve());
  });
});

afterEach(async () => {
  socket.destroy();
  await simulator.close();
});

const op = (code: number, data?: Uint8Array) => socket.write(encodeBleLinkFrame(code, data));

async function next(from: keyof typeof inbox = 'link', timeoutMs = 3000): Promise<{ op: number; data: Uint8Array }> {
  const deadline = Date.now() + timeoutMs;
  while (inbox[from].length === 0) {
    if (Date.now() > deadline) throw new Error('no frame from the key');
    await new Promise<void>((resolve) => {
      wake.push(resolve);
      setTimeout(resolve, 50);
    });
  }
  return inbox[from].shift()!;
}

/** Connects at the default ATT_MTU 23 (fragments of 20 bytes) and enables fidoStatus notifications. */
async function connectFido(): Promise<void> {
  op(BleLinkOp.CONNECT, utf8.encode('HK-SIM-000001'));
  expect(await nextLink()).toEqual({ op: BleLinkOp.CONNECTED, data: Uint8Array.of(0, 23) });
  op(BleLinkOp.FIDO_SUBSCRIBE, Uint8Array.of(1));
  expect(await nextLink()).toEqual({ op: BleLinkOp.FIDO_SUBSCRIBED, data: Uint8Array.of(1) });
}

/** Writes a message to fidoControlPoint; the link's WRITTEN answers are not kept. */
function writeFido(cmd: number, payload: Uint8Array): void {
  for (const fragment of encodeBleMessage(cmd, payload, FRAGMENT)) writeFidoFragment(fragment);
}

function writeFidoFragment(fragment: Uint8Array): void {
  op(BleLinkOp.FIDO_WRITE, fragment);
  writesToForget += 1;
}

/** The next frame of the link itself, past the WRITTEN answers of writeFido. */
async function nextLink(): Promise<{ op: number; data: Uint8Array }> {
  for (;;) {
    const frame = await next('link');
    if (frame.op === BleLinkOp.WRITTEN && writesToForget > 0) writesToForget -= 1;
    else return frame;
  }
}

/** Reassembles the next message notified on fidoStatus, collecting KEEPALIVE statuses. */
async function fidoAnswer(keepalives: number[] = []): Promise<{ cmd: number; payload: Uint8Array }> {
  const reassembler = new BleReassembler();
  for (;;) {
    const frame = await next('fido', 35_000);
    expect(frame.data.length).toBeLessThanOrEqual(FRAGMENT);
    const result = reassembler.feed(frame.data, Date.now());
    if (result?.type === 'message' && result.cmd === BleCommand.KEEPALIVE) {
      keepalives.push(result.payload[0]!);
      continue;
    }
    if (result?.type === 'message') return { cmd: result.cmd, payload: result.payload };
    if (result !== undefined) throw new Error(`the host saw broken framing ${result.code}`);
  }
}

async function ctap(command: number, params?: CtapMap, keepalives?: number[]): Promise<{ status: number; body: CtapMap }> {
  writeFido(BleCommand.MSG, Uint8Array.of(command, ...(params ? encodeCtap(params) : [])));
  const answer = await fidoAnswer(keepalives);
  expect(answer.cmd).toBe(BleCommand.MSG);
  const body = answer.payload.length > 1 ? decodeCtap(answer.payload.subarray(1)) : new Map();
  return { status: answer.payload[0]!, body: body as CtapMap };
}

const makeCredential = (): CtapMap =>
  ctapMap([
    [MakeCredentialKey.clientDataHash, sha256(utf8.encode('register over BLE'))],
    [
      MakeCredentialKey.rp,
      ctapMap([
        ['id', 'example.com'],
        ['name', 'Example'],
      ]),
    ],
    [
      MakeCredentialKey.user,
      ctapMap([
        ['id', utf8.encode('user-1')],
        ['name', 'alice'],
        ['displayName', 'Alice'],
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
  ]);

const getAssertion = (credentialId: Uint8Array): CtapMap =>
  ctapMap([
    [GetAssertionKey.rpId, 'example.com'],
    [GetAssertionKey.clientDataHash, sha256(utf8.encode('login over BLE'))],
    [
      GetAssertionKey.allowList,
      [
        ctapMap([
          ['id', credentialId],
          ['type', 'public-key'],
        ]),
      ],
    ],
  ]);

/** One message on the HKP service: control point writes, the answer reassembled from the HKP status characteristic. */
async function hkpExchange(cmd: number, payload: Uint8Array) {
  for (const fragment of encodeBleMessage(cmd, payload, FRAGMENT)) op(BleLinkOp.WRITE_COMMAND, fragment);
  const reassembler = new BleReassembler();
  for (;;) {
    const frame = await next('hkp');
    const result = reassembler.feed(frame.data, Date.now());
    if (result !== undefined) return result;
  }
}

/** Presses the key's button as soon as it waits for it. */
async function pressWhenAsked(): Promise<void> {
  const device = simulator.devices[0]!;
  await device.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: 0 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(device.button.press()).toBe(true);
}

describe('FIDO GATT service over the BLE link (docs/protocol.md §2.12)', () => {
  test('fidoControlPointLength and fidoServiceRevisionBitfield read; a revision is selected with one supported bit', async () => {
    await connectFido();
    op(BleLinkOp.READ, Uint8Array.of(BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH));
    expect(await nextLink()).toEqual({ op: BleLinkOp.VALUE, data: Uint8Array.of(3, 0x01, 0xfd) });
    op(BleLinkOp.READ, Uint8Array.of(BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD));
    expect(await nextLink()).toEqual({ op: BleLinkOp.VALUE, data: Uint8Array.of(4, 0x60) });
    for (const refused of [0x60, 0x80, 0x00]) {
      op(BleLinkOp.FIDO_SELECT_REVISION, Uint8Array.of(refused));
      expect((await nextLink()).data[0]).toBe(BleLinkError.VALUE_NOT_ALLOWED);
    }
    op(BleLinkOp.FIDO_SELECT_REVISION, Uint8Array.of(0x20, 0x00));
    expect((await nextLink()).data[0]).toBe(BleLinkError.BAD_LENGTH);
    op(BleLinkOp.FIDO_SELECT_REVISION, Uint8Array.of(0x20));
    expect((await nextLink()).op).toBe(BleLinkOp.WRITTEN);
  });

  test('GetInfo in 20-byte fragments lists the ble transport', async () => {
    await connectFido();
    op(BleLinkOp.FIDO_SELECT_REVISION, Uint8Array.of(0x20));
    const info = await ctap(CtapCommand.GetInfo);
    expect(info.status).toBe(CtapStatus.OK);
    expect(info.body.get(GetInfoKey.versions)).toContain('FIDO_2_0');
    expect(info.body.get(GetInfoKey.transports)).toEqual(['usb', 'ble']);
  });

  test('MakeCredential then GetAssertion in 20-byte fragments, with KEEPALIVE UP_NEEDED while the button is awaited', async () => {
    await connectFido();
    simulator.devices[0]!.setPresencePolicy('button');
    const keepalives: number[] = [];
    const pressed = pressWhenAsked();
    const made = await ctap(CtapCommand.MakeCredential, makeCredential(), keepalives);
    await pressed;
    expect(made.status).toBe(CtapStatus.OK);
    expect(made.body.get(MakeCredentialResponseKey.fmt)).toBe('packed');
    expect(keepalives).toContain(BleKeepaliveStatus.UP_NEEDED);
    const registered = decodeAuthenticatorData(made.body.get(MakeCredentialResponseKey.authData) as Uint8Array);
    const credentialId = registered.attested!.credentialId;

    const pressedAgain = pressWhenAsked();
    const asserted = await ctap(CtapCommand.GetAssertion, getAssertion(credentialId));
    await pressedAgain;
    expect(asserted.status).toBe(CtapStatus.OK);
    const credential = asserted.body.get(GetAssertionResponseKey.credential) as CtapMap;
    expect(Buffer.from(credential.get('id') as Uint8Array).equals(Buffer.from(credentialId))).toBe(true);
    const authData = decodeAuthenticatorData(asserted.body.get(GetAssertionResponseKey.authData) as Uint8Array);
    expect(Buffer.from(authData.rpIdHash).equals(Buffer.from(sha256(utf8.encode('example.com'))))).toBe(true);
    expect(authData.flags & 0x01).toBe(0x01);
  });

  test('CANCEL ends a button wait with CTAP2_ERR_KEEPALIVE_CANCEL and is never answered itself', async () => {
    await connectFido();
    simulator.devices[0]!.setPresencePolicy('button');
    const keepalives: number[] = [];
    const pending = ctap(CtapCommand.MakeCredential, makeCredential(), keepalives);
    await simulator.devices[0]!.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: 0 });
    writeFido(BleCommand.CANCEL, new Uint8Array(0));
    const answer = await pending;
    expect(answer).toEqual({ status: CtapStatus.KEEPALIVE_CANCEL, body: new Map() });
    expect(keepalives).toContain(BleKeepaliveStatus.UP_NEEDED);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.fido).toEqual([]);
  });

  test('a MSG starting with CLA 0x00 is a U2F APDU; under U2F 1.2 every MSG is one', async () => {
    await connectFido();
    const version = encodeU2fRequest({ cla: 0, ins: U2fInstruction.VERSION, p1: 0, p2: 0, data: new Uint8Array(0) });
    writeFido(BleCommand.MSG, version);
    expect(await fidoAnswer()).toEqual({ cmd: BleCommand.MSG, payload: Uint8Array.of(...utf8.encode('U2F_V2'), 0x90, 0x00) });

    op(BleLinkOp.FIDO_SELECT_REVISION, Uint8Array.of(0x40));
    expect((await nextLink()).op).toBe(BleLinkOp.WRITTEN);
    writeFido(BleCommand.MSG, Uint8Array.of(CtapCommand.GetInfo));
    expect(await fidoAnswer()).toEqual({ cmd: BleCommand.MSG, payload: Uint8Array.of(0x67, 0x00) });
  });

  test('broken framing on fidoControlPoint is answered with ERROR codes on fidoStatus', async () => {
    await connectFido();
    const cases: [Uint8Array[], number][] = [
      [[Uint8Array.of(BleCommand.MSG, 0x00, 0x00)], BleError.INVALID_LEN],
      [[Uint8Array.of(BleCommand.PING, 0x1d, 0xba)], BleError.INVALID_LEN],
      [[Uint8Array.of(0x85, 0x00, 0x00)], BleError.INVALID_CMD],
      [[Uint8Array.of(BleCommand.KEEPALIVE, 0x00, 0x01, 0x01)], BleError.INVALID_CMD],
      [[Uint8Array.of(BleCommand.PING, 0x00, 0x20, 1, 2), Uint8Array.of(0x01, 3)], BleError.INVALID_SEQ],
      [[Uint8Array.of(BleCommand.PING, 0x00, 0x20, 1, 2), Uint8Array.of(BleCommand.PING, 0x00, 0x00)], BleError.INVALID_SEQ],
      [[Uint8Array.of(BleCommand.PING, 0x00, 0x04, 1, 2), Uint8Array.of(0x00, 3, 4, 5)], BleError.INVALID_LEN],
    ];
    for (const [fragments, code] of cases) {
      for (const fragment of fragments) writeFidoFragment(fragment);
      expect(await fidoAnswer()).toEqual({ cmd: BleCommand.ERROR, payload: Uint8Array.of(code) });
    }
    op(BleLinkOp.FIDO_WRITE, new Uint8Array(21).fill(BleCommand.PING));
    expect(inbox.fido).toEqual([]);
    expect((await nextLink()).data[0]).toBe(BleLinkError.BAD_LENGTH);
  });

  test('the HKP service keeps its own framing while a FIDO request waits on the same connection', async () => {
    await connectFido();
    op(BleLinkOp.SUBSCRIBE, Uint8Array.of(1));
    expect((await nextLink()).op).toBe(BleLinkOp.SUBSCRIBED);
    simulator.devices[0]!.setPresencePolicy('button');
    const pending = ctap(CtapCommand.MakeCredential, makeCredential());
    await simulator.devices[0]!.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: 0 });

    // A PING on the HKP control point is echoed on the HKP status characteristic, never on fidoStatus.
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    expect(await hkpExchange(BleCommand.PING, data)).toEqual({ type: 'message', cmd: BleCommand.PING, payload: data });
    // The FIDO request holds the key, so an HKP MSG meanwhile is DEVICE_BUSY, answered on the HKP service.
    expect(await hkpExchange(BleCommand.MSG, encodeRequest('GetInfo', {}))).toEqual({ type: 'message', cmd: BleCommand.MSG, payload: Uint8Array.of(0x60) });

    expect(simulator.devices[0]!.button.press()).toBe(true);
    expect((await pending).status).toBe(CtapStatus.OK);
    expect(inbox.hkp).toEqual([]);
  });

  test('without the BLE link GetInfo names USB only', async () => {
    const plain = await Simulator.start({ udpPort: 0, blePort: null });
    try {
      const answer = await plain.devices[0]!.key.openSession('hid').ctap(Uint8Array.of(CtapCommand.GetInfo));
      const info = decodeCtap(answer!.subarray(1)) as CtapMap;
      expect(info.get(GetInfoKey.transports)).toEqual(['usb']);
    } finally {
      await plain.close();
    }
  });
});
