/** Who gets into the bridge server, and what a hostile or broken client can do once in: nothing but error replies. */
import { afterEach, describe, expect, test } from 'vitest';
import { startBridgeServer } from '@hkey/bridge';
import { WebSocket } from 'ws';
import { DEV_ORIGIN, RawClient, type ServerRig, handshakeStatus, httpGet, serverRig } from './bridge-server-rig.js';
import { failure } from './rig.js';

let rig: ServerRig | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await rig?.close();
  rig = undefined;
});

async function start(options: Parameters<typeof serverRig>[0] = {}): Promise<ServerRig> {
  rig = await serverRig(options);
  return rig;
}

async function connect(options: Parameters<typeof RawClient.connect>[1] = {}): Promise<RawClient> {
  const client = await RawClient.connect((rig as ServerRig).server, options);
  clients.push(client);
  return client;
}

describe('admission', () => {
  test('a page from an allowed origin connects without the token', async () => {
    const { server } = await start();
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: DEV_ORIGIN })).status).toBe(101);
    expect((await handshakeStatus(server, { host: `localhost:${server.port}`, origin: 'http://[::1]:8080' })).status).toBe(101);
  });

  test('a foreign origin is refused, with or without the token', async () => {
    const { server } = await start();
    for (const origin of [
      'https://evil.example',
      'http://localhost.evil.example:5173',
      'null',
      'file://',
      'http://127.0.0.1.nip.io',
      'http://localhost.evil.com',
      'http://127.0.0.1.evil.com:80',
      'http://localhost:1@evil.com',
      'http://evil.com@localhost:1',
      'http://localhost:5173/',
      'http://localhost:5173/path',
    ]) {
      const refused = await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin });
      expect(refused.status, origin).toBe(403);
      expect(JSON.parse(refused.body).error.code).toBe('ORIGIN_REFUSED');
    }
    const withToken = await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: 'https://evil.example' }, `/v1?token=${server.token}`);
    expect(withToken.status).toBe(403);
  });

  test('configured origins replace the defaults', async () => {
    const { server } = await start({ allowedOrigins: ['https://app.example'] });
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: 'https://app.example' })).status).toBe(101);
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: 'https://app.example:8443' })).status).toBe(403);
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: DEV_ORIGIN })).status).toBe(403);
  });

  test('a bad origin pattern stops the server from starting', async () => {
    expect((await failure(startBridgeServer({ sources: [], port: 0, allowedOrigins: ['https://*.example'] }))).code).toBe('BAD_ORIGIN_PATTERN');
  });

  test('a Host header naming another machine is refused (DNS rebinding)', async () => {
    const { server } = await start();
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '10.0.0.1',
      'localhost@evil.example',
      'localhost.:80',
      `127.0.0.1.rebind.evil.com:${server.port}`,
      '127.1',
      '127.0.0.01',
    ]) {
      const refused = await handshakeStatus(server, { host, origin: DEV_ORIGIN });
      expect(refused.status, host).toBe(403);
      expect(JSON.parse(refused.body).error.code).toBe('HOST_REFUSED');
    }
    // Plain HTTP gets the same check.
    expect((await httpGet(server, `/v1/debug?token=${server.token}`, { host: 'evil.example' })).status).toBe(403);
  });

  test('a program without an Origin needs the token, by query or bearer header', async () => {
    const { server } = await start();
    const host = `127.0.0.1:${server.port}`;
    const missing = await handshakeStatus(server, { host });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body).error.code).toBe('TOKEN_REQUIRED');
    expect((await handshakeStatus(server, { host }, '/v1?token=wrong')).status).toBe(401);
    expect((await handshakeStatus(server, { host }, `/v1?token=${server.token}`)).status).toBe(101);
    expect((await handshakeStatus(server, { host, authorization: `Bearer ${server.token}` })).status).toBe(101);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  test('browsers need the token too when the server says so', async () => {
    const { server } = await start({ requireTokenForBrowsers: true });
    const host = `127.0.0.1:${server.port}`;
    expect((await handshakeStatus(server, { host, origin: DEV_ORIGIN })).status).toBe(401);
    expect((await handshakeStatus(server, { host, origin: DEV_ORIGIN }, `/v1?token=${server.token}`)).status).toBe(101);
  });

  test('only /v1 upgrades; plain HTTP gets no debug information unless enabled', async () => {
    const { server } = await start();
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: DEV_ORIGIN }, '/other')).status).toBe(404);
    const debug = await fetch(`http://127.0.0.1:${server.port}/v1/debug?token=${server.token}`);
    expect(debug.status).toBe(404);
    const plain = await fetch(`http://127.0.0.1:${server.port}/v1?token=${server.token}`);
    expect(plain.status).toBe(426);
  });

  test('the debug endpoint, when enabled, needs the token even from an allowed origin', async () => {
    const { server } = await start({ debug: true });
    const client = await connect({ client: 'debug test' });
    await client.call('acquire', { device: 'virtual-1', link: 'hkp' });
    expect((await fetch(`http://127.0.0.1:${server.port}/v1/debug`, { headers: { origin: DEV_ORIGIN } })).status).toBe(401);
    const debug = await fetch(`http://127.0.0.1:${server.port}/v1/debug?token=${server.token}`);
    expect(debug.status).toBe(200);
    const body = (await debug.json()) as { devices: { heldBy: string }[] };
    expect(body.devices[0]?.heldBy).toBe('debug test (connection 1)');
  });
});

describe('listening', () => {
  test('a non-loopback address is refused without allowRemote, and warned about with it', async () => {
    expect((await failure(startBridgeServer({ sources: [], port: 0, host: '0.0.0.0' }))).code).toBe('REMOTE_NOT_ALLOWED');
    const warnings: string[] = [];
    const server = await startBridgeServer({ sources: [], port: 0, host: '0.0.0.0', allowRemote: true, onWarning: (message) => warnings.push(message) });
    try {
      expect(
        warnings.some((message) => message.includes('other machines can reach it') && message.includes('Only clients that present the token get in')),
      ).toBe(true);
      expect(server.tokenRequiredFromAll).toBe(true);
      // Beyond loopback, IP-literal Host headers pass (no rebinding without a name); names still need listing.
      expect((await handshakeStatus(server, { host: `192.0.2.7:${server.port}`, origin: DEV_ORIGIN }, `/v1?token=${server.token}`)).status).toBe(101);
      expect((await handshakeStatus(server, { host: `bridge.example:${server.port}`, origin: DEV_ORIGIN }, `/v1?token=${server.token}`)).status).toBe(403);
      // An Origin is no credential beyond loopback: any program on any machine can send one.
      for (const host of [`192.0.2.7:${server.port}`, `127.0.0.1:${server.port}`]) {
        const refused = await handshakeStatus(server, { host, origin: DEV_ORIGIN });
        expect(refused.status, host).toBe(401);
        expect(JSON.parse(refused.body).error.code).toBe('TOKEN_REQUIRED');
      }
      expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: 'http://localhost:1' })).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  test('a taken port is PORT_IN_USE, never another port', async () => {
    const { server } = await start();
    const error = await failure(startBridgeServer({ sources: [], port: server.port }));
    expect(error.code).toBe('PORT_IN_USE');
  });
});

describe('hostile messages', () => {
  test('malformed messages get error replies and the connection carries on', async () => {
    await start();
    const client = await connect();
    const cases: [string, string, unknown][] = [
      ['not json', 'BAD_MESSAGE', null],
      ['[1,2]', 'BAD_MESSAGE', null],
      ['{"v":1,"type":"list"}', 'BAD_MESSAGE', null],
      ['{"v":1,"id":{"x":1},"type":"list"}', 'BAD_MESSAGE', null],
      ['{"v":2,"id":7,"type":"list"}', 'UNSUPPORTED_VERSION', 7],
      ['{"v":1,"id":8,"type":"format-disk"}', 'UNKNOWN_TYPE', 8],
      ['{"v":1,"id":9,"type":"acquire","device":"virtual-1","link":"usb"}', 'BAD_MESSAGE', 9],
      ['{"v":1,"id":10,"type":"acquire","device":"nope","link":"hkp"}', 'NOT_FOUND', 10],
      ['{"v":1,"id":11,"type":"exchange","session":"forged","data":"01"}', 'NO_SESSION', 11],
      [JSON.stringify({ v: 1, id: 'x'.repeat(65), type: 'list' }), 'BAD_MESSAGE', null],
    ];
    for (const [text, code, id] of cases) {
      client.sendText(text);
      const reply = await client.next((message) => message.type === 'error');
      expect(reply.id, text).toBe(id);
      expect((reply.error as { code: string }).code, text).toBe(code);
    }
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(((await client.next((message) => message.type === 'error')).error as { code: string }).code).toBe('BAD_MESSAGE');
    const acquired = await client.call('acquire', { device: 'virtual-1', link: 'hkp' });
    const session = (acquired.result as { session: string }).session;
    for (const data of ['', 'zz', '0', 'ABCD', 'aa'.repeat(7610), 12]) {
      const reply = await client.call('exchange', { session, data });
      expect((reply.error as { code: string }).code).toBe('BAD_MESSAGE');
    }
    const wrongLink = await client.call('hid-send', { session, report: '00'.repeat(64) });
    expect((wrongLink.error as { code: string }).code).toBe('WRONG_LINK');
    expect((await client.call('list')).type).toBe('result');
  });

  test('an oversized message gets MESSAGE_TOO_LARGE; a huge frame closes only that socket', async () => {
    const { server } = await start();
    const client = await connect();
    client.sendText(JSON.stringify({ v: 1, id: 1, type: 'list', padding: 'x'.repeat(70_000) }));
    const reply = await client.next((message) => message.type === 'error');
    expect((reply.error as { code: string }).code).toBe('MESSAGE_TOO_LARGE');
    expect((await client.call('list')).type).toBe('result');

    const flooder = await connect();
    const closed = new Promise<number>((resolve) => flooder.ws.once('close', (code) => resolve(code)));
    flooder.sendText('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    expect((await client.call('list')).type).toBe('result');
    expect((await handshakeStatus(server, { host: `127.0.0.1:${server.port}`, origin: DEV_ORIGIN })).status).toBe(101);
  });

  test('a client that vanishes mid-handshake does not take the server down', async () => {
    const { server } = await start();
    const socket = new WebSocket(`${server.url}?token=${server.token}`);
    socket.on('error', () => undefined);
    socket.terminate();
    const client = await connect();
    expect((await client.call('list')).type).toBe('result');
  });
});

describe('leases', () => {
  test('a second client on a leased key gets DEVICE_BUSY naming the holder, until it is released', async () => {
    await start();
    const first = await connect({ origin: DEV_ORIGIN });
    const second = await connect({ origin: DEV_ORIGIN });
    const acquired = await first.call('acquire', { device: 'virtual-1', link: 'hid' });
    expect(acquired.type).toBe('result');
    const session = (acquired.result as { session: string }).session;
    for (const link of ['hkp', 'hid', 'gatt']) {
      const busy = await second.call('acquire', { device: 'virtual-1', link });
      expect(busy.error).toMatchObject({ code: 'DEVICE_BUSY', holder: `${DEV_ORIGIN} (connection 1)` });
    }
    // The first client's session token is worthless to anyone else.
    const stolen = await second.call('hid-send', { session, report: '00'.repeat(64) });
    expect((stolen.error as { code: string }).code).toBe('NO_SESSION');
    const again = await first.call('acquire', { device: 'virtual-1', link: 'hkp' });
    expect((again.error as { code: string }).code).toBe('ALREADY_ACQUIRED');
    await first.call('release', { session });
    expect((await second.call('acquire', { device: 'virtual-1', link: 'hkp' })).type).toBe('result');
  });

  test('a client that disconnects gives its keys back', async () => {
    await start();
    const first = await connect();
    await first.call('acquire', { device: 'virtual-1', link: 'hkp' });
    const second = await connect();
    expect((await second.call('acquire', { device: 'virtual-1', link: 'hkp' })).type).toBe('error');
    first.close();
    await expect.poll(async () => (await second.call('acquire', { device: 'virtual-1', link: 'hkp' })).type).toBe('result');
  });
});
