/**
 * One WebSocket client of the bridge server: reads its requests, answers each under its id, forwards the
 * events of the sessions it holds, and gives everything back when it goes away. Every failure of a request
 * becomes an error reply; nothing a client sends can throw out of here.
 */
import { HID_MAX_MESSAGE_SIZE, HID_REPORT_SIZE, HkeyError } from '@hkey/protocol';
import type { RawData, WebSocket } from 'ws';
import { BRIDGE_BINARY_PROTOCOL, BinaryFrame, encodeErrorFrame, encodeKeepaliveFrame, encodeResultFrame, encodeSessionEventFrame } from '../bridge-binary.js';
import { BRIDGE_PROTOCOL_VERSION, type BridgeErrorBody, type BridgeEvent, type BridgeLink, type BridgeReply, toHex } from '../bridge-protocol.js';
import { type BridgeError, DeviceBusyError, TransportError } from '../errors.js';
import type { GattNotifying, GattReadable, GattWritable } from '../gatt-connection.js';
import type { LeaseRegistry } from '../lease.js';
import type { ExchangeOptions, Transport } from '../transport.js';
import type { CtapRequestPolicy } from './ctap-request-policy.js';
import type { DeviceHub } from './device-hub.js';
import { type LinkHandle, type OpenedLink, openLink } from './open-link.js';
import { parseBinaryRequest } from './binary-requests.js';
import { GattRequestGate, HidRequestGate } from './request-gates.js';
import { BadMessageError, type ParsedRequest, type RequestId, bool, bytes, int, oneOf, parseRequest, readId, str } from './request-fields.js';

interface Session {
  readonly token: string;
  readonly deviceId: string;
  readonly opened: OpenedLink;
  /** CTAP requests in raw reports and FIDO GATT fragments, read by the client's policy before the key gets them. */
  readonly hidGate: HidRequestGate;
  readonly gattGate: GattRequestGate;
}

export interface ClientLimits {
  readonly maxMessageBytes: number;
  /** What CTAP this client may send (browsers: their origin's RP IDs only; see ctap-request-policy.ts). */
  readonly ctap: CtapRequestPolicy;
}

const LINKS: readonly BridgeLink[] = ['hkp', 'hid', 'gatt'];
const GATT_READABLE: readonly GattReadable[] = ['control-point-length', 'service-revision', 'fido-control-point-length', 'fido-service-revision-bitfield'];
const GATT_WRITABLE: readonly GattWritable[] = ['control-point', 'fido-control-point', 'fido-service-revision-bitfield'];
const GATT_NOTIFYING: readonly GattNotifying[] = ['status', 'fido-status'];
const CTAP_COMMANDS = ['cbor', 'msg'] as const;

type Exchange = (message: Uint8Array, options: ExchangeOptions) => Promise<Uint8Array>;
const MAX_EXCHANGE_TIMEOUT_MS = 600_000;
const NO_BYTES = new Uint8Array(0);
/** Exchanges a client runs at once are few (one per session, queued on the key); more controllers are not kept. */
const MAX_IDLE_CONTROLLERS = 8;
/** The requests binary frames carry; the rest (control) stays JSON on every connection. */
const DATA_REQUESTS = new Set(['exchange', 'ctap', 'hid-send', 'gatt-write']);

export class ClientConnection {
  private readonly sessions = new Map<string, Session>();
  /** Devices this client is opening right now, so a second acquire cannot race the first. */
  private readonly acquiring = new Set<string>();
  /** Exchanges still running, by request id, for `cancel`. */
  private readonly running = new Map<RequestId, AbortController>();
  /**
   * Controllers of finished exchanges that were never aborted, for the next ones: a fresh AbortController and its
   * first listener cost more than the rest of the bridge's work on an exchange. The key's channel stops listening
   * to a signal when the request that used it settles, so a reused one carries nothing over.
   */
  private readonly idleControllers: AbortController[] = [];
  private stopWatching: (() => void) | undefined;
  private closed = false;
  /** The client negotiated `hkey.v1.bin`: data requests may come as binary frames, and session events go out as them. */
  private readonly binary: boolean;

  constructor(
    private readonly socket: WebSocket,
    /** Unique per connection: two tabs of one origin are two holders. */
    readonly owner: string,
    private readonly hub: DeviceHub,
    private readonly leases: LeaseRegistry,
    private readonly limits: ClientLimits,
    private readonly onInternalError: (error: unknown) => void,
  ) {
    this.binary = socket.protocol === BRIDGE_BINARY_PROTOCOL;
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => void this.close());
    this.emit({
      type: 'hello',
      server: 'hkey-bridge',
      protocol: BRIDGE_PROTOCOL_VERSION,
      client: owner,
      ...(this.binary && { binary: BRIDGE_BINARY_PROTOCOL }),
    });
  }

  /** Ends every session and lease of this client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching?.();
    for (const controller of this.running.values()) controller.abort();
    await Promise.all([...this.sessions.values()].map((session) => this.endSession(session)));
    this.leases.releaseOwner(this.owner);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary && !this.binary) return this.replyError(null, new BadMessageError('The bridge protocol uses JSON text messages.'));
    const message = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (message.length > this.limits.maxMessageBytes) {
      const tooLarge = new BadMessageError(`A message may hold at most ${this.limits.maxMessageBytes} bytes.`, 'MESSAGE_TOO_LARGE');
      return isBinary ? this.replyBinaryError(null, tooLarge) : this.replyError(null, tooLarge);
    }
    if (isBinary) return this.onBinaryFrame(message);
    let request: ParsedRequest;
    try {
      request = parseRequest(message.toString('utf8'));
    } catch (error) {
      return this.replyError(error instanceof BadMessageError ? error.requestId : null, error);
    }
    if (this.running.has(request.id)) return this.replyError(request.id, new BadMessageError('This id belongs to a request still running; use a new id.'));
    this.handle(request).then(
      (result) => this.send({ v: 1, id: request.id, type: 'result', result }),
      (error: unknown) => this.replyError(request.id, error),
    );
  }

  /** A data request as a binary frame: the same handling as its JSON form, answered with a RESULT or ERROR frame. */
  private onBinaryFrame(frame: Uint8Array): void {
    let request: ParsedRequest;
    try {
      request = parseBinaryRequest(frame);
    } catch (error) {
      return this.replyBinaryError(error instanceof BadMessageError && typeof error.requestId === 'number' ? error.requestId : null, error);
    }
    const id = request.id as number;
    if (this.running.has(id)) return this.replyBinaryError(id, new BadMessageError('This id belongs to a request still running; use a new id.'));
    let reply: Promise<Uint8Array>;
    try {
      reply = this.handleData(request);
    } catch (error) {
      return this.replyBinaryError(id, error);
    }
    reply.then(
      (result) => this.sendFrame(encodeResultFrame(id, result)),
      (error: unknown) => this.replyBinaryError(id, error),
    );
  }

  /**
   * The data path, shared by both encodings: exchange and ctap answer with the key's bytes, the others with none.
   * Not async, so the key's answer is not wrapped in one more promise on its way out; a malformed request may throw.
   */
  private handleData({ id, type, body, binary }: ParsedRequest): Promise<Uint8Array> {
    switch (type) {
      case 'exchange':
        return this.exchange(id, body, binary, (transport) => transport.exchange.bind(transport));
      case 'ctap': {
        const command = oneOf(body, 'command', CTAP_COMMANDS);
        return this.exchange(id, body, binary, (transport) => {
          const fido = transport.fido;
          if (fido === undefined)
            throw new BadMessageError('This key does not speak CTAP (its INIT announces no CBOR), so it is no security key.', 'FIDO_UNSUPPORTED');
          const check = command === 'cbor' ? this.limits.ctap.checkCbor : this.limits.ctap.checkApdu;
          const send = command === 'cbor' ? fido.cbor.bind(fido) : fido.msg.bind(fido);
          return (message, options) => (check(message), send(message, options));
        });
      }
      case 'hid-send':
        return this.hidSend(body);
      case 'gatt-write':
        return this.gattWrite(body);
      default:
        throw new BadMessageError(`Unknown request type; see docs/bridge-protocol.md.`, 'UNKNOWN_TYPE');
    }
  }

  private async hidSend(body: Record<string, unknown>): Promise<Uint8Array> {
    const session = this.session(str(body, 'session'));
    const port = this.linkOf(body, 'hid').port;
    for (const report of session.hidGate.take(bytes(body, 'report', HID_REPORT_SIZE, HID_REPORT_SIZE))) await port.send(report);
    return NO_BYTES;
  }

  private async gattWrite(body: Record<string, unknown>): Promise<Uint8Array> {
    const session = this.session(str(body, 'session'));
    const gatt = this.linkOf(body, 'gatt').gatt;
    const value = bytes(body, 'value', 1, 512);
    const response = bool(body, 'response');
    const characteristic = body.characteristic === undefined ? undefined : oneOf(body, 'characteristic', GATT_WRITABLE);
    const fragments = characteristic === 'fido-control-point' ? session.gattGate.take(value) : [value];
    for (const fragment of fragments) await gatt.write(fragment, response, characteristic);
    return NO_BYTES;
  }

  private async handle(request: ParsedRequest): Promise<unknown> {
    const { type, body } = request;
    if (DATA_REQUESTS.has(type)) {
      const result = await this.handleData(request);
      return type === 'exchange' || type === 'ctap' ? { data: toHex(result) } : {};
    }
    switch (type) {
      case 'list':
        return { devices: this.hub.list() };
      case 'watch':
        this.stopWatching ??= this.hub.onChange((change) => this.emit(change));
        return { devices: this.hub.list() };
      case 'unwatch':
        this.stopWatching?.();
        this.stopWatching = undefined;
        return {};
      case 'acquire':
        return this.acquire(str(body, 'device', 1000), oneOf(body, 'link', LINKS));
      case 'release':
        await this.endSession(this.session(str(body, 'session')));
        return {};
      case 'cancel': {
        const target = readId(body.request);
        if (target === null) throw new BadMessageError('"request" must be the id of an exchange.');
        // An exchange that already finished has nothing left to cancel: not an error.
        this.running.get(target)?.abort();
        return {};
      }
      case 'gatt-mtu':
        return { mtu: await this.linkOf(body, 'gatt').gatt.exchangeMtu(int(body, 'mtu', 23, 517)) };
      case 'gatt-read': {
        const gatt = this.linkOf(body, 'gatt').gatt;
        return { value: toHex(await gatt.read(oneOf(body, 'characteristic', GATT_READABLE))) };
      }
      case 'gatt-subscribe':
        await this.linkOf(body, 'gatt').gatt.subscribe(
          bool(body, 'enable'),
          body.characteristic === undefined ? undefined : oneOf(body, 'characteristic', GATT_NOTIFYING),
        );
        return {};
      default:
        throw new BadMessageError(`Unknown request type; see docs/bridge-protocol.md.`, 'UNKNOWN_TYPE');
    }
  }

  private async acquire(deviceId: string, link: BridgeLink): Promise<unknown> {
    const entry = this.hub.get(deviceId);
    if (entry === undefined) throw new TransportError('NOT_FOUND', { message: 'The bridge has no key with this id; list the keys to see which are there.' });
    if (!entry.device.links.includes(link))
      throw new BadMessageError('This key does not offer that link here; see "links" in its device entry.', 'UNSUPPORTED_LINK');
    if (this.acquiring.has(deviceId) || [...this.sessions.values()].some((session) => session.deviceId === deviceId)) {
      throw new BadMessageError('This connection already holds the key; release its session first.', 'ALREADY_ACQUIRED');
    }
    const token = this.leases.acquire(deviceId, { owner: this.owner });
    this.acquiring.add(deviceId);
    let opened: OpenedLink;
    try {
      opened = await openLink(entry, link, {
        report: (report) =>
          this.binary
            ? this.sendFrame(encodeSessionEventFrame(BinaryFrame.HID_REPORT, token, report))
            : this.emit({ type: 'hid-report', session: token, report: toHex(report) }),
        notify: (value, characteristic) =>
          this.binary
            ? this.sendFrame(encodeSessionEventFrame(BinaryFrame.GATT_NOTIFY, token, value, characteristic))
            : this.emit({ type: 'gatt-notify', session: token, value: toHex(value), characteristic }),
        ended: (error) => this.sessionEnded(token, error),
      });
    } catch (error) {
      this.leases.release(token);
      throw error;
    } finally {
      this.acquiring.delete(deviceId);
    }
    const session: Session = { token, deviceId, opened, hidGate: new HidRequestGate(this.limits.ctap), gattGate: new GattRequestGate(this.limits.ctap) };
    if (this.closed) {
      await this.endSession(session);
      throw new TransportError('DISCONNECTED');
    }
    this.sessions.set(token, session);
    return { session: token, device: entry.device, ...(opened.handle.link === 'gatt' && { services: opened.handle.gatt.services }) };
  }

  /** One whole message on the session's hkp link (HKP, or CTAP with `ctap`), cancellable by request id. */
  private async exchange(
    id: RequestId,
    body: Record<string, unknown>,
    binary: boolean | undefined,
    channel: (transport: Transport) => Exchange,
  ): Promise<Uint8Array> {
    const send = channel(this.linkOf(body, 'hkp').transport);
    const message = bytes(body, 'data', 1, HID_MAX_MESSAGE_SIZE);
    const timeoutMs = body.timeoutMs === undefined ? undefined : int(body, 'timeoutMs', 1, MAX_EXCHANGE_TIMEOUT_MS);
    const controller = this.idleControllers.pop() ?? new AbortController();
    this.running.set(id, controller);
    try {
      return await send(message, {
        signal: controller.signal,
        timeoutMs,
        onKeepalive: (status) =>
          binary === true ? this.sendFrame(encodeKeepaliveFrame(id as number, status)) : this.emit({ type: 'keepalive', request: id, status }),
      });
    } finally {
      this.running.delete(id);
      if (!controller.signal.aborted && this.idleControllers.length < MAX_IDLE_CONTROLLERS) this.idleControllers.push(controller);
    }
  }

  /** This client's session named in the request, open on the given link. */
  private linkOf<L extends BridgeLink>(body: Record<string, unknown>, link: L): Extract<LinkHandle, { link: L }> {
    const handle = this.session(str(body, 'session')).opened.handle;
    if (handle.link !== link) throw new BadMessageError(`This request needs a session acquired with link "${link}".`, 'WRONG_LINK');
    return handle as Extract<LinkHandle, { link: L }>;
  }

  private session(token: string): Session {
    const session = this.sessions.get(token);
    // Another client's token is unknown here too: sessions never cross connections.
    if (session === undefined) throw new BadMessageError('No such session on this connection; acquire the key first.', 'NO_SESSION');
    return session;
  }

  private async endSession(session: Session): Promise<void> {
    if (this.sessions.get(session.token) === session) this.sessions.delete(session.token);
    this.leases.release(session.token);
    try {
      await session.opened.close();
    } catch (error) {
      // The link is being let go of; a close that fails leaves nothing to report to this client.
      this.onInternalError(error);
    }
  }

  private sessionEnded(token: string, error: BridgeError): void {
    const session = this.sessions.get(token);
    if (session === undefined) return;
    this.sessions.delete(token);
    this.leases.release(token);
    void session.opened.close().catch(this.onInternalError);
    this.emit({ type: 'session-ended', session: token, error: errorBody(error) });
  }

  private replyError(id: RequestId | null, error: unknown): void {
    if (!(error instanceof HkeyError)) this.onInternalError(error);
    this.send({ v: 1, id, type: 'error', error: errorBody(error) });
  }

  private replyBinaryError(id: number | null, error: unknown): void {
    if (!(error instanceof HkeyError)) this.onInternalError(error);
    this.sendFrame(encodeErrorFrame(id ?? 0, errorBody(error)));
  }

  private sendFrame(frame: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  private emit(event: BridgeEvent): void {
    this.send({ v: 1, ...event });
  }

  private send(message: BridgeReply | ({ v: 1 } & BridgeEvent)): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

export function errorBody(error: unknown): BridgeErrorBody {
  if (error instanceof DeviceBusyError) return { code: error.code, message: error.message, holder: error.holder };
  if (error instanceof HkeyError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'The bridge failed on this request; see its log.' };
}
