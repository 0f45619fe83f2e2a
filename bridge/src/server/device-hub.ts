/**
 * Every key of every source in one list, kept current by the sources' hot-plug streams, so that `list` answers
 * at once and `watch` clients hear each change once.
 */
import type { BridgeDevice } from '../bridge-protocol.js';
import type { DeviceChange, Subscription } from '../transport.js';
import { type BridgeDeviceSource, bridgeDevice } from './device-source.js';

export interface HubEntry {
  readonly device: BridgeDevice;
  readonly source: BridgeDeviceSource;
}

export type HubChange = { readonly type: 'device-added' | 'device-removed'; readonly device: BridgeDevice };

export class DeviceHub {
  private readonly entries = new Map<string, HubEntry>();
  private readonly listeners = new Set<(change: HubChange) => void>();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    sources: readonly BridgeDeviceSource[],
    /** A source failed to list or watch (a missing optional driver); the others keep working. */
    onWarning: (message: string) => void,
  ) {
    for (const source of sources) {
      // Polling kinds report the same failure (a missing driver) on every poll: say it once until the source recovers.
      let failing = false;
      try {
        this.subscriptions.push(
          source.kind.listen({
            next: (change) => {
              failing = false;
              this.apply(source, change);
            },
            error: (error) => {
              if (!failing) onWarning(`A key source cannot list keys: ${describe(error)}`);
              failing = true;
            },
          }),
        );
      } catch (error) {
        onWarning(`A key source could not start: ${describe(error)}`);
      }
    }
  }

  list(): BridgeDevice[] {
    return [...this.entries.values()].map((entry) => entry.device);
  }

  get(id: string): HubEntry | undefined {
    return this.entries.get(id);
  }

  /** Returns an unsubscribe function. */
  onChange(listener: (change: HubChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.length = 0;
    this.listeners.clear();
  }

  private apply(source: BridgeDeviceSource, change: DeviceChange): void {
    const id = change.descriptor.id;
    const known = this.entries.get(id);
    if (change.type === 'add') {
      // The first source to report an id keeps it; ids are addresses, so a clash is the same key twice.
      if (known !== undefined) return;
      const entry = { device: bridgeDevice(source, change.descriptor), source };
      this.entries.set(id, entry);
      this.emit({ type: 'device-added', device: entry.device });
    } else if (known?.source === source) {
      this.entries.delete(id);
      this.emit({ type: 'device-removed', device: known.device });
    }
  }

  private emit(change: HubChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
