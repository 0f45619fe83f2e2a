/** The messages between ShardedSimulator (the control thread) and a shard's worker (shard-worker.ts): plain data. */
import type { LoggedEvent } from '../core/events.js';
import type { AttestationCa } from '../fido/attestation.js';
import type { AttestationFormat } from '../fido/runtime.js';
import type { ControlFailure, DeviceRequest } from './device-control.js';
import type { ShardPlacement, SimulatorOptions } from './simulator.js';

/** What a worker starts from: everything in it survives structured cloning. */
export interface ShardWorkerData {
  readonly options: Omit<SimulatorOptions, 'fido' | 'manufacturerCa'>;
  readonly placement: ShardPlacement;
  readonly attestationCa: AttestationCa | undefined;
  readonly attestationFormat: AttestationFormat | undefined;
}

export type ShardCall =
  | { readonly kind: 'describe' }
  | { readonly kind: 'rows'; readonly serials: readonly string[] | undefined }
  | { readonly kind: 'control'; readonly serial: string; readonly request: DeviceRequest }
  /** Forward every key's events to the control thread (or stop); answered once the change holds. */
  | { readonly kind: 'forward-events'; readonly on: boolean };

export type ToShard =
  | { readonly type: 'call'; readonly id: number; readonly call: ShardCall }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'ble-open'; readonly link: number; readonly serial: string }
  | { readonly type: 'ble-frame'; readonly link: number; readonly op: number; readonly data: Uint8Array }
  | { readonly type: 'ble-close'; readonly link: number }
  | { readonly type: 'close' };

export type FromShard =
  | { readonly type: 'ready'; readonly serials: readonly string[] }
  | { readonly type: 'start-failed'; readonly code: string; readonly message: string }
  | { readonly type: 'reply'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failed'; readonly id: number; readonly failure: ControlFailure }
  | { readonly type: 'events'; readonly events: readonly LoggedEvent[] }
  | { readonly type: 'ble-send'; readonly link: number; readonly op: number; readonly data: Uint8Array | undefined }
  | { readonly type: 'ble-end'; readonly link: number }
  | { readonly type: 'closed' };
