/**
 * Keys in the same process (the simulator's connectInProcess port, or any other HidReportPort): the same
 * CTAPHID channel as USB and UDP, minus the sockets. Isomorphic.
 */
import { TransportError } from '../errors.js';
import type { HidChannelOpenOptions, HidChannelOptions } from '../hid-channel.js';
import type { HidReportPort } from '../hid-report-port.js';
import { HidTransport } from '../hid-transport.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

export interface VirtualDeviceOptions {
  /** What open() accepts; default "virtual". */
  readonly id?: string;
  readonly name?: string;
  readonly serial?: string;
}

/** Opens a transport over one in-process port. */
export function openVirtualTransport(port: HidReportPort, options: VirtualDeviceOptions & HidChannelOpenOptions = {}): Promise<HidTransport> {
  return HidTransport.open(virtualDescriptor(options), port, options);
}

function virtualDescriptor(options: VirtualDeviceOptions): DeviceDescriptor {
  return { id: options.id ?? 'virtual', transport: 'virtual', name: options.name, serial: options.serial };
}

interface Registered {
  readonly descriptor: DeviceDescriptor;
  readonly connect: () => HidReportPort;
}

/** A registry of in-process keys that lists, watches and opens them like any other kind of transport. */
export class VirtualTransportKind implements TransportKind {
  private readonly devices = new Map<string, Registered>();
  private readonly observers = new Set<DeviceObserver>();

  constructor(private readonly options: HidChannelOptions = {}) {}

  /** Makes a key available; `connect` gives a fresh port for every open(). Returns a function that removes it again. */
  add(device: VirtualDeviceOptions & { readonly id: string; readonly connect: () => HidReportPort }): () => void {
    const registered: Registered = { descriptor: virtualDescriptor(device), connect: device.connect };
    this.devices.set(device.id, registered);
    this.notify({ type: 'add', descriptor: registered.descriptor });
    return () => {
      if (this.devices.get(device.id) !== registered) return;
      this.devices.delete(device.id);
      this.notify({ type: 'remove', descriptor: registered.descriptor });
    };
  }

  async list(): Promise<DeviceDescriptor[]> {
    return [...this.devices.values()].map((device) => device.descriptor);
  }

  listen(observer: DeviceObserver): Subscription {
    for (const device of this.devices.values()) observer.next({ type: 'add', descriptor: device.descriptor });
    this.observers.add(observer);
    return { unsubscribe: () => this.observers.delete(observer) };
  }

  async open(descriptor: DeviceDescriptor | string): Promise<HidTransport> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    const device = this.devices.get(id);
    if (device === undefined) throw new TransportError('NOT_FOUND', { message: 'No in-process key has this id; list the keys to see which are there.' });
    return HidTransport.open(device.descriptor, device.connect(), this.options);
  }

  private notify(change: { type: 'add' | 'remove'; descriptor: DeviceDescriptor }): void {
    for (const observer of this.observers) observer.next(change);
  }
}
