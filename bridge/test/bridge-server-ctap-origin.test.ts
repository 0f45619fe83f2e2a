/**
 * A page the bridge admits reaches raw HID reports and GATT frames, so the bridge reads the CTAP requests of
 * browser clients before forwarding them: assertions and credentials only for the RP IDs the page's origin may claim,
 * U2F only for their application parameters. Programs with the token (no Origin) keep full access.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BleCommand, encodeBleMessage, encodeU2fRequest, sha256 } from '@hkey/protocol';
import { fromHex, toHex } from '../src/bridge-protocol.js';
import { FidoClient } from '../src/fido/fido-client.js';
import { HidTransport } from '../src/hid-transport.js';
import type { HidReportPort } from '../src/hid-report-port.js';
import { RawClient, type ServerRig, serverRig } from './bridge-server-rig.js';

let rig: ServerRig | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await rig?.close();
  rig = undefined;
});

const clientDataHash = sha256(new TextEncoder().encode('client data'));
const user = { id: new Uint8Array([1, 2, 3]), name: 'alice' };

/**
 * FidoClients driving the first key's raw HID reports through the bridge, as a page's own CTAPHID stack would; a
 * refused report fails the send, which ends that client's transport, so each call here opens a fresh one.
 */
async function hidThroughBridge(options: { origin?: string }): Promise<{ open: () => Promise<FidoClient>; client: RawClient }> {
  rig ??= await serverRig();
  const client = await RawClient.connect(rig.server, options);
  clients.push(client);
  const acquired = await client.call('acquire', { device: 'virtual-1', link: 'hid' });
  const session = (acquired.result as { session: string }).session;
  const listeners = new Set<(report: Uint8Array) => void>();
  void (async () => {
    for (;;) {
      const event = await client.next((message) => message.type === 'hid-report', 60_000).catch(() => undefined);
      if (event === undefined) return;
      for (const listener of listeners) listener(fromHex(event.report as string) as Uint8Array);
    }
  })();
  const port: HidReportPort = {
    async send(report) {
      const reply = await client.call('hid-send', { session, report: toHex(report) });
      if (reply.type === 'error') throw Object.assign(new Error((reply.error as { message: string }).message), reply.error as object);
    },
    onReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const open = async (): Promise<FidoClient> =>
    new FidoClient(await HidTransport.open({ id: 'virtual-1', transport: 'webhid', name: 'through the bridge' }, { ...port }));
  return { open, client };
}

const refusal = { code: 'RP_ID_REFUSED', message: expect.stringContaining("its own origin's RP ID") };
const refused = expect.objectContaining(refusal);
/** What the page's CTAPHID stack reports: the send failed, with the bridge's refusal as the cause. */
const refusedSend = expect.objectContaining({ code: 'DISCONNECTED', cause: expect.objectContaining(refusal) });

describe("browser clients' CTAP is held to their origin", () => {
  test('a page on http://localhost:PORT cannot get an assertion or make a credential for github.com; for localhost it can', async () => {
    // The program (the CLI, with the token) makes a github.com credential on the key: it may.
    const program = await hidThroughBridge({});
    const programFido = await program.open();
    const github = await programFido.makeCredential({ clientDataHash, rp: { id: 'github.com' }, user });
    const assertion = await programFido.getAssertion({ rpId: 'github.com', clientDataHash, allowList: [{ id: github.credentialId }] });
    expect(assertion.credentialId).toEqual(github.credentialId);
    program.client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const page = await hidThroughBridge({ origin: 'http://localhost:5173' });
    const since = (rig as ServerRig).keys[0]!.events.lastSeq;
    const attempts = [
      (fido: FidoClient) => fido.getAssertion({ rpId: 'github.com', clientDataHash, allowList: [{ id: github.credentialId }] }),
      (fido: FidoClient) => fido.getAssertion({ rpId: 'github.com', clientDataHash }),
      (fido: FidoClient) => fido.makeCredential({ clientDataHash, rp: { id: 'github.com' }, user }),
      // The effective domain's registrable suffixes only: "localhost" has none, and a public suffix never counts.
      (fido: FidoClient) => fido.getAssertion({ rpId: 'com', clientDataHash }),
    ];
    for (const attempt of attempts) expect(await attempt(await page.open()).catch((error: unknown) => error)).toEqual(refusedSend);
    // Nothing of those reached the key.
    const events = (rig as ServerRig).keys[0]!.events.since(since);
    expect(events.filter((event) => /^fido\.(GetAssertion|MakeCredential)/.test(String((event as { command?: unknown }).command)))).toEqual([]);

    // The page's own RP ID works, and getInfo and the rest of a WebAuthn client's commands pass.
    const fido = await page.open();
    expect((await fido.getInfo()).versions).toContain('FIDO_2_1');
    const local = await fido.makeCredential({ clientDataHash, rp: { id: 'localhost' }, user });
    const signed = await fido.getAssertion({ rpId: 'localhost', clientDataHash, allowList: [{ id: local.credentialId }] });
    expect(signed.credentialId).toEqual(local.credentialId);
  });

  test('U2F over the hkp link and the FIDO GATT service are read too; programs keep full access', async () => {
    rig = await serverRig();
    const apdu = (rpId: string) =>
      toHex(encodeU2fRequest({ cla: 0, ins: 0x01, p1: 0, p2: 0, data: new Uint8Array([...clientDataHash, ...sha256(new TextEncoder().encode(rpId))]) }));
    const page = await RawClient.connect(rig.server, { origin: 'http://localhost:5173' });
    const program = await RawClient.connect(rig.server, {});
    clients.push(page, program);

    const hkp = ((await page.call('acquire', { device: 'virtual-1', link: 'hkp' })).result as { session: string }).session;
    expect(await page.call('ctap', { session: hkp, command: 'msg', data: apdu('github.com') })).toMatchObject({ type: 'error', error: refused });
    const ownU2f = await page.call('ctap', { session: hkp, command: 'msg', data: apdu('localhost') });
    expect(ownU2f.type).toBe('result');
    // Commands a WebAuthn client never sends (here authenticatorReset) stay with programs.
    expect(await page.call('ctap', { session: hkp, command: 'cbor', data: '07' })).toMatchObject({ type: 'error', error: { code: 'RP_ID_REFUSED' } });
    await page.call('release', { session: hkp });

    const programHkp = ((await program.call('acquire', { device: 'virtual-1', link: 'hkp' })).result as { session: string }).session;
    expect((await program.call('ctap', { session: programHkp, command: 'msg', data: apdu('github.com') })).type).toBe('result');
    await program.call('release', { session: programHkp });

    const gatt = ((await page.call('acquire', { device: 'virtual-1', link: 'gatt' })).result as { session: string }).session;
    const request = new Uint8Array([0x02, ...fromHex('a2016a6769746875622e636f6d025820')!, ...clientDataHash]);
    const fragments = encodeBleMessage(BleCommand.MSG, request, 20);
    expect(fragments.length).toBeGreaterThan(1);
    const replies = [];
    for (const fragment of fragments)
      replies.push(await page.call('gatt-write', { session: gatt, value: toHex(fragment), response: true, characteristic: 'fido-control-point' }));
    // The fragments before the last are held back; the last completes the request, which is refused, and none reaches the key.
    expect(replies.slice(0, -1).every((reply) => reply.type === 'result')).toBe(true);
    expect(replies.at(-1)).toMatchObject({ type: 'error', error: refused });
  });
});
