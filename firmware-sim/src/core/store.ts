/**
 * Where a key keeps its state. `save` is atomic and durable: after it resolves the new state survives a
 * power cut; if it rejects, the previous state is intact (or, for a simulated power cut after the commit,
 * the new one: see PowerCutError).
 */
import type { DeviceState } from './state.js';

export interface StateStore {
  load(): Promise<DeviceState | undefined>;
  save(state: DeviceState): Promise<void>;
  /** Writes part of the new state the way a power cut mid-write would, without committing it. */
  saveTorn?(state: DeviceState): Promise<void>;
}

/** A flash write failed; nothing was changed. The device answers STORAGE_FAILURE. */
export class StorageWriteError extends Error {
  readonly code = 'STORAGE_WRITE_FAILED';
}

/**
 * Power was cut during a write. `committed` tells whether the new state had reached storage.
 * The device stops answering and restarts from storage, as a real key would.
 */
export class PowerCutError extends Error {
  readonly code = 'POWER_CUT';
  constructor(readonly committed: boolean) {
    super(committed ? 'Power was cut after the state was committed.' : 'Power was cut before the state was committed.');
  }
}

/** Keeps the state in memory; copies on save and load so callers can never alias stored data. */
export class MemoryStore implements StateStore {
  private state: DeviceState | undefined;

  constructor(initial?: DeviceState) {
    this.state = initial && structuredClone(initial);
  }

  async load(): Promise<DeviceState | undefined> {
    return this.state && structuredClone(this.state);
  }

  async save(state: DeviceState): Promise<void> {
    this.state = structuredClone(state);
  }
}
