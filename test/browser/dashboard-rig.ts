/**
 * The dashboard test's rig: a simulator with its control server serving a dashboard built on demand, a control API
 * client for assertions, a recorder of everything the page receives (HTTP bodies and WebSocket frames) for the
 * secret scan, and an observer that stamps when each event row reaches the screen.
 */
import type { Page } from 'playwright-core';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { buildDashboard } from '../../firmware-sim/dashboard/build.js';

export interface DashboardRig {
  readonly simulator: Simulator;
  readonly control: ControlServer;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startDashboardRig(devices: number): Promise<DashboardRig> {
  const simulator = await Simulator.start({ udpPort: 0, blePort: null, devices });
  const control = await startControlServer(simulator, { port: 0, dashboard: await buildDashboard() });
  return {
    simulator,
    control,
    async api(method, path, body) {
      const response = await fetch(`${control.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async close() {
      await control.close();
      await simulator.close();
    },
  };
}

/** Every body and frame a page receives, as text. */
export function recordTraffic(page: Page): { readonly texts: string[] } {
  const texts: string[] = [];
  page.on('response', (response) => {
    response.text().then(
      (text) => texts.push(`${response.url()} ${response.status()}\n${text}`),
      () => undefined,
    );
  });
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => texts.push(String(payload)));
    socket.on('framesent', ({ payload }) => texts.push(String(payload)));
  });
  return { texts };
}

/**
 * Stamps each event row of the log with the time it was painted (the animation frame after it entered the DOM),
 * keyed "serial/seq", in window.__shown.
 */
export async function observeEventRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown = new Map<string, number>();
    (window as unknown as { __shown: Map<string, number> }).__shown = shown;
    const app = document.querySelector('hkey-dashboard')?.shadowRoot;
    const log = app?.querySelector('hkey-event-log')?.shadowRoot?.querySelector('ol');
    if (!log) throw new Error('no event log');
    new MutationObserver((mutations) => {
      const added: string[] = [];
      for (const mutation of mutations) {
        for (const node of Array.from(mutation.addedNodes)) {
          if (node instanceof HTMLElement && node.dataset.seq) added.push(`${node.dataset.serial}/${node.dataset.seq}`);
        }
      }
      if (added.length > 0) {
        requestAnimationFrame(() => {
          const at = performance.timeOrigin + performance.now();
          for (const key of added) if (!shown.has(key)) shown.set(key, at);
        });
      }
    }).observe(log, { childList: true });
  });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
