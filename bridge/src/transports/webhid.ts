/**
 * Keys through the browser's WebHID (navigator.hid, or the shim of the same shape): the HKP interface is found by
 * its usage page 0xFF48 (docs/protocol.md §1.2), reports go out with report ID 0 passed separately, and
 * 'inputreport' events feed the same CTAPHID channel as USB and UDP. Browser only.
 */
import { HKP_HID_USAGE_PAGE } from '@hkey/protocol';
import { TransportError } from '../errors.js';
import type { HidChannelOptions } from '../hid-channel.js';
import type { HidReportPort } from '../hid-report-port.js';
import { HidTransport } from '../hid-transport.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

/** The parts of WebHID's HIDDevice used here (TypeScript's DOM library has no WebHID types). */
export interface WebHidDevice extends EventTarget {
  readonly opened: boolean;
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
  readonly collections: readonly { readonly usagePage?: number; readonly usage?: number }[];
  open(): Promise<void>;
  close(): Promise<void>;
  sendReport(reportId: number, data: Uint8Array): Promise<void>;
}

export interface WebHid extends EventTarget {
  getDevices(): Promise<WebHidDevice[]>;
  requestDevice(options: { filters: readonly { usagePage?: number; usage?: number; vendorId?: number; productId?: number }[] }): Promise<WebHidDevice[]>;
}

export interface WebHidTransportOptions extends HidChannelOptions {
  /** Default navigator.hid. */
  readonly hid?: WebHid;
}

const ids = new WeakMap<WebHidDevice, string>();
let nextId = 1;

/** The browser returns one HIDDevice object per key, so its identity is the key's for as long as the page lives. */
function descriptorOf(device: WebHidDevice): DeviceDescriptor {
  let id = ids.get(device);
  if (id === undefined) ids.set(device, (id = `webhid:${nextId++}`));
  return { id, transport: 'webhid', name: device.productName };
}

function isHkpInterface(device: WebHidDevice): boolean {
  return device.collections.some((collection) => collection.usagePage === HKP_HID_USAGE_PAGE);
}

/** An opened HIDDevice as a report port. */
export function webHidReportPort(hid: WebHid, device: WebHidDevice): HidReportPort {
  return {
    // No report IDs on this interface (§1.2): ID 0 goes separately, the 64 bytes are the report.
    send: (report) => device.sendReport(0, report),
    onReport(listener) {
      const onInput = (event: Event): void => {
        const data = (event as Event & { data: DataView }).data;
        listener(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
      };
      device.addEventListener('inputreport', onInput);
      return () => device.removeEventListener('inputreport', onInput);
    },
    onClose(listener) {
      const onDisconnect = (event: Event): void => {
        if ((event as Event & { device: WebHidDevice }).device === device) listener();
      };
      hid.addEventListener('disconnect', onDisconnect);
      return () => hid.removeEventListener('disconnect', onDisconnect);
    },
    close: () => device.close(),
  };
}

export class WebHidTransportKind implements TransportKind {
  constructor(private readonly options: WebHidTransportOptions = {}) {}

  private get hid(): WebHid {
    const hid = this.options.hid ?? (globalThis.navigator as (Navigator & { hid?: WebHid }) | undefined)?.hid;
    if (hid === undefined)
      throw new TransportError('NOT_FOUND', { message: 'This browser has no WebHID; use Chrome or Edge, or install the hkey WebHID shim.' });
    return hid;
  }

  /** Shows the browser's chooser for HKP keys (call it from a click handler); undefined when the user cancels. */
  async request(): Promise<DeviceDescriptor | undefined> {
    const [device] = await this.hid.requestDevice({ filters: [{ usagePage: HKP_HID_USAGE_PAGE }] });
    return device === undefined ? undefined : descriptorOf(device);
  }

  /** The keys this page was granted. */
  async list(): Promise<DeviceDescriptor[]> {
    return (await this.devices()).map(descriptorOf);
  }

  listen(observer: DeviceObserver): Subscription {
    const hid = this.hid;
    const onChange = (event: Event): void => {
      const device = (event as Event & { device: WebHidDevice }).device;
      if (isHkpInterface(device)) observer.next({ type: event.type === 'connect' ? 'add' : 'remove', descriptor: descriptorOf(device) });
    };
    hid.addEventListener('connect', onChange);
    hid.addEventListener('disconnect', onChange);
    this.devices().then(
      (devices) => devices.forEach((device) => observer.next({ type: 'add', descriptor: descriptorOf(device) })),
      (error: unknown) => observer.error?.(error),
    );
    return {
      unsubscribe: () => {
        hid.removeEventListener('connect', onChange);
        hid.removeEventListener('disconnect', onChange);
      },
    };
  }

  async open(descriptor: DeviceDescriptor | string): Promise<HidTransport> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    const device = (await this.devices()).find((candidate) => ids.get(candidate) === id);
    if (device === undefined) throw new TransportError('NOT_FOUND', { message: 'This page has no permission for that key; request it again.' });
    if (!device.opened) {
      try {
        await device.open();
      } catch (error) {
        throw new TransportError('PERMISSION_DENIED', {
          cause: error,
          message: `The browser could not open the key: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
    return HidTransport.open(descriptorOf(device), webHidReportPort(this.hid, device), this.options);
  }

  private async devices(): Promise<WebHidDevice[]> {
    return (await this.hid.getDevices()).filter(isHkpInterface);
  }
}
