/**
 * The simulator's control API for automation (docs/protocol.md §8.3): HTTP + WebSocket on loopback, behind a
 * per-launch token. Tests press the button, set the clock, let time pass at once (advance), inject faults,
 * snapshot state and wait for events without sleeping. The same server serves the dashboard page at / (§8.6),
 * whose data comes from /v1 like any client's.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { HkeyError, MIN_LAUNCH_TOKEN_LENGTH, isLoopbackHostname, isLoopbackOrigin, parseHostHeader, presentsToken } from '@hkey/protocol';
import { WebSocketServer } from 'ws';
import type { LoggedEvent } from '../core/events.js';
import type { FlashFault } from '../core/flash-faults.js';
import type { PacketFaultRule } from '../core/link-faults.js';
import { type DashboardAssets, loadBuiltDashboard } from './dashboard/dashboard-assets.js';
import { isDashboardPath, serveDashboardFile } from './dashboard/dashboard-pages.js';
import { jsonWithBigints, streamDashboard } from './dashboard/dashboard-stream.js';
import { KeyMonitors } from './dashboard/key-monitors.js';
import { keyDetail, keyRow } from './dashboard/key-views.js';
import { STREAM_INTERVAL_MS } from './dashboard/view-model.js';
import { LOOPBACK, listenError } from './listen-error.js';
import { PRESENCE_POLICIES, type PresencePolicy, type SimulatedDevice, type Simulator } from './simulator.js';

export interface ControlServerOptions {
  readonly port: number;
  /** A loopback address (default 127.0.0.1): the control API never listens beyond this machine. */
  readonly host?: string;
  /** What every request must present (at least 16 characters); default: a random one per launch. */
  readonly token?: string;
  /** The dashboard page's files; default: the ones built into this package's dist (none when running from sources). */
  readonly dashboard?: DashboardAssets;
}

export interface ControlServer {
  readonly port: number;
  /** http://host:port, without the token. */
  readonly url: string;
  /** Presented as `Authorization: Bearer TOKEN` or `?token=TOKEN` on every request and WebSocket handshake. */
  readonly token: string;
  /** The dashboard's address with the token in its fragment, which browsers never send to a server or in a Referer. */
  readonly dashboardUrl: string;
  close(): Promise<void>;
}

class HttpError extends HkeyError {
  constructor(
    readonly httpStatus: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

const FLASH_FAULTS: readonly FlashFault[] = ['write-error', 'power-cut-before-commit', 'power-cut-after-commit', 'short-write'];
const PACKET_FAULTS = ['drop', 'duplicate', 'corrupt', 'delay', 'reorder', 'disconnect'];
const MAX_BODY = 64 * 1024;
const MAX_WAIT_MS = 120_000;
/** One jump of a key's clock lets at most a day pass (its timers fire one by one on the way). */
const MAX_ADVANCE_MS = 86_400_000;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'BODY_TOO_LARGE', 'The request body is larger than 64 KiB.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'The request body must be a JSON object.');
  }
}

function number(body: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new HttpError(400, 'BAD_PARAMETER', `"${name}" must be a number from ${min} to ${max}.`);
  }
  return value;
}

function oneOf<T extends string>(body: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const value = body[name];
  if (!allowed.includes(value as T)) throw new HttpError(400, 'BAD_PARAMETER', `"${name}" must be one of ${allowed.join(', ')}.`);
  return value as T;
}

export function describeDevice(device: SimulatedDevice) {
  const state = device.key.state;
  return {
    serial: state.identity.serial,
    model: state.identity.model,
    firmware: state.identity.firmware,
    udp: { host: device.udp.host, port: device.udp.port },
    stateFile: device.stateFile ?? null,
    presencePolicy: device.presencePolicy,
    waitingForButton: device.button.waiting ? { kind: device.button.waiting.kind, reason: device.button.waiting.reason } : null,
    pinState: state.pin === undefined ? 'NOT_SET' : state.pin.retries === 0 ? 'BLOCKED' : 'SET',
    accounts: state.accounts.length,
    battery: state.battery,
    time: Math.floor(device.key.deviceTimeMs() / 1000),
    powered: device.key.isPowered,
  };
}

function matches(event: LoggedEvent, filter: URLSearchParams): boolean {
  for (const [name, expected] of filter) {
    if (name === 'after' || name === 'timeoutMs' || name === 'token') continue;
    if (String((event as unknown as Record<string, unknown>)[name]) !== expected) return false;
  }
  return true;
}

export async function startControlServer(simulator: Simulator, options: ControlServerOptions): Promise<ControlServer> {
  const host = options.host ?? LOOPBACK;
  if (!isLoopbackHostname(host)) {
    throw new HkeyError('REMOTE_BIND_REFUSED', 'The control API listens on loopback only: it can restore snapshots and press the button.');
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (token.length < MIN_LAUNCH_TOKEN_LENGTH) {
    throw new HkeyError('CONTROL_TOKEN_TOO_SHORT', `The control API token must be at least ${MIN_LAUNCH_TOKEN_LENGTH} characters long.`);
  }
  const dashboard = options.dashboard ?? loadBuiltDashboard();
  const monitors = new KeyMonitors(simulator);

  async function route(request: IncomingMessage, url: URL, response: ServerResponse): Promise<unknown> {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1') throw new HttpError(404, 'NOT_FOUND', `No control endpoint ${url.pathname}.`);
    if (parts.length === 2 && parts[1] === 'devices' && request.method === 'GET') return simulator.devices.map(describeDevice);
    if (parts.length === 2 && parts[1] === 'dashboard' && request.method === 'GET') {
      return { keys: simulator.devices.map((device) => keyRow(device, monitors.of(device))), streamIntervalMs: STREAM_INTERVAL_MS };
    }
    if (parts[1] !== 'devices' || parts[2] === undefined) throw new HttpError(404, 'NOT_FOUND', `No control endpoint ${url.pathname}.`);
    const device = simulator.device(decodeURIComponent(parts[2]));
    if (device === undefined) throw new HttpError(404, 'DEVICE_NOT_FOUND', `No simulated device has serial ${parts[2]}.`);
    const action = parts.slice(3).join('/');
    const method = request.method ?? 'GET';
    const { key } = device;
    const body = method === 'GET' ? {} : await readJson(request);

    switch (`${method} ${action}`) {
      case 'GET ':
        return describeDevice(device);
      case 'GET details':
        return keyDetail(device, monitors.of(device));
      case 'POST button': {
        const what = oneOf(body, 'action', ['press', 'hold', 'deny'] as const);
        const acted =
          what === 'press' ? device.button.press() : what === 'deny' ? device.button.deny() : device.button.hold(number(body, 'ms', 0, 600_000, 10_000));
        if (!acted) throw new HttpError(409, 'NOT_WAITING', 'The key is not waiting for its button.');
        return { ok: true };
      }
      case 'PUT presence':
        device.setPresencePolicy(oneOf<PresencePolicy>(body, 'policy', PRESENCE_POLICIES));
        return { policy: device.presencePolicy };
      case 'POST time':
        if (body.time !== undefined) await key.setTime(number(body, 'time', 0, 2 ** 52));
        if (body.driftPpm !== undefined) key.setDrift(number(body, 'driftPpm', -1e6, 1e6));
        return { time: Math.floor(key.deviceTimeMs() / 1000) };
      case 'POST advance':
        await device.advance(number(body, 'ms', 0, MAX_ADVANCE_MS));
        return { time: Math.floor(key.deviceTimeMs() / 1000), advancedMs: device.clock.advancedMs };
      case 'POST battery':
        await key.setBattery(number(body, 'percent', 0, 100));
        return { battery: key.state.battery };
      case 'POST faults': {
        const rule: PacketFaultRule = {
          kind: oneOf(body, 'kind', PACKET_FAULTS) as PacketFaultRule['kind'],
          direction: body.direction === undefined ? undefined : oneOf(body, 'direction', ['in', 'out'] as const),
          transport: body.transport === undefined ? undefined : oneOf(body, 'transport', ['hid', 'ble'] as const),
          probability: body.probability === undefined ? undefined : number(body, 'probability', 0, 1),
          skip: body.skip === undefined ? undefined : number(body, 'skip', 0, 1e9),
          count: body.count === undefined ? undefined : number(body, 'count', 1, 1e9),
          delayMs: body.delayMs === undefined ? undefined : number(body, 'delayMs', 0, 60_000),
        };
        if (body.seed !== undefined) key.linkFaults.reseed(number(body, 'seed', 0, 2 ** 32));
        return { id: key.linkFaults.add(rule) };
      }
      case 'DELETE faults':
        key.linkFaults.clear();
        key.flashFaults.clear();
        return { ok: true };
      case 'POST flash-faults':
        key.flashFaults.schedule(number(body, 'after', 1, 1e9, 1), oneOf(body, 'fault', FLASH_FAULTS));
        return { pending: key.flashFaults.pending };
      case 'POST busy':
        key.linkFaults.busyReplies = number(body, 'count', 0, 1e6, 1);
        return { busyReplies: key.linkFaults.busyReplies };
      case 'POST disconnect':
        device.disconnect();
        return { ok: true };
      case 'POST mtu':
        device.ble.changeMtu(number(body, 'mtu', 23, 517));
        return { ok: true };
      case 'POST power-cycle':
        await key.powerCycle();
        return describeDevice(device);
      case 'POST snapshots':
        return { id: device.snapshot() };
      case 'GET events':
        return key.events.since(Number(url.searchParams.get('after') ?? 0));
      case 'GET events/wait': {
        const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 10_000), MAX_WAIT_MS);
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        response.once('close', () => controller.abort());
        try {
          return await key.events.waitFor((event) => matches(event, url.searchParams), {
            afterSeq: Number(url.searchParams.get('after') ?? 0),
            signal: controller.signal,
          });
        } catch {
          throw new HttpError(408, 'WAIT_TIMEOUT', `No matching event within ${timeoutMs} ms.`);
        } finally {
          clearTimeout(timer);
        }
      }
      default: {
        const restore = /^snapshots\/([^/]+)\/restore$/.exec(action);
        if (restore && method === 'POST') {
          await device.restore(decodeURIComponent(restore[1] as string));
          return { ok: true };
        }
        throw new HttpError(404, 'NOT_FOUND', `No control endpoint ${method} ${url.pathname}.`);
      }
    }
  }

  const server = createServer((request, response) => {
    const reply = (status: number, payload: unknown): void => {
      const text = typeof payload === 'string' ? payload : jsonWithBigints(payload);
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (isDashboardPath(url.pathname) && request.method === 'GET') {
      // The page and its script hold no data, so they need no token (it arrives in the fragment, which is never
      // sent); a token in the query is checked, so a wrong one gets a page that says so.
      const siteRefusal = refuseSite(request);
      if (siteRefusal) return reply(siteRefusal.status, { error: { code: siteRefusal.code, message: siteRefusal.message } });
      const tokenRefused = url.pathname === '/' && url.searchParams.has('token') && !presentsToken(undefined, url, token);
      return serveDashboardFile(response, url.pathname, dashboard, tokenRefused);
    }
    const refusal = refuse(request, url, token);
    if (refusal) return reply(refusal.status, { error: { code: refusal.code, message: refusal.message } });
    route(request, url, response).then(
      (payload) => reply(200, payload),
      (error: unknown) => {
        if (error instanceof HttpError) reply(error.httpStatus, { error: { code: error.code, message: error.message } });
        else if (error instanceof HkeyError) reply(400, { error: { code: error.code, message: error.message } });
        else reply(500, { error: { code: 'INTERNAL', message: 'The control API failed; see the simulator log.' } });
      },
    );
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    const stream = url.pathname === '/v1/dashboard/stream';
    const refusal =
      refuse(request, url, token) ??
      (url.pathname === '/v1/events' || stream
        ? undefined
        : { status: 404, code: 'NOT_FOUND', message: 'The control WebSockets are at /v1/events and /v1/dashboard/stream.' });
    if (refusal) return refuseUpgrade(socket, refusal);
    sockets.handleUpgrade(request, socket, head, (ws) => {
      if (stream) return streamDashboard(ws, simulator.devices, monitors);
      const unsubscribers = simulator.devices.map((device) => device.key.events.subscribe((event) => ws.send(jsonWithBigints(event))));
      ws.on('close', () => unsubscribers.forEach((unsubscribe) => unsubscribe()));
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError('control', host, options.port, error)));
      server.listen(options.port, host, () => resolve());
    });
  } catch (error) {
    monitors.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    port,
    url,
    token,
    dashboardUrl: `${url}/#token=${encodeURIComponent(token)}`,
    close: () =>
      new Promise<void>((resolve) => {
        monitors.close();
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/**
 * DNS rebinding and cross-site protection (Host and Origin must name this machine exactly), then the launch token,
 * which keeps out other local users and programs. Refusals never repeat what the client sent.
 */
function refuse(request: IncomingMessage, url: URL, token: string): Refusal | undefined {
  const refusal = refuseSite(request);
  if (refusal) return refusal;
  if (!presentsToken(request.headers.authorization, url, token)) {
    return {
      status: 401,
      code: 'TOKEN_REQUIRED',
      message: 'The control API needs the token the simulator printed at start (Authorization: Bearer or ?token=).',
    };
  }
  return undefined;
}

/** The Host and Origin checks alone: the dashboard's files (code, no data) need no token. */
function refuseSite(request: IncomingMessage): Refusal | undefined {
  const host = parseHostHeader(request.headers.host);
  if (host === undefined || !isLoopbackHostname(host.hostname)) {
    return { status: 403, code: 'HOST_REFUSED', message: 'The Host header must name a loopback address (DNS rebinding protection).' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return { status: 403, code: 'ORIGIN_REFUSED', message: 'Only pages served from this machine (a loopback http or https origin) may call the control API.' };
  }
  return undefined;
}

function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  const reason = refusal.status === 401 ? 'Unauthorized' : refusal.status === 404 ? 'Not Found' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
