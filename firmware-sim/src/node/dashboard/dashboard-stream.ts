/**
 * /v1/dashboard/stream: what changed, at most every STREAM_INTERVAL_MS, so a page with 1,000 keys redraws a few
 * times a second however busy the keys are, and a busy key pays one array push per event while a page watches.
 */
import type { WebSocket } from 'ws';
import type { LoggedEvent } from '../../core/events.js';
import type { SimulatedDevice } from '../simulator.js';
import type { KeyMonitors } from './key-monitors.js';
import { keyRow } from './key-views.js';
import { type KeyRow, STREAM_INTERVAL_MS, STREAM_MAX_EVENTS, type StreamFrame } from './view-model.js';

/** A page that reads slower than the keys write gets fewer, larger frames rather than an ever longer queue. */
const MAX_BUFFERED_BYTES = 1 << 20;

export function jsonWithBigints(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}

export function streamDashboard(socket: WebSocket, devices: readonly SimulatedDevice[], monitors: KeyMonitors): void {
  let events: LoggedEvent[] = [];
  let skipped = 0;
  const changed = new Set<SimulatedDevice>();
  let lastSent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    timer = undefined;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return schedule(STREAM_INTERVAL_MS);
    lastSent = Date.now();
    if (events.length > STREAM_MAX_EVENTS) {
      skipped += events.length - STREAM_MAX_EVENTS;
      events = events.slice(-STREAM_MAX_EVENTS);
    }
    const rows: KeyRow[] = [];
    for (const device of changed) rows.push(keyRow(device, monitors.of(device)));
    const frame: StreamFrame = { rows, events, skipped, sent: lastSent };
    events = [];
    skipped = 0;
    changed.clear();
    socket.send(jsonWithBigints(frame));
  };
  const schedule = (delay: number): void => {
    timer ??= setTimeout(flush, delay);
  };

  const unsubscribers = devices.map((device) =>
    device.key.events.subscribe((event) => {
      events.push(event);
      // Bounded between frames: only the newest STREAM_MAX_EVENTS are ever sent.
      if (events.length >= 2 * STREAM_MAX_EVENTS) {
        skipped += events.length - STREAM_MAX_EVENTS;
        events = events.slice(-STREAM_MAX_EVENTS);
      }
      changed.add(device);
      if (timer === undefined) schedule(Math.max(0, lastSent + STREAM_INTERVAL_MS - Date.now()));
    }),
  );
  for (const device of devices) changed.add(device);
  flush();
  socket.on('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribers.forEach((unsubscribe) => unsubscribe());
  });
}
