/**
 * The bridge server (`hkey bridge`): web pages and programs reach keys through it over a WebSocket speaking the
 * JSON protocol of docs/bridge-protocol.md. It listens on 127.0.0.1 unless told otherwise with allowRemote, never
 * moves to another port, admits clients as security.ts decides, and hands each key to one client at a time
 * (a lease). Node only.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BRIDGE_MAX_MESSAGE_BYTES, BRIDGE_PATH, BRIDGE_PROTOCOL_VERSION, DEFAULT_BRIDGE_PORT } from '../bridge-protocol.js';
import { BridgeError } from '../errors.js';
import { BRIDGE_BINARY_PROTOCOL } from '../bridge-binary.js';
import { LeaseRegistry } from '../lease.js';
import { ClientConnection } from './client-connection.js';
import { UNRESTRICTED, originPolicy } from './ctap-request-policy.js';
import { DeviceHub } from './device-hub.js';
import type { BridgeDeviceSource } from './device-source.js';
import { isLoopbackHostname } from '@hkey/protocol';
import { type Admission, type AdmissionPolicy, DEFAULT_ALLOWED_ORIGINS, admit, newLaunchToken, parseOriginPattern } from './security.js';

export const DEFAULT_BRIDGE_HOST = '127.0.0.1';
/** Frames beyond this are cut off by the WebSocket layer itself (close code 1009); smaller oversize ones get an error reply. */
const WS_MAX_PAYLOAD = 1024 * 1024;

export interface BridgeServerOptions {
  /** Where keys come from: in-process simulators, UDP simulators, USB and BLE kinds. */
  readonly sources: readonly BridgeDeviceSource[];
  /** Default 8120; 0 picks a free port (tests). A taken port is PORT_IN_USE, never another port. */
  readonly port?: number;
  /** Default 127.0.0.1. Any other address needs allowRemote. */
  readonly host?: string;
  /** Consent to listen beyond loopback: other machines can then reach the keys, with the token only (browsers too). */
  readonly allowRemote?: boolean;
  /** Web origins allowed to connect: "https://app.example", "http://localhost:*". Default: localhost development origins. */
  readonly allowedOrigins?: readonly string[];
  /** Host header names accepted besides loopback names, for a server reached by name with allowRemote. */
  readonly allowedHosts?: readonly string[];
  /** The token programs present; default: a random one per launch (print it once for the user). */
  readonly token?: string;
  /**
   * Browsers must present the token too, not only an allowed origin (any local program can claim one). Always on
   * when listening beyond loopback.
   */
  readonly requireTokenForBrowsers?: boolean;
  /** Serves GET /v1/debug (clients and leases; token required). Off by default. */
  readonly debug?: boolean;
  /** Default BRIDGE_MAX_MESSAGE_BYTES. */
  readonly maxMessageBytes?: number;
  /** Security warnings and failures of sources; default process.emitWarning. */
  readonly onWarning?: (message: string) => void;
}

export interface BridgeServer {
  readonly host: string;
  readonly port: number;
  /** ws://host:port/v1, without the token. */
  readonly url: string;
  readonly token: string;
  /** Every client, browsers included, must present the token (requireTokenForBrowsers or beyond loopback). */
  readonly tokenRequiredFromAll: boolean;
  readonly hub: DeviceHub;
  /** Ends every client's sessions and leases, then stops listening. */
  close(): Promise<void>;
}

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'HkeyBridgeWarning'));
  const host = options.host ?? DEFAULT_BRIDGE_HOST;
  const loopback = isLoopbackHostname(host);
  if (!loopback && options.allowRemote !== true) {
    throw new BridgeError(
      'REMOTE_NOT_ALLOWED',
      'The bridge listens on loopback only; listening on another address lets other machines reach your keys and needs --allow-remote.',
    );
  }
  const token = options.token ?? newLaunchToken();
  const policy: AdmissionPolicy = {
    token,
    allowedOrigins: (options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS).map(parseOriginPattern),
    allowedHosts: [...(options.allowedHosts ?? []), ...(isIP(host) === 0 && !loopback ? [host] : [])].map((name) => name.toLowerCase()),
    allowIpHosts: !loopback,
    // Beyond loopback an Origin header proves nothing (any program on any machine can send one).
    requireTokenForBrowsers: options.requireTokenForBrowsers === true || !loopback,
  };
  const leases = new LeaseRegistry();
  const hub = new DeviceHub(options.sources, warn);
  const clients = new Set<ClientConnection>();
  let connections = 0;
  const onInternalError = (error: unknown): void => warn(`Bridge request failed: ${error instanceof Error ? error.message : String(error)}`);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://bridge');
    const admission = admit(request, url, { ...policy, requireTokenForBrowsers: url.pathname === `${BRIDGE_PATH}/debug` || policy.requireTokenForBrowsers });
    if (!admission.ok) return replyJson(response, admission.status, { error: { code: admission.code, message: admission.message } });
    if (url.pathname === BRIDGE_PATH) return replyJson(response, 426, { error: { code: 'UPGRADE_REQUIRED', message: 'Connect with a WebSocket.' } });
    if (options.debug === true && url.pathname === `${BRIDGE_PATH}/debug` && request.method === 'GET') {
      return replyJson(response, 200, {
        protocol: BRIDGE_PROTOCOL_VERSION,
        clients: [...clients].map((client) => client.owner),
        devices: hub.list().map((device) => ({ ...device, heldBy: leases.leaseOf(device.id)?.owner ?? null })),
      });
    }
    replyJson(response, 404, { error: { code: 'NOT_FOUND', message: 'The bridge serves a WebSocket at /v1 and nothing else.' } });
  });

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD,
    // The binary data path when the client offers it; otherwise no subprotocol, and JSON as always.
    handleProtocols: (offered) => (offered.has(BRIDGE_BINARY_PROTOCOL) ? BRIDGE_BINARY_PROTOCOL : false),
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets mid-handshake must not take the server down.
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://bridge');
    const admission: Admission =
      url.pathname === BRIDGE_PATH
        ? admit(request, url, policy)
        : { ok: false, status: 404, code: 'NOT_FOUND', message: `The bridge's WebSocket is at ${BRIDGE_PATH}.` };
    if (!admission.ok) return refuseUpgrade(socket, admission.status, admission.code, admission.message);
    sockets.handleUpgrade(request, socket, head, (ws) => {
      // Oversized frames and protocol violations are reported here, then the socket closes; never a crash.
      ws.on('error', () => ws.terminate());
      const client = new ClientConnection(
        ws,
        `${admission.label} (connection ${++connections})`,
        hub,
        leases,
        {
          maxMessageBytes: options.maxMessageBytes ?? BRIDGE_MAX_MESSAGE_BYTES,
          // Browsers reach raw HID and GATT: their CTAP is held to their origin's RP IDs. Programs with the token are not.
          ctap: admission.origin === undefined ? UNRESTRICTED : originPolicy(admission.origin),
        },
        onInternalError,
      );
      clients.add(client);
      ws.on('close', () => clients.delete(client));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      hub.close();
      reject(listenError(host, options.port ?? DEFAULT_BRIDGE_PORT, error));
    });
    server.listen(options.port ?? DEFAULT_BRIDGE_PORT, host, () => resolve());
  });
  if (!loopback)
    warn(
      `The bridge listens on ${host}: other machines can reach it. Only clients that present the token get in; browsers must also come from an allowed origin.`,
    );
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? DEFAULT_BRIDGE_PORT);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `ws://${urlHost}:${port}${BRIDGE_PATH}`,
    token,
    tokenRequiredFromAll: policy.requireTokenForBrowsers,
    hub,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await Promise.all([...clients].map((client) => client.close()));
      sockets.close();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function replyJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A port we were told to use is not available: never fall back to another one silently. */
function listenError(host: string, port: number, error: NodeJS.ErrnoException): BridgeError {
  if (error.code === 'EADDRINUSE')
    return new BridgeError('PORT_IN_USE', `The bridge port ${host}:${port} is already in use; stop the other process or pick another port (--port).`);
  if (error.code === 'EACCES') return new BridgeError('PORT_FORBIDDEN', `The bridge port ${host}:${port} needs privileges; pick a port above 1023.`);
  return new BridgeError('LISTEN_FAILED', `The bridge could not listen on ${host}:${port} (${error.code ?? error.message}).`);
}
