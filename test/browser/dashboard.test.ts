/**
 * The dashboard in real Chromium (issue 16): every control changes the key as the control API would (asserted
 * through the API), the event log shows each event once and in order, a wrong or missing token shows a clear page
 * and no data, lifecycle states and FIDO credentials show, no secret or key material reaches the page, and with 1,000
 * keys at 100 events/s events reach the screen in < 100 ms.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { FidoClient, KeyClient, UdpTransportKind } from '@hkey/bridge';
import { decodeBase32, sha256 } from '@hkey/protocol';
import { openCredentialId } from '../../firmware-sim/src/fido/credential-id.js';
import { applyAsIssuer } from '../../firmware-sim/test/dashboard-lifecycle.js';
import { type Browser, launchChromium } from './harness.js';
import { type DashboardRig, observeEventRows, percentile, recordTraffic, startDashboardRig } from './dashboard-rig.js';

const KEYS = 1000;
const SECRET_BASE32 = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PASSWORD = 'Tr0ub4dor-and-3';
const PIN = '739164';
const screenshots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let rig: DashboardRig;
let browser: Browser;
let page: Page;
let traffic: { readonly texts: string[] };
let client: KeyClient;
let accountId: number;
const first = 'HK-SIM-000001';
/** Key material the page must never receive (FIDO master secret, credential keys and ids, identity seeds). */
const secretBytes: Uint8Array[] = [];
const utf8 = new TextEncoder();

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  rig = await startDashboardRig(KEYS);
  const address = `udp://127.0.0.1:${rig.simulator.devices[0]!.udp.port}`;
  client = new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address));
  ({ id: accountId } = await client.createAccount({ name: 'github', password: PASSWORD, otp: { secret: decodeBase32(SECRET_BASE32), kind: 'TOTP' } }));
  await client.createAccount({ name: 'mail', flags: 0x08 | 0x04 });
  await client.setPin({ pin: PIN });
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  traffic = recordTraffic(page);
}, 120_000);

afterAll(async () => {
  await client?.transport.close();
  await browser?.close();
  await rig?.close();
});

const device = async (serial = first) => (await rig.api('GET', `/v1/devices/${serial}/details`)).body;
const udpAddress = (serial: string): string => `udp://127.0.0.1:${rig.simulator.device(serial)!.udp.port}`;

async function select(serial: string): Promise<void> {
  await page.fill('#search', serial);
  await page.waitForFunction((expected) => {
    const panel = document.querySelector('hkey-dashboard')?.shadowRoot?.querySelector('hkey-key-panel')?.shadowRoot;
    return panel?.querySelector('#serial')?.textContent === expected;
  }, serial);
}

/** Waits until the API shows what the page's control should have done. */
async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the dashboard in Chromium', () => {
  test('without the token, or with a wrong one, a clear page and no data', async () => {
    const refusedPage = await browser.context.newPage();
    const seen = recordTraffic(refusedPage);
    await refusedPage.goto(`${rig.control.url}/`);
    await refusedPage.waitForSelector('#refusal');
    expect(await refusedPage.textContent('#refusal h1')).toBe('This dashboard needs its token');
    await refusedPage.goto(`${rig.control.url}/#token=wrong-token-of-another-launch`);
    await refusedPage.reload();
    await refusedPage.waitForSelector('#refusal');
    expect(await refusedPage.textContent('#refusal h1')).toBe('The simulator refused this token');
    await refusedPage.screenshot({ path: `${screenshots}dashboard-token-refused.png` });
    const query = await refusedPage.goto(`${rig.control.url}/?token=wrong-token-of-another-launch`);
    expect(query?.status()).toBe(401);
    expect(await refusedPage.textContent('h1')).toContain('wrong token');
    await refusedPage.close();
    expect(seen.texts.join('\n')).not.toContain('HK-SIM');
  });

  test('opens with the token, forgets it from the address, and shows 1,000 keys in a virtualized grid', async () => {
    await page.goto(rig.control.dashboardUrl);
    await page.waitForSelector('.tile[data-serial="HK-SIM-000001"]');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.textContent('#count')).toBe('1000 of 1000 keys');
    const tiles = await page.locator('.tile').count();
    expect(tiles).toBeGreaterThan(10);
    expect(tiles).toBeLessThan(200);
    await select('HK-SIM-000734');
    expect(await page.locator('.tile[aria-selected="true"]').getAttribute('data-serial')).toBe('HK-SIM-000734');
    await page.fill('#search', '');
    await select(first);
    await page.fill('#search', '');
    await page.screenshot({ path: `${screenshots}dashboard-grid.png` });
  });

  test('the key in full: accounts without secrets, PIN attempts, storage, links', async () => {
    await select(first);
    const panel = page.locator('hkey-key-panel');
    await expect.poll(async () => panel.locator('#accounts').textContent()).toContain('github');
    expect(await panel.locator('#accounts').textContent()).toContain('requires-touch, primary');
    expect(await panel.locator('#pin').textContent()).toContain('8 of 8 attempts left');
    expect(await panel.locator('#links').textContent()).toMatch(/UDP clients: 127\.0\.0\.1:\d+/);
    expect(await panel.locator('#storage').textContent()).toMatch(/^\d+ of 32768 bytes$/);
    expect(await page.locator('.tile[data-serial="HK-SIM-000001"]').getAttribute('data-activity')).toBe('idle');
  });

  test('lifecycle: a key an issuer suspended (a sealed Suspend) shows SUSPENDED on its tile and in its panel', async () => {
    const serial = 'HK-SIM-000004';
    await select(serial);
    const tile = page.locator(`.tile[data-serial="${serial}"]`);
    expect(await tile.getAttribute('data-lifecycle')).toBe('READY');
    expect(await page.locator('hkey-key-panel #lifecycle').textContent()).toBe('ready');
    const key = rig.simulator.device(serial)!.key;
    await applyAsIssuer(rig.simulator.device(serial)!, ['Suspend']);
    secretBytes.push(key.state.provisioning!.seed);
    await expect.poll(() => tile.getAttribute('data-lifecycle')).toBe('SUSPENDED');
    expect(await tile.locator('.lifecycle').textContent()).toBe('suspended');
    await expect.poll(() => page.locator('hkey-key-panel #lifecycle').textContent()).toBe('suspended');
    expect((await device(serial)).lifecycle).toBe('SUSPENDED');
    // What the key itself says: a suspended key still answers GetInfo, and refuses the rest.
    const suspended = new KeyClient(await new UdpTransportKind({ addresses: [udpAddress(serial)] }).open(udpAddress(serial)));
    try {
      await expect(suspended.listAccounts()).rejects.toMatchObject({ code: 'LIFECYCLE_FORBIDS' });
    } finally {
      await suspended.transport.close();
    }
  });

  test('FIDO: a discoverable credential made through the bridge shows its RP ID and user name, and no key material', async () => {
    const serial = 'HK-SIM-000003';
    const transport = await new UdpTransportKind({ addresses: [udpAddress(serial)] }).open(udpAddress(serial));
    try {
      await new FidoClient(transport).makeCredential({
        clientDataHash: sha256(utf8.encode('dashboard registration')),
        rp: { id: 'example.com', name: 'Example' },
        user: { id: utf8.encode('user-alice'), name: 'alice@example.com', displayName: 'Alice' },
        residentKey: true,
      });
    } finally {
      await transport.close();
    }
    const fido = rig.simulator.device(serial)!.key.state.fido!;
    const [credential] = fido.credentials;
    const credentialKey = openCredentialId(fido.masterSecret, sha256(utf8.encode('example.com')), credential!.credentialId);
    secretBytes.push(fido.masterSecret, credential!.credentialId, credentialKey!.privateKey);
    await select(serial);
    const table = page.locator('hkey-key-panel #fido');
    await expect.poll(() => table.textContent()).toContain('example.com');
    expect(await table.locator('td').allTextContents()).toEqual(['example.com', 'alice@example.com']);
    expect(await page.locator('hkey-key-panel h3:has-text("FIDO credentials")').textContent()).toBe('FIDO credentials (1)');
  });

  test('button: press and deny answer the pending request, which names its command and client', async () => {
    await select(first);
    await page.selectOption('#policy', 'button');
    expect((await until(device, (d) => d.presencePolicy === 'button')).presencePolicy).toBe('button');
    const answer = client.getPassword(accountId);
    await page.waitForSelector('#pending:has-text("GetPassword github")');
    expect(await page.textContent('#pending')).toMatch(/GetPassword, from udp 127\.0\.0\.1:\d+/);
    expect(await page.locator('.tile[data-serial="HK-SIM-000001"] hkey-led span').getAttribute('data-colour')).toBe('green');
    await page.screenshot({ path: `${screenshots}dashboard-waiting-for-button.png` });
    await page.click('#press');
    expect((await answer).password).toBe(PASSWORD);
    const denied = client.getPassword(accountId).then(
      () => 'approved',
      (error: { code?: string }) => error.code,
    );
    await page.waitForSelector('#pending:has-text("GetPassword github")');
    await page.click('#deny');
    expect(await denied).toBe('USER_PRESENCE_DENIED');
  });

  test('battery, clock (set, drift, sync), packet and flash faults, disconnect, power cycle, snapshot and restore', async () => {
    await select(first);
    await page.selectOption('#policy', 'auto-approve');
    await page.fill('#battery-input', '42');
    await page.click('#set-battery');
    expect((await until(device, (d) => d.battery === 42)).battery).toBe(42);

    await page.fill('#time-input', '2000000000');
    await page.click('#set-time');
    const set = await until(device, (d) => Math.abs((d.clock as { deviceMs: number }).deviceMs - 2e12) < 5000);
    expect(Math.abs((set.clock as { deviceMs: number }).deviceMs - 2e12)).toBeLessThan(5000);
    await page.fill('#drift-input', '25');
    await page.click('#set-drift');
    expect(((await until(device, (d) => (d.clock as { driftPpm: number }).driftPpm === 25)).clock as { driftPpm: number }).driftPpm).toBe(25);
    await page.click('#sync-time');
    const synced = await until(device, (d) => Math.abs((d.clock as { offsetMs: number }).offsetMs) < 2000);
    expect(Math.abs((synced.clock as { offsetMs: number }).offsetMs)).toBeLessThan(2000);

    await page.selectOption('#packet-kind', 'drop');
    await page.fill('#packet-count', '2');
    await page.click('#add-packet-fault');
    expect(((await until(device, (d) => (d.faults as { packetRules: number }).packetRules === 1)).faults as { packetRules: number }).packetRules).toBe(1);
    await page.selectOption('#flash-kind', 'write-error');
    await page.click('#add-flash-fault');
    expect(((await until(device, (d) => (d.faults as { flashPending: number }).flashPending === 1)).faults as { flashPending: number }).flashPending).toBe(1);
    await page.click('#clear-faults');
    expect(await until(device, (d) => (d.faults as { packetRules: number; flashPending: number }).packetRules === 0)).toMatchObject({
      faults: { packetRules: 0, flashPending: 0 },
    });

    const before = rig.simulator.device(first)!.key.events.lastSeq;
    await page.click('#disconnect');
    const fault = await rig.api('GET', `/v1/devices/${first}/events/wait?type=fault&fault=disconnect&after=${before}&timeoutMs=5000`);
    expect(fault.status).toBe(200);
    await page.click('#power-cycle');
    expect((await rig.api('GET', `/v1/devices/${first}/events/wait?type=power&state=on&after=${before}&timeoutMs=5000`)).status).toBe(200);

    await page.click('#snapshot');
    expect((await until(device, (d) => (d.snapshots as string[]).length === 1)).snapshots).toEqual(['snap-1']);
    await rig.api('POST', `/v1/devices/${first}/battery`, { percent: 7 });
    await page.waitForSelector('.restore[data-snapshot="snap-1"]');
    await page.click('.restore[data-snapshot="snap-1"]');
    expect((await until(device, (d) => d.battery === 42)).battery).toBe(42);
  });

  test('hold: released early it is too short; held, the ring counts down 10 s and the wipe goes through', async () => {
    await select(first);
    await page.selectOption('#policy', 'button');
    await until(device, (d) => d.presencePolicy === 'button');
    await client.verifyPin(PIN);
    const tooShort = client.wipe().then(
      () => 'wiped',
      (error: { code?: string }) => error.code,
    );
    await page.waitForSelector('#pending:has-text("hold of 10 s")');
    const button = page.locator('hkey-hold-button button');
    const box = (await button.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForTimeout(1000);
    await page.mouse.up();
    expect(await tooShort).toBe('USER_PRESENCE_HOLD_TOO_SHORT');

    const wiped = client.wipe();
    await page.waitForSelector('#pending:has-text("hold of 10 s")');
    await page.mouse.down();
    await page.waitForTimeout(4000);
    const countdown = Number(await page.locator('hkey-hold-button .label').getAttribute('data-countdown'));
    expect(countdown).toBeGreaterThanOrEqual(5);
    expect(countdown).toBeLessThanOrEqual(7);
    await page.screenshot({ path: `${screenshots}dashboard-hold-countdown.png` });
    await wiped;
    await page.mouse.up();
    expect((await until(device, (d) => (d.accountList as unknown[]).length === 0)).accountList).toEqual([]);
    await page.selectOption('#policy', 'auto-approve');
  }, 40_000);

  test('the event log shows each event once, in order, and pauses', async () => {
    const serial = 'HK-SIM-000002';
    await select(serial);
    await page.check('#only-selected');
    try {
      const key = rig.simulator.device(serial)!.key;
      const after = key.events.lastSeq;
      for (let percent = 60; percent < 70; percent++) await rig.api('POST', `/v1/devices/${serial}/battery`, { percent });
      const logged = key.events.since(after).map((event) => event.seq);
      expect(logged).toHaveLength(10);
      const rowsOf = () =>
        page.locator(`hkey-event-log li[data-serial="${serial}"]`).evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));
      const newest = async () => (await rowsOf()).filter((seq) => seq > after);
      await expect.poll(newest).toEqual([...logged].reverse());
      const all = await rowsOf();
      expect(new Set(all).size).toBe(all.length);
      expect(all).toEqual([...all].sort((a, b) => b - a));

      await page.click('#pause');
      for (let percent = 70; percent < 75; percent++) await rig.api('POST', `/v1/devices/${serial}/battery`, { percent });
      await expect.poll(() => page.textContent('#pause')).toContain('Resume (5 new)');
      expect(await newest()).toEqual([...logged].reverse());
      await page.click('#pause');
      await expect.poll(newest).toEqual(
        key.events
          .since(after)
          .map((event) => event.seq)
          .reverse(),
      );
    } finally {
      await page.uncheck('#only-selected');
    }
  });

  test('1,000 keys at 100 events/s: each event on screen in < 100 ms', async () => {
    await page.uncheck('#only-selected');
    await page.fill('#search', '');
    await observeEventRows(page);
    const emitted: { id: string; time: number }[] = [];
    const devices = rig.simulator.devices;
    const unsubscribe = devices.map((d) => d.key.events.subscribe((event) => emitted.push({ id: `${event.serial}/${event.seq}`, time: event.time })));
    const started = Date.now();
    const writes: Promise<void>[] = [];
    let index = 0;
    while (Date.now() - started < 5000) {
      const target = devices[(index * 7919) % devices.length]!;
      writes.push(target.key.setBattery(50 + (index % 50)));
      index++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + index * 10 - Date.now())));
    }
    await Promise.all(writes);
    unsubscribe.forEach((off) => off());
    // Every event is waited for, not a fixed time: on a busy machine a late one counts with its real latency
    // instead of failing as never shown; an event still missing after 5 s fails the test below.
    await page
      .waitForFunction(
        (ids) => ids.every((id) => (window as unknown as { __shown: Map<string, number> }).__shown.has(id)),
        emitted.map(({ id }) => id),
        {
          timeout: 5000,
          polling: 50,
        },
      )
      .catch(() => undefined);
    await page.screenshot({ path: `${screenshots}dashboard-live-log.png` });
    const shown = new Map(await page.evaluate(() => [...(window as unknown as { __shown: Map<string, number> }).__shown.entries()]));
    const latencies = emitted.map(({ id, time }) => (shown.get(id) ?? Infinity) - time);
    const rate = (emitted.length * 1000) / 5000;
    // The load average says whether a slow run was the page or the machine (CI runs this after the other suites).
    console.log(
      `dashboard latency, ${KEYS} keys, ${rate.toFixed(0)} events/s, ${emitted.length} events, ` +
        `load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores: ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
    expect(rate).toBeGreaterThanOrEqual(95);
    expect(latencies.every(Number.isFinite)).toBe(true);
    expect(percentile(latencies, 95)).toBeLessThan(100);
  }, 30_000);

  test('no secret, password or PIN in anything the page received', async () => {
    const all = traffic.texts.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    expect(secretBytes).toHaveLength(4);
    const encodings = (bytes: Uint8Array): string[] => (['hex', 'base64', 'base64url'] as const).map((encoding) => Buffer.from(bytes).toString(encoding));
    const needles = [SECRET_BASE32, PASSWORD, PIN, ...[decodeBase32(SECRET_BASE32), ...secretBytes].flatMap(encodings)];
    const hits = needles.filter((needle) => all.includes(needle));
    console.log(`secret scan: ${traffic.texts.length} responses and frames, ${all.length} characters, ${hits.length} hits`);
    expect(hits).toEqual([]);
  });
});
