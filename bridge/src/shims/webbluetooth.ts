/**
 * navigator.bluetooth for pages written against Web Bluetooth, backed by a DeviceSource (the bridge server or
 * keys in the page). Keys advertise the HKP service (docs/protocol.md §2.2); security keys serve the FIDO service
 * (§2.12) too. As in Chrome: requestDevice needs a user gesture and filters or acceptAllDevices, a cancelled
 * chooser rejects with NotFoundError, and only services named in filters or optionalServices can be used.
 */
import { HKP_GATT } from '@hkey/protocol';
import type { DeviceSource, ShimDevice } from './device-source.js';
import { ShimGATTServer, canonicalUuid } from './bluetooth-gatt.js';
import { assertUserActivation, defineEventHandlers, domError, installOnNavigator } from './dom.js';
import { Grants, type PermissionOptions, choose } from './permission.js';

export interface BluetoothLEScanFilter {
  readonly services?: readonly (string | number)[];
  readonly name?: string;
  readonly namePrefix?: string;
}

export interface BluetoothRequestDeviceOptions {
  readonly filters?: readonly BluetoothLEScanFilter[];
  readonly exclusionFilters?: readonly BluetoothLEScanFilter[];
  readonly optionalServices?: readonly (string | number)[];
  readonly acceptAllDevices?: boolean;
}

export class ShimBluetoothDevice extends EventTarget {
  declare ongattserverdisconnected: ((event: Event) => void) | null;
  readonly gatt: ShimGATTServer;

  /** @internal Made by ShimBluetooth only. */
  constructor(
    private readonly bluetooth: ShimBluetooth,
    /** @internal */
    readonly shimDevice: ShimDevice,
  ) {
    super();
    this.gatt = new ShimGATTServer(
      this,
      () => bluetooth.source.connectGatt(shimDevice.id),
      (uuid) => bluetooth.serviceAllowed(shimDevice.id, uuid),
    );
  }

  get id(): string {
    return this.shimDevice.id;
  }

  get name(): string {
    return this.shimDevice.name;
  }

  async forget(): Promise<void> {
    this.gatt.disconnect();
    this.bluetooth.revoke(this.shimDevice.id);
  }
}
defineEventHandlers(ShimBluetoothDevice.prototype, ['gattserverdisconnected']);

export interface WebBluetoothShimOptions extends PermissionOptions {
  readonly source: DeviceSource;
}

export class ShimBluetooth extends EventTarget {
  /** @internal */
  readonly source: DeviceSource;
  private readonly grants: Grants;
  /** The services each granted key's page may use: those named in filters or optionalServices, over all grants. */
  private readonly allowedServices = new Map<string, Set<string>>();
  private readonly devices = new Map<string, ShimBluetoothDevice>();

  constructor(private readonly options: WebBluetoothShimOptions) {
    super();
    this.source = options.source;
    this.grants = new Grants('bluetooth', options.remember ?? 'storage');
  }

  async getAvailability(): Promise<boolean> {
    return true;
  }

  async getDevices(): Promise<ShimBluetoothDevice[]> {
    return (await this.source.list()).filter((device) => device.gatt && this.grants.has(device.id)).map((device) => this.device(device));
  }

  async requestDevice(options?: BluetoothRequestDeviceOptions): Promise<ShimBluetoothDevice> {
    const { filters, exclusions, services } = validOptions(options ?? {});
    assertUserActivation(this.options.requireUserActivation ?? true);
    const devices = (await this.source.list()).filter(
      (device) =>
        device.gatt && (filters === undefined || filters.some((filter) => matches(device, filter))) && !exclusions.some((filter) => matches(device, filter)),
    );
    const chosen = await choose(this.options.prompt ?? 'dialog', { api: 'bluetooth', origin: globalThis.location?.origin ?? 'This page', devices });
    if (chosen === undefined) throw domError('NotFoundError', 'User cancelled the requestDevice() chooser.');
    this.grants.add(chosen.id);
    const allowed = this.allowedServices.get(chosen.id) ?? new Set<string>();
    for (const service of services) allowed.add(service);
    this.allowedServices.set(chosen.id, allowed);
    return this.device(chosen);
  }

  /** @internal Keys granted before this page load (remembered grants) may use every service. */
  serviceAllowed(id: string, uuid: string): boolean {
    return this.allowedServices.get(id)?.has(uuid) ?? true;
  }

  /** @internal */
  revoke(id: string): void {
    this.grants.delete(id);
  }

  /** One object per key, as in Chrome. */
  private device(shimDevice: ShimDevice): ShimBluetoothDevice {
    let device = this.devices.get(shimDevice.id);
    if (device === undefined) this.devices.set(shimDevice.id, (device = new ShimBluetoothDevice(this, shimDevice)));
    return device;
  }
}

interface ValidOptions {
  /** undefined: acceptAllDevices. */
  readonly filters: readonly BluetoothLEScanFilter[] | undefined;
  readonly exclusions: readonly BluetoothLEScanFilter[];
  /** Services the page may use: those of the filters and optionalServices. */
  readonly services: ReadonlySet<string>;
}

function validOptions(options: BluetoothRequestDeviceOptions): ValidOptions {
  const prefix = "Failed to execute 'requestDevice' on 'Bluetooth': ";
  if (options.filters !== undefined && options.acceptAllDevices === true) {
    throw new TypeError(`${prefix}Cannot set both 'filters' and 'acceptAllDevices'.`);
  }
  if (options.filters === undefined && options.acceptAllDevices !== true) {
    throw new TypeError(`${prefix}Either 'filters' should be present or 'acceptAllDevices' should be true, but not both.`);
  }
  if (options.filters !== undefined && options.filters.length === 0) throw new TypeError(`${prefix}'filters' member must be non-empty to find any devices.`);
  const services = new Set((options.optionalServices ?? []).map((service) => canonicalUuid(service, 'Service')));
  for (const filter of [...(options.filters ?? []), ...(options.exclusionFilters ?? [])]) {
    if (filter.services === undefined && filter.name === undefined && filter.namePrefix === undefined) {
      throw new TypeError(`${prefix}A filter must restrict the devices in some way.`);
    }
    if (filter.namePrefix === '') throw new TypeError(`${prefix}'namePrefix', if present, must be non-empty.`);
  }
  for (const filter of options.filters ?? []) for (const service of filter.services ?? []) services.add(canonicalUuid(service, 'Service'));
  return { filters: options.filters, exclusions: options.exclusionFilters ?? [], services };
}

function matches(device: ShimDevice, filter: BluetoothLEScanFilter): boolean {
  if (filter.services !== undefined && !filter.services.every((service) => canonicalUuid(service, 'Service') === HKP_GATT.SERVICE_UUID)) return false;
  if (filter.name !== undefined && filter.name !== device.name) return false;
  return filter.namePrefix === undefined || device.name.startsWith(filter.namePrefix);
}

/** Installs navigator.bluetooth; returns the shim and the function that puts the browser's own back. */
export function installWebBluetooth(
  options: WebBluetoothShimOptions,
  target: object = globalThis.navigator,
): { bluetooth: ShimBluetooth; uninstall: () => void } {
  const bluetooth = new ShimBluetooth(options);
  return { bluetooth, uninstall: installOnNavigator(target, 'bluetooth', bluetooth) };
}
