/**
 * The suite lets the key's time jump ahead only where the control API can: a simulator without the advance
 * endpoint, or a run that asks for real time, waits for the same timeouts in real time and still passes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runConformance, simulatorController, udpTarget } from '@hkey/conformance';
import { type RunningSimulator, startSimulator } from './support/simulator.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

test('against the simulator the controller offers time jumps, and the packet timeout case uses them', async () => {
  const report = await runConformance({ target: udpTarget(sim.udpUrl), controller: sim.controller, only: ['HID-20'] });
  expect(sim.controller.capabilities.has('time')).toBe(true);
  expect(report.results[0]).toMatchObject({ outcome: 'pass', notes: [expect.stringMatching(/the simulator let the time pass at once/)] });
});

test('a run that asks for real time waits the 500 ms and measures when the error came', async () => {
  const controller = simulatorController({ url: sim.controlUrl, token: sim.token, virtualTime: false });
  const report = await runConformance({ target: udpTarget(sim.udpUrl), controller, only: ['HID-20'] });
  expect(controller.capabilities.has('time')).toBe(false);
  expect(report.results[0]).toMatchObject({ outcome: 'pass', notes: [expect.stringMatching(/came \d+ ms after the last part/)] });
  expect(report.results[0]?.durationMs).toBeGreaterThanOrEqual(800);
});

test('a control API without the advance endpoint (an older simulator) leaves the time to run in real time', async () => {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    calls.push(`${request.method} ${request.url}`);
    const found = !request.url?.endsWith('/advance');
    response.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(found ? { presencePolicy: 'auto-approve' } : { error: { code: 'NOT_FOUND', message: 'No control endpoint.' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const controller = simulatorController({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'a-token-of-sixteen-chars' });
    await controller.prepare({ serial: 'HK-OLD-000001' });
    expect(controller.capabilities.has('time')).toBe(false);
    expect(calls).toContain('POST /v1/devices/HK-OLD-000001/advance');
  } finally {
    server.close();
  }
});
