/**
 * navigator.hid for pages written against WebHID, backed by a DeviceSource (the bridge server or keys in the
 * page). It follows Chrome's behaviour where a page can see it: requestDevice needs a user gesture and shows a
 * chooser, resolves [] on cancel, getDevices lists granted keys, reports have no report ID (id 0), input
 * reports arrive as 'inputreport' events with a DataView, and connect/disconnect fire for granted keys.
 */
import { HID_REPORT_SIZE, HKP_HID_USAGE, HKP_HID_USAGE_PAGE } from '@hkey/protocol';
import { COLLECTIONS } from './hid-collections.js';
import type { HidReportPort } from '../hid-report-port.js';
import type { DeviceSource, ShimDevice } from './device-source.js';
import { type BufferLike, assertUserActivation, copyBytes, defineEventHandlers, domError, installOnNavigator, reason } from './dom.js';
import { Grants, type PermissionOptions, choose } from './permission.js';

export interface HIDDeviceFilter {
  readonly vendorId?: number;
  readonly productId?: number;
  readonly usagePage?: number;
  readonly usage?: number;
}

export interface HIDDeviceRequestOptions {
  readonly filters: readonly HIDDeviceFilter[];
  readonly exclusionFilters?: readonly HIDDeviceFilter[];
}

export class HIDInputReportEvent extends Event {
  readonly device: ShimHIDDevice;
  readonly reportId: number;
  readonly data: DataView;

  constructor(type: string, init: { device: ShimHIDDevice; reportId: number; data: DataView }) {
    super(type);
    this.device = init.device;
    this.reportId = init.reportId;
    this.data = init.data;
  }
}

export class HIDConnectionEvent extends Event {
  readonly device: ShimHIDDevice;

  constructor(type: string, init: { device: ShimHIDDevice }) {
    super(type);
    this.device = init.device;
  }
}

export class ShimHIDDevice extends EventTarget {
  declare oninputreport: ((event: HIDInputReportEvent) => void) | null;
  private port: HidReportPort | undefined;
  private opening = false;
  private stops: (() => void)[] = [];

  /** @internal Made by ShimHID only. */
  constructor(
    private readonly hid: ShimHID,
    /** @internal */
    readonly shimDevice: ShimDevice,
  ) {
    super();
  }

  get opened(): boolean {
    return this.port !== undefined;
  }

  get vendorId(): number {
    return this.shimDevice.hid?.vendorId ?? 0;
  }

  get productId(): number {
    return this.shimDevice.hid?.productId ?? 0;
  }

  get productName(): string {
    return this.shimDevice.hid?.productName ?? this.shimDevice.name;
  }

  get collections(): typeof COLLECTIONS {
    return COLLECTIONS;
  }

  async open(): Promise<void> {
    if (this.port !== undefined || this.opening) throw domError('InvalidStateError', 'The device is already open.');
    this.opening = true;
    let port: HidReportPort;
    try {
      port = await this.hid.source.openHid(this.shimDevice.id);
    } catch (error) {
      // Chrome says only "Failed to open the device."; the bridge's reason (e.g. who holds the key) is worth more.
      throw domError('NotAllowedError', `Failed to open the device. ${reason(error)}`, error);
    } finally {
      this.opening = false;
    }
    this.port = port;
    this.hid.reachable(this);
    this.stops = [
      port.onReport((report) => {
        const data = new DataView(report.slice().buffer);
        this.dispatchEvent(new HIDInputReportEvent('inputreport', { device: this, reportId: 0, data }));
      }),
      port.onClose?.(() => this.lost()) ?? (() => undefined),
    ];
  }

  async close(): Promise<void> {
    const port = this.detach();
    await port?.close?.();
  }

  async forget(): Promise<void> {
    await this.close();
    this.hid.revoke(this);
  }

  async sendReport(reportId: number, data: BufferLike): Promise<void> {
    const port = this.port;
    if (port === undefined) throw domError('InvalidStateError', 'The device must be opened first.');
    const bytes = copyBytes(data);
    // The interface has no report IDs (§1.2) and 64-byte reports: anything else fails in the OS, as on a real key.
    if (reportId !== 0 || bytes.length > HID_REPORT_SIZE) throw domError('NotAllowedError', 'Failed to write the report.');
    const report = new Uint8Array(HID_REPORT_SIZE);
    report.set(bytes);
    try {
      await port.send(report);
    } catch (error) {
      throw domError('NotAllowedError', 'Failed to write the report.', error);
    }
  }

  /** The key has no feature reports (§1.2). */
  async sendFeatureReport(_reportId: number, _data: BufferLike): Promise<void> {
    if (this.port === undefined) throw domError('InvalidStateError', 'The device must be opened first.');
    throw domError('NotAllowedError', 'Failed to write the feature report.');
  }

  /** The key has no feature reports (§1.2). */
  async receiveFeatureReport(_reportId: number): Promise<DataView> {
    if (this.port === undefined) throw domError('InvalidStateError', 'The device must be opened first.');
    throw domError('NotAllowedError', 'Failed to receive the feature report.');
  }

  /** @internal The key went away: closed, as Chrome closes an unplugged device. */
  lost(): void {
    const port = this.detach();
    if (port === undefined) return;
    // The link is already gone; closing only frees what is left of it (a bridge lease).
    Promise.resolve()
      .then(() => port.close?.())
      .catch(() => undefined);
    this.hid.unplugged(this);
  }

  private detach(): HidReportPort | undefined {
    const port = this.port;
    this.port = undefined;
    for (const stop of this.stops) stop();
    this.stops = [];
    return port;
  }
}
defineEventHandlers(ShimHIDDevice.prototype, ['inputreport']);

export interface WebHidShimOptions extends PermissionOptions {
  readonly source: DeviceSource;
}

export class ShimHID extends EventTarget {
  declare onconnect: ((event: HIDConnectionEvent) => void) | null;
  declare ondisconnect: ((event: HIDConnectionEvent) => void) | null;
  /** @internal */
  readonly source: DeviceSource;
  private readonly grants: Grants;
  private readonly devices = new Map<string, ShimHIDDevice>();
  /** Keys whose 'disconnect' was dispatched: a lost link and the source's removal of the key are one unplug. */
  private readonly gone = new WeakSet<ShimHIDDevice>();
  private readonly stopWatching: () => void;

  constructor(private readonly options: WebHidShimOptions) {
    super();
    this.source = options.source;
    this.grants = new Grants('hid', options.remember ?? 'storage');
    this.stopWatching =
      this.source.watch?.((change) => {
        if (change.device.hid === undefined || !this.grants.has(change.device.id)) return;
        const device = this.device(change.device);
        if (change.type === 'remove') return device.opened ? device.lost() : this.unplugged(device);
        this.gone.delete(device);
        this.dispatchEvent(new HIDConnectionEvent('connect', { device }));
      }) ?? (() => undefined);
  }

  async getDevices(): Promise<ShimHIDDevice[]> {
    return (await this.source.list()).filter((device) => device.hid !== undefined && this.grants.has(device.id)).map((device) => this.device(device));
  }

  async requestDevice(options?: HIDDeviceRequestOptions): Promise<ShimHIDDevice[]> {
    const filters = validFilters(options?.filters, 'filters');
    const exclusions = options?.exclusionFilters === undefined ? [] : validFilters(options.exclusionFilters, 'exclusionFilters');
    assertUserActivation(this.options.requireUserActivation ?? true);
    const devices = (await this.source.list()).filter(
      (device) =>
        device.hid !== undefined &&
        (filters.length === 0 || filters.some((filter) => matches(device, filter))) &&
        !exclusions.some((filter) => matches(device, filter)),
    );
    const chosen = await choose(this.options.prompt ?? 'dialog', { api: 'hid', origin: globalThis.location?.origin ?? 'This page', devices });
    if (chosen === undefined) return [];
    this.grants.add(chosen.id);
    return [this.device(chosen)];
  }

  /** Stops watching the source; the object is then inert. */
  dispose(): void {
    this.stopWatching();
  }

  /** @internal */
  revoke(device: ShimHIDDevice): void {
    this.grants.delete(device.shimDevice.id);
  }

  /** @internal */
  unplugged(device: ShimHIDDevice): void {
    if (this.gone.has(device)) return;
    this.gone.add(device);
    this.dispatchEvent(new HIDConnectionEvent('disconnect', { device }));
  }

  /** @internal An opened key is there again. */
  reachable(device: ShimHIDDevice): void {
    this.gone.delete(device);
  }

  /** One object per key, as in Chrome: the same HIDDevice from requestDevice, getDevices and events. */
  private device(shimDevice: ShimDevice): ShimHIDDevice {
    let device = this.devices.get(shimDevice.id);
    if (device === undefined) this.devices.set(shimDevice.id, (device = new ShimHIDDevice(this, shimDevice)));
    return device;
  }
}
defineEventHandlers(ShimHID.prototype, ['connect', 'disconnect']);

function validFilters(filters: readonly HIDDeviceFilter[] | undefined, member: string): readonly HIDDeviceFilter[] {
  if (!Array.isArray(filters)) throw new TypeError(`Failed to execute 'requestDevice' on 'HID': required member ${member} is undefined.`);
  for (const filter of filters as readonly HIDDeviceFilter[]) {
    if (filter.productId !== undefined && filter.vendorId === undefined) throw new TypeError('A filter containing a productId must also contain a vendorId.');
    if (filter.usage !== undefined && filter.usagePage === undefined) throw new TypeError('A filter containing a usage must also contain a usagePage.');
  }
  return filters;
}

function matches(device: ShimDevice, filter: HIDDeviceFilter): boolean {
  const hid = device.hid;
  if (hid === undefined) return false;
  if (filter.vendorId !== undefined && filter.vendorId !== hid.vendorId) return false;
  if (filter.productId !== undefined && filter.productId !== hid.productId) return false;
  if (filter.usagePage !== undefined && filter.usagePage !== HKP_HID_USAGE_PAGE) return false;
  return filter.usage === undefined || filter.usage === HKP_HID_USAGE;
}

/** Installs navigator.hid; returns the shim and the function that puts the browser's own back. */
export function installWebHid(options: WebHidShimOptions, target: object = globalThis.navigator): { hid: ShimHID; uninstall: () => void } {
  const hid = new ShimHID(options);
  const restore = installOnNavigator(target, 'hid', hid);
  return {
    hid,
    uninstall: () => {
      hid.dispose();
      restore();
    },
  };
}
