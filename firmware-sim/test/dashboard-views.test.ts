/** What the dashboard shows of a key: activity, LED, the pending request and who asked (docs/protocol.md §8.6). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRequest } from '@hkey/protocol';
import { Simulator } from '@hkey/firmware-sim/node';
import { KeyMonitor } from '../src/node/dashboard/key-monitor.js';
import { keyDetail, keyRow } from '../src/node/dashboard/key-views.js';
import { ledFor } from '../src/node/dashboard/led.js';
import { applyAsIssuer } from './dashboard-lifecycle.js';

let simulator: Simulator;

beforeAll(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 2 });
});

afterAll(async () => {
  await simulator.close();
});

describe('the LED (docs/protocol.md §8.6.2)', () => {
  test.each([
    ['off', undefined, 100, 'off', 'solid'],
    ['pin-blocked', undefined, 100, 'red', 'solid'],
    ['battery-empty', undefined, 0, 'red', 'blink-slow'],
    ['waiting-for-button', 'press', 100, 'green', 'pulse'],
    ['waiting-for-button', 'hold', 100, 'red', 'blink-fast'],
    ['processing', undefined, 100, 'blue', 'solid'],
    ['idle', undefined, 10, 'orange', 'blink-slow'],
    ['locked', undefined, 100, 'orange', 'heartbeat'],
    ['idle', undefined, 100, 'green', 'heartbeat'],
  ] as const)('%s (%s, battery %i) is %s %s', (activity, pendingKind, battery, colour, pattern) => {
    expect(ledFor({ activity, pendingKind, battery })).toEqual({ colour, pattern });
  });
});

describe('a key as its monitor sees it', () => {
  test('waiting for the button: the request, its command and its client; then idle again', async () => {
    const device = simulator.devices[0]!;
    const monitor = new KeyMonitor(device);
    try {
      const session = device.key.openSession('virtual');
      await session.handle(encodeRequest('AccountCreate', { name: 'mail', password: 'hunter22' }));
      device.setPresencePolicy('button');
      const after = device.key.events.lastSeq;
      const answer = session.handle(encodeRequest('GetPassword', { id: 1 }));
      await device.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: after });
      expect(keyRow(device, monitor)).toMatchObject({
        activity: 'waiting-for-button',
        led: { colour: 'green', pattern: 'pulse' },
        pending: { kind: 'press', reason: 'GetPassword mail', command: 'GetPassword', client: 'virtual', holdMs: 10_000, timeoutMs: 30_000 },
      });
      device.button.press();
      await answer;
      expect(keyRow(device, monitor)).toMatchObject({ activity: 'idle', pending: null });
      expect(JSON.stringify(keyDetail(device, monitor))).not.toContain('hunter22');
    } finally {
      device.setPresencePolicy('auto-approve');
      monitor.close();
    }
  });

  test('PIN: locked, unlocked by VerifyPin, blocked after the last wrong attempt; drift and power', async () => {
    const device = simulator.devices[0]!;
    const monitor = new KeyMonitor(device);
    try {
      const setter = device.key.openSession('virtual');
      await setter.handle(encodeRequest('SetPin', { pin: '246810' }));
      // SetPin leaves its own session unlocked; once it ends, nobody has the key open.
      expect(keyRow(device, monitor).activity).toBe('idle');
      setter.close();
      expect(keyRow(device, monitor).activity).toBe('locked');
      const session = device.key.openSession('virtual');
      await session.handle(encodeRequest('VerifyPin', { pin: '246810' }));
      expect(keyRow(device, monitor).activity).toBe('idle');
      device.key.setDrift(50);
      expect(keyDetail(device, monitor).clock.driftPpm).toBe(50);
      await device.key.powerCycle();
      expect(keyRow(device, monitor).activity).toBe('locked');
      const other = device.key.openSession('virtual');
      for (let attempt = 0; attempt < 8; attempt++) await other.handle(encodeRequest('VerifyPin', { pin: '000000' }));
      expect(keyRow(device, monitor)).toMatchObject({ activity: 'pin-blocked', pinRetries: 0, led: { colour: 'red', pattern: 'solid' } });
      expect(JSON.stringify(keyDetail(device, monitor))).not.toContain('246810');
    } finally {
      monitor.close();
    }
  });

  test('links: BLE connections with their ATT_MTU, and none once dropped', () => {
    const device = simulator.devices[0]!;
    const monitor = new KeyMonitor(device);
    try {
      const host = { notify: () => undefined, mtuChanged: () => undefined, disconnected: () => undefined };
      const connection = device.ble.connect(host);
      connection.exchangeMtu(247);
      device.ble.connect(host);
      expect(keyDetail(device, monitor).links.ble).toEqual({ connections: 2, mtus: [247, 23] });
      device.disconnect();
      expect(keyDetail(device, monitor).links.ble).toEqual({ connections: 0, mtus: [] });
    } finally {
      monitor.close();
    }
  });

  test('lifecycle: READY while no issuer has touched the key, SUSPENDED after a sealed Suspend, never its identity seed', async () => {
    const device = simulator.devices[1]!;
    const monitor = new KeyMonitor(device);
    try {
      expect(device.key.state.provisioning).toBeUndefined();
      expect(keyRow(device, monitor).lifecycle).toBe('READY');
      await applyAsIssuer(device, ['Suspend']);
      expect(device.key.state.provisioning?.lifecycle).toBe('SUSPENDED');
      expect(keyRow(device, monitor).lifecycle).toBe('SUSPENDED');
      const detail = JSON.stringify(keyDetail(device, monitor));
      expect(detail).toContain('"lifecycle":"SUSPENDED"');
      const seed = Buffer.from(device.key.state.provisioning!.seed);
      for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(detail).not.toContain(seed.toString(encoding));
    } finally {
      monitor.close();
    }
  });
});
