/**
 * The simulator's HID interface wired straight to a host in the same process: a report port with the shape of
 * @hkey/bridge's HidReportPort (send/onReport/onClose/close), without depending on the bridge. Each connection
 * is a new HID endpoint, like plugging the key into another USB port: its own channels and PIN session.
 */
import { HkeyError } from '@hkey/protocol';
import type { VirtualKey } from '../core/virtual-key.js';
import { HidEndpoint, type HidEndpointOptions } from './hid-endpoint.js';

export interface InProcessHidPort {
  /** One OUT report to the key; throws once the port is closed, as a write to an unplugged device does. */
  send(report: Uint8Array): void;
  /** Every IN report of the key, delivered in a later microtask as a real link would; returns an unsubscribe function. */
  onReport(listener: (report: Uint8Array) => void): () => void;
  /** Called once when the port closes. */
  onClose(listener: () => void): () => void;
  /** Unplugs: the key's HID session ends and listeners hear onClose. */
  close(): void;
}

export function connectInProcess(key: VirtualKey, options?: HidEndpointOptions): InProcessHidPort {
  const endpoint = new HidEndpoint<symbol>(key, options);
  const host = Symbol('in-process host');
  const reportListeners = new Set<(report: Uint8Array) => void>();
  const closeListeners = new Set<() => void>();
  // Reports of one turn are delivered by one microtask, not one each.
  let pending: Uint8Array[] = [];
  let open = true;
  const deliver = (): void => {
    const reports = pending;
    pending = [];
    for (const report of reports) for (const listener of reportListeners) listener(report);
  };
  endpoint.attach((report) => {
    if (pending.length === 0) queueMicrotask(deliver);
    pending.push(report);
  });
  return {
    send(report) {
      if (!open) throw new HkeyError('PORT_CLOSED', 'The in-process HID port is closed; connect again.');
      endpoint.receive(report, host);
    },
    onReport(listener) {
      reportListeners.add(listener);
      return () => reportListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      if (!open) return;
      open = false;
      endpoint.detach();
      pending = [];
      for (const listener of closeListeners) listener();
    },
  };
}
