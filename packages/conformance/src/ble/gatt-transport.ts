/**
 * HKP messages over a BleGattLink (docs/protocol.md §2): MSG fragments out, notifications reassembled in,
 * KEEPALIVE followed, CANCEL on abort. The suite's own small BLE host, so message and semantic cases run over
 * BLE links that the bridge does not reach yet (the simulator's BLE link).
 */
import {
  type DeviceDescriptor,
  type ExchangeOptions,
  type Transport,
  type BridgeError,
  TransportError,
} from '@hkey/bridge';
import {
  BleCommand,
  BleError,
  BleKeepaliveStatus,
  BleReassembler,
  Status,
  bleFragmentSize,
  decodeControlPointLength,
  encodeBleMessage,
} from '@hkey/protocol';
import { ConformanceError } from '../failures.js';
import type { BleGattLink } from './gatt-link.js';

/** §2.10: a host gives up after 30 s without any notification. */
const IDLE_TIMEOUT_MS = 30_000;
/** How long a cancelled call waits for the key's answer to CANCEL. */
const CANCEL_GRACE_MS = 1_000;

/** Reads the control point length, enables notifications and returns a Transport over the link. */
export async function openGattTransport(descriptor: DeviceDescriptor, link: BleGattLink): Promise<Transport> {
  try {
    const controlPointLength = decodeControlPointLength(await link.read('control-point-length'));
    if (controlPointLength === undefined) {
      throw new ConformanceError('BLE_BAD_CONTROL_POINT_LENGTH', 'The key\'s control point length is not a 16-bit value from 20 to 512 (§2.2).');
    }
    await link.subscribe(true);
    return new GattTransport(descriptor, link, controlPointLength);
  } catch (error) {
    await link.close();
    throw error;
  }
}

class GattTransport implements Transport {
  /** Calls run one at a time, in order. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly disconnectListeners = new Set<(error: BridgeError) => void>();
  private lost: TransportError | undefined;

  constructor(
    readonly descriptor: DeviceDescriptor,
    private readonly link: BleGattLink,
    private readonly controlPointLength: number,
  ) {
    link.onDisconnect((reason) => {
      if (this.lost !== undefined) return;
      this.lost = new TransportError('DISCONNECTED', { message: `The BLE connection dropped: ${reason}.` });
      for (const listener of this.disconnectListeners) listener(this.lost);
    });
  }

  exchange(message: Uint8Array, options: ExchangeOptions = {}): Promise<Uint8Array> {
    const call = this.tail.then(
      () => this.run(message, options),
      () => this.run(message, options),
    );
    this.tail = call.catch(() => undefined);
    return call;
  }

  async close(): Promise<void> {
    this.lost ??= new TransportError('DISCONNECTED', { message: 'The connection was closed before the key answered.' });
    await this.link.close();
  }

  on(_event: 'disconnect', listener: (error: BridgeError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  private run(message: Uint8Array, options: ExchangeOptions): Promise<Uint8Array> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    const fragmentSize = bleFragmentSize(this.link.mtu, this.controlPointLength);
    const fragments = encodeBleMessage(BleCommand.MSG, message, fragmentSize);
    const reassembler = new BleReassembler();
    return new Promise<Uint8Array>((resolve, reject) => {
      let giveUpReason: 'CANCELLED' | 'TIMEOUT' | undefined;
      let idle: ReturnType<typeof setTimeout> | undefined;
      let grace: ReturnType<typeof setTimeout> | undefined;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const settle = (action: () => void): void => {
        stopNotify();
        stopDisconnect();
        clearTimeout(idle);
        clearTimeout(grace);
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        action();
      };
      const restartIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => settle(() => reject(new TransportError('TIMEOUT'))), IDLE_TIMEOUT_MS);
      };
      const giveUp = (reason: 'CANCELLED' | 'TIMEOUT'): void => {
        if (giveUpReason !== undefined) return;
        giveUpReason = reason;
        // §2.7: the key answers the cancelled request, not the CANCEL.
        for (const fragment of encodeBleMessage(BleCommand.CANCEL, new Uint8Array(0), fragmentSize)) void this.link.writeCommand(fragment);
        grace = setTimeout(() => settle(() => reject(new TransportError(reason))), CANCEL_GRACE_MS);
      };
      const onAbort = (): void => giveUp('CANCELLED');
      const stopNotify = this.link.onNotify((value) => {
        const result = reassembler.feed(value, Date.now());
        if (result === undefined) return;
        if (result.type === 'error') {
          settle(() => reject(new TransportError('PROTOCOL_VIOLATION', { message: `The key's notifications broke the BLE framing (error ${result.code}).` })));
          return;
        }
        switch (result.cmd) {
          case BleCommand.KEEPALIVE:
            restartIdle();
            options.onKeepalive?.(result.payload[0] === BleKeepaliveStatus.UP_NEEDED ? 'user-presence' : 'processing');
            return;
          case BleCommand.ERROR:
            settle(() => reject(bleErrorToTransportError(result.payload[0])));
            return;
          case BleCommand.MSG:
            if (giveUpReason !== undefined && result.payload.length === 1 && result.payload[0] === Status.CANCELLED) {
              const reason = giveUpReason;
              settle(() => reject(new TransportError(reason)));
            } else {
              settle(() => resolve(result.payload));
            }
            return;
        }
      });
      const stopDisconnect = this.link.onDisconnect(() => settle(() => reject(this.lost ?? new TransportError('DISCONNECTED'))));
      if (options.signal?.aborted) return settle(() => reject(new TransportError('CANCELLED')));
      options.signal?.addEventListener('abort', onAbort);
      if (options.timeoutMs !== undefined) deadline = setTimeout(() => giveUp('TIMEOUT'), options.timeoutMs);
      restartIdle();
      void (async () => {
        for (const fragment of fragments) await this.link.writeCommand(fragment);
      })().catch((error: unknown) => settle(() => reject(new TransportError('DISCONNECTED', { cause: error }))));
    });
  }
}

function bleErrorToTransportError(code: number | undefined): TransportError {
  if (code === BleError.BUSY) return new TransportError('DEVICE_BUSY', { message: 'The key is still serving an earlier request on this BLE connection.' });
  return new TransportError('PROTOCOL_VIOLATION', { message: `The key answered BLE ERROR 0x${(code ?? 0).toString(16).padStart(2, '0')}.` });
}
