/**
 * What a key is doing right now, as its event log tells it: the command in flight, the button wait and who asked,
 * and drift. The core keeps these private; the dashboard only needs to watch them.
 */
import type { LoggedEvent } from '../../core/events.js';
import type { SimulatedDevice } from '../simulated-device.js';
import type { PendingRequestView } from './view-model.js';

/** A wait for the button as its event announces it, before the button itself knows its hold and timeout. */
export type PendingWait = Omit<PendingRequestView, 'holdMs' | 'timeoutMs'>;

export class KeyMonitor {
  /** The command between its `command` and `response` events. */
  processing: { readonly command: string; readonly transport: string } | undefined;
  pending: PendingWait | undefined;
  driftPpm = 0;
  lastSeq = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly device: SimulatedDevice) {
    this.lastSeq = device.key.events.lastSeq;
    this.unsubscribe = device.key.events.subscribe((event) => this.observe(event));
  }

  close(): void {
    this.unsubscribe();
  }

  private observe(event: LoggedEvent): void {
    this.lastSeq = event.seq;
    switch (event.type) {
      case 'command':
        this.processing = { command: event.command, transport: event.transport };
        return;
      case 'response':
        this.processing = undefined;
        return;
      case 'presence':
        this.pending = event.state === 'waiting' ? this.pendingFor(event.kind === 'hold' ? 'hold' : 'press', event.reason, event.time) : undefined;
        return;
      case 'power':
        this.processing = undefined;
        this.pending = undefined;
        return;
      case 'state':
        if (event.change === 'drift') this.driftPpm = Number(event.detail?.ppm ?? 0);
        return;
      default:
        return;
    }
  }

  private pendingFor(kind: 'press' | 'hold', reason: string, since: number): PendingWait {
    return { kind, reason, command: this.processing?.command ?? null, client: this.client(), since };
  }

  /** The UDP peer for HID requests (a host application is an address and port), else the transport's name. */
  private client(): string {
    const transport = this.processing?.transport ?? 'unknown';
    if (transport !== 'hid') return transport;
    const peer = this.device.hid.servingClient;
    return peer === undefined ? 'hid' : `udp ${formatPeer(peer)}`;
  }
}

export function formatPeer(peer: { readonly address: string; readonly port: number }): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}
