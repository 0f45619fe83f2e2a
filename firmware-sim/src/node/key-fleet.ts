/**
 * What the control API, the BLE link and `hkey sim` need of a set of keys, wherever the keys run: in this thread
 * (Simulator) or spread over worker threads (ShardedSimulator). Everything here is asynchronous and plain data,
 * so both answer it the same way.
 */
import type { LoggedEvent } from '../core/events.js';
import type { KeyRow } from './dashboard/view-model.js';
import type { DeviceDescription, DeviceRequest } from './device-control.js';

/** Where a BLE link session sends its frames: the TCP connection of docs/protocol.md §8.2. */
export interface BleLinkSink {
  send(op: number, data?: Uint8Array): void;
  /** The key ended the connection: the link closes once the frames sent so far have left. */
  end(): void;
}

/** One BLE link connection to one key, from its CONNECT frame on. */
export interface BleLinkSession {
  frame(op: number, data: Uint8Array): void;
  /** The TCP connection went away. */
  close(): void;
}

export interface KeyFleet {
  /** Every key's serial, in device order. */
  readonly serials: readonly string[];
  /** The keys' UDP endpoints and the rest of describeDevice, in device order. */
  describe(): Promise<DeviceDescription[]>;
  /** One control API request to the key with `serial` (which must be one of `serials`). */
  control(serial: string, request: DeviceRequest, signal: AbortSignal): Promise<unknown>;
  /** Dashboard rows of these keys (default: all), in device order. */
  rows(serials?: readonly string[]): Promise<KeyRow[]>;
  /** Every key's events from the moment the promise settles; call the result to stop. */
  subscribe(listener: (event: LoggedEvent) => void): Promise<() => void>;
  /** Starts a BLE link session with the key with `serial` (one of `serials`). */
  openBleLink(serial: string, sink: BleLinkSink): BleLinkSession;
  close(): Promise<void>;
}
