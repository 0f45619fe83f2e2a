/**
 * /v1/dashboard/stream: what changed, at most every STREAM_INTERVAL_MS, so a page with 1,000 keys redraws a few
 * times a second however busy the keys are, and a busy key pays one array push per event while a page watches.
 */
import type { WebSocket } from 'ws';
import type { LoggedEvent } from '../../core/events.js';
import type { KeyFleet } from '../key-fleet.js';
import { STREAM_INTERVAL_MS, STREAM_MAX_EVENTS, type StreamFrame } from './view-model.js';

/** A page that reads slower than the keys write gets fewer, larger frames rather than an ever longer queue. */
const MAX_BUFFERED_BYTES = 1 << 20;

export function jsonWithBigints(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}

/**
 * Streams to `socket` from now on; the first frame holds every key's row. Resolves once the keys' events are
 * flowing, so nothing a client does after the socket opens goes unseen.
 */
export async function streamDashboard(socket: WebSocket, fleet: KeyFleet): Promise<void> {
  let events: LoggedEvent[] = [];
  let skipped = 0;
  let changed = new Set<string>(fleet.serials);
  let lastSent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing = false;
  let closed = false;

  const flush = async (): Promise<void> => {
    timer = undefined;
    if (closed || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return schedule(STREAM_INTERVAL_MS);
    lastSent = Date.now();
    if (events.length > STREAM_MAX_EVENTS) {
      skipped += events.length - STREAM_MAX_EVENTS;
      events = events.slice(-STREAM_MAX_EVENTS);
    }
    const frameEvents = events;
    const frameSkipped = skipped;
    const serials = [...changed];
    events = [];
    skipped = 0;
    changed = new Set();
    // Rows are read after the events they follow (a key's row is at least as new as its events in the frame).
    flushing = true;
    try {
      const rows = await fleet.rows(serials);
      const frame: StreamFrame = { rows, events: frameEvents, skipped: frameSkipped, sent: lastSent };
      if (!closed && socket.readyState === socket.OPEN) socket.send(jsonWithBigints(frame));
    } catch {
      // The fleet is closing; the socket goes with it.
    } finally {
      flushing = false;
    }
    if (changed.size > 0 || events.length > 0) schedule(Math.max(0, lastSent + STREAM_INTERVAL_MS - Date.now()));
  };
  const schedule = (delay: number): void => {
    timer ??= setTimeout(() => void flush(), delay);
  };

  const unsubscribe = await fleet.subscribe((event) => {
    events.push(event);
    // Bounded between frames: only the newest STREAM_MAX_EVENTS are ever sent.
    if (events.length >= 2 * STREAM_MAX_EVENTS) {
      skipped += events.length - STREAM_MAX_EVENTS;
      events = events.slice(-STREAM_MAX_EVENTS);
    }
    changed.add(event.serial);
    if (timer === undefined && !flushing) schedule(Math.max(0, lastSent + STREAM_INTERVAL_MS - Date.now()));
  });
  socket.on('close', () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
  });
  if (socket.readyState !== socket.OPEN) {
    closed = true;
    unsubscribe();
    return;
  }
  await flush();
}
