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
import type { WebSocketServer } from 'ws';
import type { LoggedEvent } from '../core/events.js';
import { type DashboardAssets, loadBuiltDashboard } from './dashboard/dashboard-assets.js';
import { isDashboardPath, serveDashboardFile } from './dashboard/dashboard-pages.js';
import { jsonWithBigints, streamDashboard } from './dashboard/dashboard-stream.js';
import { STREAM_INTERVAL_MS } from './dashboard/view-model.js';
import { ControlError, controlFailure } from './device-control.js';
import type { KeyFleet } from './key-fleet.js';
import { LOOPBACK, listenError } from './listen-error.js';

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

const MAX_BODY = 64 * 1024;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, 'BODY_TOO_LARGE', 'The request body is larger than 64 KiB.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ControlError(400, 'BAD_JSON', 'The request body must be a JSON object.');
  }
}

export async function startControlServer(fleet: KeyFleet, options: ControlServerOptions): Promise<ControlServer> {
  const host = options.host ?? LOOPBACK;
  if (!isLoopbackHostname(host)) {
    throw new HkeyError('REMOTE_BIND_REFUSED', 'The control API listens on loopback only: it can restore snapshots and press the button.');
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (token.length < MIN_LAUNCH_TOKEN_LENGTH) {
    throw new HkeyError('CONTROL_TOKEN_TOO_SHORT', `The control API token must be at least ${MIN_LAUNCH_TOKEN_LENGTH} characters long.`);
  }
  const dashboard = options.dashboard ?? loadBuiltDashboard();
  const serials = new Set(fleet.serials);

  async function route(request: IncomingMessage, url: URL, response: ServerResponse): Promise<unknown> {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1') throw new ControlError(404, 'NOT_FOUND', `No control endpoint ${url.pathname}.`);
    if (parts.length === 2 && parts[1] === 'devices' && request.method === 'GET') return fleet.describe();
    if (parts.length === 2 && parts[1] === 'dashboard' && request.method === 'GET') {
      return { keys: await fleet.rows(), streamIntervalMs: STREAM_INTERVAL_MS };
    }
    if (parts[1] !== 'devices' || parts[2] === undefined) throw new ControlError(404, 'NOT_FOUND', `No control endpoint ${url.pathname}.`);
    const serial = decodeURIComponent(parts[2]);
    if (!serials.has(serial)) throw new ControlError(404, 'DEVICE_NOT_FOUND', `No simulated device has serial ${parts[2]}.`);
    const method = request.method ?? 'GET';
    const body = method === 'GET' ? {} : await readJson(request);
    // A client that goes away ends its wait (events/wait) wherever the key runs.
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    const query = [...url.searchParams].filter(([name]) => name !== 'token');
    return fleet.control(serial, { method, action: parts.slice(3).join('/'), body, query }, gone.signal);
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
        const failure = controlFailure(error);
        reply(failure.status, { error: { code: failure.code, message: failure.message } });
      },
    );
  });

  // ws loads with the first WebSocket, not at start: `hkey sim` is ready sooner (docs/scaling.md, start-up).
  let sockets: WebSocketServer | undefined;
  const webSockets = async (): Promise<WebSocketServer> => {
    const { WebSocketServer } = await import('ws');
    return (sockets ??= new WebSocketServer({ noServer: true }));
  };
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
    if (stream) void webSockets().then((server) => server.handleUpgrade(request, socket, head, (ws) => void streamDashboard(ws, fleet)));
    else void streamEvents(request, socket, head);
  });

  /** /v1/events: the keys' events flow before the socket opens, so a client sees everything it does after the open. */
  async function streamEvents(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const early: LoggedEvent[] = [];
    let send = (event: LoggedEvent): void => void early.push(event);
    const unsubscribe = await fleet.subscribe((event) => send(event));
    const server = await webSockets();
    if (socket.destroyed) return unsubscribe();
    socket.once('close', unsubscribe);
    server.handleUpgrade(request, socket, head, (ws) => {
      send = (event) => ws.send(jsonWithBigints(event));
      early.forEach(send);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError('control', host, options.port, error)));
    server.listen(options.port, host, () => resolve());
  });
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
        for (const client of sockets?.clients ?? []) client.terminate();
        sockets?.close();
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
