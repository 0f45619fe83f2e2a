/** Bridge server test rigs: a server with in-process simulated keys, and a raw WebSocket client of it. */
import { request as httpRequest } from 'node:http';
import { BleEndpoint, type InProcessHidPort, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import {
  type BridgeServer,
  type BridgeServerOptions,
  InProcessSource,
  KeyClient,
  connectGattEndpoint,
  openVirtualTransport,
  startBridgeServer,
} from '@hkey/bridge';
import { WebSocket } from 'ws';
import { SECRET } from './rig.js';

export const DEV_ORIGIN = 'http://localhost:5173';

export interface ServerRig {
  readonly server: BridgeServer;
  readonly source: InProcessSource;
  readonly keys: VirtualKey[];
  readonly warnings: string[];
  /** Id of the account on every key: TOTP (SHA1, 6 digits, 30 s, SECRET) and password "hunter2". */
  readonly accountId: number;
  /** Pulls key `index` (0-based) out: its open HID ports close and its BLE connections drop. */
  unplug(index: number): void;
  close(): Promise<void>;
}

/** A key with a TOTP account, set up through the bridge's own client. */
export async function provisionedKey(serial: string): Promise<{ key: VirtualKey; accountId: number }> {
  const key = await VirtualKey.start({ identity: { serial } });
  const transport = await openVirtualTransport(connectInProcess(key));
  const client = new KeyClient(transport);
  await client.setTime();
  const { id } = await client.createAccount({ name: 'GitHub', password: 'hunter2', otp: { secret: SECRET, kind: 'TOTP' } });
  await transport.close();
  return { key, accountId: id };
}

export async function serverRig(options: Partial<BridgeServerOptions> & { keys?: number } = {}): Promise<ServerRig> {
  const source = new InProcessSource();
  const keys: VirtualKey[] = [];
  const unplugs: (() => void)[] = [];
  let accountId = 0;
  for (let index = 1; index <= (options.keys ?? 1); index++) {
    const provisioned = await provisionedKey(`HK-SIM-00000${index}`);
    keys.push(provisioned.key);
    accountId = provisioned.accountId;
    // A controlPointLength the simulator's ATT_MTU cap (512) can carry whole, as Web Bluetooth hosts assume.
    const ble = new BleEndpoint(provisioned.key, { controlPointLength: 244 });
    const ports: InProcessHidPort[] = [];
    unplugs.push(() => {
      for (const port of ports.splice(0)) port.close();
      ble.disconnectAll('unplugged');
    });
    source.add({
      id: `virtual-${index}`,
      name: 'Hideez Key (virtual)',
      serial: provisioned.key.serial,
      connectHid: () => ports[ports.push(connectInProcess(provisioned.key)) - 1] as InProcessHidPort,
      connectGatt: () => connectGattEndpoint(ble),
    });
  }
  const warnings: string[] = [];
  const server = await startBridgeServer({ port: 0, onWarning: (message) => warnings.push(message), ...options, sources: options.sources ?? [source] });
  return { server, source, keys, warnings, accountId, unplug: (index) => unplugs[index]?.(), close: () => server.close() };
}

export type Message = Record<string, unknown> & { type: string };

/** A WebSocket client that keeps every message, for tests that speak the protocol by hand. */
export class RawClient {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(server: BridgeServer, options: { origin?: string; token?: string | null; client?: string } = {}): Promise<RawClient> {
    const url = new URL(server.url);
    const token = options.token === undefined ? (options.origin === undefined ? server.token : null) : options.token;
    if (token !== null) url.searchParams.set('token', token);
    if (options.client !== undefined) url.searchParams.set('client', options.client);
    const ws = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.next((message) => message.type === 'hello');
    return client;
  }

  /** The first kept message matching, waiting for it; it is removed from the list. */
  async next(match: (message: Message) => boolean, timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Message;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; have ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends a request and waits for its reply. */
  async call(type: string, params: Record<string, unknown> = {}): Promise<Message> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ v: 1, id, type, ...params }));
    return this.next((message) => message.id === id && (message.type === 'result' || message.type === 'error'));
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.close();
  }
}

/** A plain GET with exactly these headers. */
export function httpGet(server: BridgeServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return handshakeStatus(server, headers, path, false);
}

/** The HTTP status of a WebSocket handshake made with exactly these headers (101 when accepted). */
export function handshakeStatus(
  server: BridgeServer,
  headers: Record<string, string>,
  path = '/v1',
  upgrade = true,
): Promise<{ status: number; body: string }> {
  const upgradeHeaders = upgrade
    ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }
    : {};
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path,
      headers: { ...upgradeHeaders, ...headers },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
