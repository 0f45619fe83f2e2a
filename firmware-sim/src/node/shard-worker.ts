/**
 * A worker thread of `hkey sim --workers W` (sharded-simulator.ts): runs its share of the keys with their UDP ports,
 * answers the control thread's calls about them, and carries their BLE link sessions. State, snapshots and
 * secrets stay in this thread, as they stay in the process with one worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HkeyError } from '@hkey/protocol';
import type { LoggedEvent } from '../core/events.js';
import { attestationIdentity } from '../fido/attestation.js';
import { controlFailure } from './device-control.js';
import type { BleLinkSession } from './key-fleet.js';
import type { FromShard, ShardCall, ShardWorkerData, ToShard } from './shard-messages.js';
import { Simulator } from './simulator.js';

if (parentPort === null) throw new Error('shard-worker runs as a worker thread of ShardedSimulator.');
const port = parentPort;
const post = (message: FromShard): void => port.postMessage(message);
const { options, placement, attestationCa, attestationFormat } = workerData as ShardWorkerData;

async function startShard(): Promise<Simulator | undefined> {
  try {
    return await Simulator.start(
      {
        ...options,
        manufacturerCa: attestationCa,
        fido: { attestation: attestationCa === undefined ? undefined : attestationIdentity(attestationCa), attestationFormat },
      },
      placement,
    );
  } catch (error) {
    // The control thread ends this worker when it reads this.
    const known = error instanceof HkeyError;
    post({ type: 'start-failed', code: known ? error.code : 'SHARD_START_FAILED', message: known ? error.message : 'A simulator worker failed to start.' });
    return undefined;
  }
}

const started = await startShard();
if (started !== undefined) serve(started);

function serve(simulator: Simulator): void {
  /** Events go to the control thread in one message per turn of the event loop, not one per event. */
  let batch: LoggedEvent[] = [];
  const flushEvents = (): void => {
    post({ type: 'events', events: batch });
    batch = [];
  };
  let stopForwarding: (() => void) | undefined;

  async function answer(call: ShardCall, signal: AbortSignal): Promise<unknown> {
    switch (call.kind) {
      case 'describe':
        return simulator.describe();
      case 'rows':
        return simulator.rows(call.serials);
      case 'control':
        return simulator.control(call.serial, call.request, signal);
      case 'forward-events':
        if (call.on && stopForwarding === undefined) {
          stopForwarding = await simulator.subscribe((event) => {
            if (batch.length === 0) setImmediate(flushEvents);
            batch.push(event);
          });
        } else if (!call.on && stopForwarding !== undefined) {
          stopForwarding();
          stopForwarding = undefined;
        }
        return { forwarding: call.on };
    }
  }

  const calls = new Map<number, AbortController>();
  const links = new Map<number, BleLinkSession>();

  port.on('message', (message: ToShard) => {
    switch (message.type) {
      case 'call': {
        const controller = new AbortController();
        calls.set(message.id, controller);
        answer(message.call, controller.signal)
          .then(
            (value) => post({ type: 'reply', id: message.id, value }),
            (error: unknown) => post({ type: 'failed', id: message.id, failure: controlFailure(error) }),
          )
          .finally(() => calls.delete(message.id));
        return;
      }
      case 'abort':
        calls.get(message.id)?.abort();
        calls.delete(message.id);
        return;
      case 'ble-open': {
        const link = message.link;
        links.set(
          link,
          simulator.openBleLink(message.serial, {
            // Fragments may be views of a whole message: post each on its own, not its whole buffer.
            send: (op, data) => post({ type: 'ble-send', link, op, data: data?.slice() }),
            end: () => post({ type: 'ble-end', link }),
          }),
        );
        return;
      }
      case 'ble-frame':
        links.get(message.link)?.frame(message.op, message.data);
        return;
      case 'ble-close':
        links.get(message.link)?.close();
        links.delete(message.link);
        return;
      case 'close':
        stopForwarding?.();
        void simulator.close().then(() => {
          post({ type: 'closed' });
          port.close();
        });
        return;
    }
  });

  post({ type: 'ready', serials: simulator.serials });
}
