/**
 * `hkey sim --devices N --workers W`: the keys spread over W worker threads (shard-worker.ts), each owning its keys'
 * UDP ports, state files, snapshots and event logs, so W cores answer keys at once. This thread serves the control
 * API and the BLE link and asks the worker that owns a key (docs/scaling.md). The API is the Simulator's (KeyFleet),
 * so clients see one simulator either way.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HkeyError } from '@hkey/protocol';
import type { LoggedEvent } from '../core/events.js';
import { type AttestationCa, attestationIdentity } from '../fido/attestation.js';
import type { AttestationFormat } from '../fido/runtime.js';
import { type BleLinkServer, startBleLinkServer } from './ble-link-server.js';
import type { KeyRow } from './dashboard/view-model.js';
import { ControlError, type DeviceDescription, type DeviceRequest } from './device-control.js';
import type { BleLinkSession, BleLinkSink, KeyFleet } from './key-fleet.js';
import { LOOPBACK } from './listen-error.js';
import type { FromShard, ShardCall, ShardWorkerData, ToShard } from './shard-messages.js';
import { DEFAULT_BLE_PORT, Simulator, type SimulatorOptions } from './simulator.js';

export interface FleetOptions extends Omit<SimulatorOptions, 'fido' | 'manufacturerCa'> {
  /** Worker threads for the keys; default one per core, never more than keys. 1 runs the keys in this thread. */
  readonly workers?: number;
  /** A team's own CA for attestation and the provisioning identities (docs/protocol.md §9.7, §10.2). */
  readonly attestationCa?: AttestationCa;
  readonly attestationFormat?: AttestationFormat;
}

/** The worker count `workers` asks for, given the keys and this machine's cores. */
export function shardCount(devices: number, workers: number | undefined): number {
  return Math.max(1, Math.min(devices, workers ?? availableParallelism()));
}

/**
 * The worker's code: the build's shard-worker.js next to this file, or, when running from sources (vitest, tsx),
 * shard-worker.ts through tsx with the repository's path aliases.
 */
function spawnShard(data: ShardWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const tsconfig = new URL('../../../tsconfig.json', import.meta.url);
  const entry = new URL('./shard-worker.ts', import.meta.url);
  const boot = [
    `import(${JSON.stringify(tsx)})`,
    `.then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig.pathname)} }); return import(${JSON.stringify(entry.href)}); });`,
  ].join('');
  return new Worker(boot, { eval: true, workerData: data });
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One worker and the keys it owns. */
class Shard {
  private nextId = 0;
  private readonly pending = new Map<number, PendingCall>();
  readonly links = new Map<number, BleLinkSink>();
  serials: readonly string[] = [];
  private failure: Error | undefined;
  exited = false;

  /** Where forwarded events go (the fleet's listeners); workers forward only after the fleet asks them to. */
  onEvents: (events: readonly LoggedEvent[]) => void = () => undefined;

  constructor(readonly worker: Worker) {
    worker.once('exit', () => (this.exited = true));
  }

  /** Resolves with the shard's serials once its keys listen. */
  started(): Promise<readonly string[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromShard): void => {
        if (message.type === 'ready') {
          this.serials = message.serials;
          resolve(message.serials);
        } else if (message.type === 'start-failed') reject(new HkeyError(message.code, message.message));
        else this.receive(message);
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', () => reject(new HkeyError('SHARD_START_FAILED', 'A simulator worker failed to start.')));
      this.worker.once('exit', () => reject(new HkeyError('SHARD_START_FAILED', 'A simulator worker stopped before its keys were ready.')));
    });
  }

  post(message: ToShard): void {
    this.worker.postMessage(message);
  }

  call(call: ShardCall, signal?: AbortSignal): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'call', id, call });
      signal?.addEventListener('abort', () => this.post({ type: 'abort', id }), { once: true });
    });
  }

  /** The worker died: nothing it owed will come. */
  fail(error: Error): void {
    this.failure = error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    for (const sink of this.links.values()) sink.end();
    this.links.clear();
  }

  private receive(message: FromShard): void {
    switch (message.type) {
      case 'reply':
      case 'failed': {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === 'reply') call?.resolve(message.value);
        else call?.reject(new ControlError(message.failure.status, message.failure.code, message.failure.message));
        return;
      }
      case 'events':
        return this.onEvents(message.events);
      case 'ble-send':
        return this.links.get(message.link)?.send(message.op, message.data);
      case 'ble-end':
        this.links.get(message.link)?.end();
        this.links.delete(message.link);
        return;
      default:
        return;
    }
  }
}

export class ShardedSimulator implements KeyFleet {
  readonly serials: readonly string[];
  private readonly shardOf: ReadonlyMap<string, Shard>;
  private readonly listeners = new Set<(event: LoggedEvent) => void>();
  private forwarding: Promise<unknown> = Promise.resolve();
  private nextLink = 0;
  private readonly failureListeners: ((error: Error) => void)[] = [];
  bleLink: BleLinkServer | undefined;

  private constructor(private readonly shards: readonly Shard[]) {
    this.serials = shards.flatMap((shard) => shard.serials);
    this.shardOf = new Map(shards.flatMap((shard) => shard.serials.map((serial) => [serial, shard] as const)));
    for (const shard of shards) {
      shard.onEvents = (events) => this.deliver(events);
      shard.worker.on('error', () => this.workerFailed(shard));
      shard.worker.on('exit', () => this.workerFailed(shard));
    }
  }

  /** `workers` threads (at least 2; see startKeyFleet for the choice) with consecutive shares of the keys. */
  static async start(options: FleetOptions & { readonly workers: number }): Promise<ShardedSimulator> {
    const host = options.host ?? LOOPBACK;
    const count = options.devices ?? 1;
    const blePort = options.blePort === undefined ? DEFAULT_BLE_PORT : options.blePort;
    const { workers, attestationCa, attestationFormat, ...simulatorOptions } = options;
    const shards = Array.from({ length: workers }, (_, index) => {
      const firstIndex = Math.floor((index * count) / workers);
      const devices = Math.floor(((index + 1) * count) / workers) - firstIndex;
      const worker = spawnShard({
        options: { ...simulatorOptions, devices },
        placement: { firstIndex, bleLinkInParent: blePort !== null },
        attestationCa,
        attestationFormat,
      });
      return new Shard(worker);
    });
    const outcomes = await Promise.allSettled(shards.map((shard) => shard.started()));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) {
      await Promise.all(shards.map((shard) => shard.worker.terminate()));
      throw failed.reason;
    }
    const simulator = new ShardedSimulator(shards);
    try {
      if (blePort !== null) simulator.bleLink = await startBleLinkServer(simulator, { host, port: blePort });
    } catch (error) {
      await simulator.close();
      throw error;
    }
    return simulator;
  }

  /** Called if a worker dies after start: its keys are gone, so `hkey sim` stops rather than half-serve. */
  onWorkerFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  private closing = false;

  private workerFailed(shard: Shard): void {
    if (this.closing) return;
    const error = new HkeyError('SHARD_FAILED', 'A simulator worker stopped unexpectedly; its keys no longer answer.');
    shard.fail(error);
    for (const listener of this.failureListeners) listener(error);
  }

  private owner(serial: string): Shard {
    const shard = this.shardOf.get(serial);
    if (shard === undefined) throw new ControlError(404, 'DEVICE_NOT_FOUND', 'No simulated device has this serial.');
    return shard;
  }

  async describe(): Promise<DeviceDescription[]> {
    const parts = await Promise.all(this.shards.map((shard) => shard.call({ kind: 'describe' }) as Promise<DeviceDescription[]>));
    return parts.flat();
  }

  control(serial: string, request: DeviceRequest, signal: AbortSignal): Promise<unknown> {
    return this.owner(serial).call({ kind: 'control', serial, request }, signal);
  }

  async rows(serials?: readonly string[]): Promise<KeyRow[]> {
    if (serials === undefined) {
      const parts = await Promise.all(this.shards.map((shard) => shard.call({ kind: 'rows', serials: undefined }) as Promise<KeyRow[]>));
      return parts.flat();
    }
    const wanted = new Map<Shard, string[]>();
    for (const serial of serials) {
      const shard = this.owner(serial);
      wanted.set(shard, [...(wanted.get(shard) ?? []), serial]);
    }
    const parts = await Promise.all([...wanted].map(([shard, own]) => shard.call({ kind: 'rows', serials: own }) as Promise<KeyRow[]>));
    return parts.flat();
  }

  /** Workers forward events only while someone listens: a busy key pays nothing for an event stream nobody reads. */
  async subscribe(listener: (event: LoggedEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.forwarding = this.setForwarding(true);
    await this.forwarding;
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.forwarding = this.setForwarding(false);
    };
  }

  private setForwarding(on: boolean): Promise<unknown> {
    return Promise.all(this.shards.map((shard) => shard.call({ kind: 'forward-events', on }).catch(() => undefined)));
  }

  private deliver(events: readonly LoggedEvent[]): void {
    for (const event of events) for (const listener of this.listeners) listener(event);
  }

  openBleLink(serial: string, sink: BleLinkSink): BleLinkSession {
    const shard = this.owner(serial);
    const link = ++this.nextLink;
    shard.links.set(link, sink);
    shard.post({ type: 'ble-open', link, serial });
    return {
      // A copy of the frame alone: cloning a view clones its whole buffer (the socket's read chunk).
      frame: (op, data) => shard.post({ type: 'ble-frame', link, op, data: data.slice() }),
      close: () => {
        if (shard.links.delete(link)) shard.post({ type: 'ble-close', link });
      },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.bleLink?.close();
    await Promise.all(
      this.shards.map(
        (shard) =>
          new Promise<void>((resolve) => {
            if (shard.exited) return resolve();
            shard.worker.once('exit', () => resolve());
            shard.worker.on('message', (message: FromShard) => {
              if (message.type === 'closed') void shard.worker.terminate();
            });
            shard.post({ type: 'close' });
          }),
      ),
    );
  }
}

/** `hkey sim`'s keys: in this thread for one worker (the fastest start), else sharded over worker threads. */
export async function startKeyFleet(options: FleetOptions): Promise<KeyFleet & { readonly bleLink: BleLinkServer | undefined }> {
  const { attestationCa, attestationFormat, workers, ...simulatorOptions } = options;
  const shards = shardCount(options.devices ?? 1, workers);
  if (shards > 1) return ShardedSimulator.start({ ...options, workers: shards });
  return Simulator.start({
    ...simulatorOptions,
    manufacturerCa: attestationCa,
    fido: { attestation: attestationCa === undefined ? undefined : attestationIdentity(attestationCa), attestationFormat },
  });
}
