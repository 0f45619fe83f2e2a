/**
 * Real USB keys through node-hid 3 (hidapi), Node only. node-hid is an optional dependency with a native part,
 * loaded on first use, so that the bridge works without it; when it or its system libraries are missing, or the
 * OS refuses the device, calls fail with NOT_FOUND or PERMISSION_DENIED and say what to do.
 *
 * Keys are the HID interfaces with HKP's vendor usage page 0xFF48 and usage 0x01 (docs/protocol.md §1.2), not
 * the FIDO page 0xF1D0, which operating systems keep for their own FIDO stacks. Vendor and product ids are
 * product-specific (§1.2) and this bridge knows no official Hideez ones: pass `vendorId`/`productId` to narrow
 * the search. A key is named hid:<OS path>, and speaks CTAPHID through the bridge's HidTransport.
 */
import { HID_REPORT_SIZE, HKP_HID_USAGE, HKP_HID_USAGE_PAGE } from '@hkey/protocol';
import type { BridgeHidInfo } from '../bridge-protocol.js';
import { pollDevices } from '../device-poller.js';
import { TransportError } from '../errors.js';
import type { HidChannelOptions } from '../hid-channel.js';
import type { HidReportPort } from '../hid-report-port.js';
import { HidTransport } from '../hid-transport.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

/** One HID interface as node-hid's devicesAsync() lists it. */
export interface NodeHidDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly path?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly release: number;
  readonly interface: number;
  readonly usagePage?: number | undefined;
  readonly usage?: number | undefined;
}

/** An open device, as node-hid's HIDAsync. */
export interface NodeHidDevice {
  /** Writes one output report, report ID first; resolves with the bytes written. */
  write(values: number[] | Buffer): Promise<number>;
  close(): Promise<void>;
  /** Input reports; reading starts with the first listener. */
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  /** Reading failed: the device was unplugged. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeListener(event: 'data', listener: (data: Buffer) => void): unknown;
  removeListener(event: 'error', listener: (error: unknown) => void): unknown;
}

/** The part of the node-hid module this kind uses: the real module satisfies it, tests pass fakes. */
export interface NodeHidLike {
  devicesAsync(): Promise<NodeHidDeviceInfo[]>;
  readonly HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<NodeHidDevice> };
}

export interface NodeHidTransportOptions extends HidChannelOptions {
  /** Supplies node-hid; default: the optional package node-hid. Tests pass fakes. */
  readonly loadNodeHid?: () => Promise<NodeHidLike>;
  /** Only keys with this USB vendor id; default any interface with the HKP usage. */
  readonly vendorId?: number;
  /** Only keys with this USB product id (with vendorId). */
  readonly productId?: number;
  /** How long open() waits for the key to answer CTAPHID INIT. Default 2 s. */
  readonly openTimeoutMs?: number;
  /** How often listen() enumerates again (node-hid has no hot-plug events). Default 1 s. */
  readonly pollIntervalMs?: number;
}

const ID_PREFIX = 'hid:';

/** The real module, typed by its own definitions: a mismatch with NodeHidLike fails to compile. */
async function importNodeHid(): Promise<NodeHidLike> {
  return import('node-hid');
}

/** The native part is loaded at the first enumeration or open, so its failures surface there. */
function nativeFailure(error: unknown): TransportError {
  return new TransportError('NOT_FOUND', {
    cause: error,
    message:
      'USB HID access failed: node-hid could not load or use its native library ' +
      '(on Linux it needs libusb-1.0 and libudev, e.g. `sudo apt install libusb-1.0-0 libudev1`); install it and try again.',
  });
}

const looksNative = (error: unknown): boolean =>
  /shared object|libusb|libudev|dlopen|No native build|\.node\b/i.test(error instanceof Error ? error.message : String(error));
const looksForbidden = (error: unknown): boolean => /permission|access (is )?denied|EACCES|EPERM/i.test(error instanceof Error ? error.message : String(error));

function hidDescriptor(info: NodeHidDeviceInfo & { readonly path: string }): DeviceDescriptor {
  return {
    id: `${ID_PREFIX}${info.path}`,
    transport: 'hid',
    serial: info.serialNumber || undefined,
    name: info.product || 'Hideez Key (USB)',
    path: info.path,
  };
}

/** An open node-hid device as a report port: 64-byte reports in, a report ID and 64 bytes out. */
function nodeHidReportPort(device: NodeHidDevice): HidReportPort {
  const closeListeners = new Set<(cause?: unknown) => void>();
  let open = true;
  const onError = (error: unknown): void => {
    if (!open) return;
    open = false;
    for (const listener of closeListeners) listener(error);
  };
  device.on('error', onError);
  return {
    async send(report) {
      // hidapi takes the report ID first; HKP reports have none, so it is 0x00 and not sent (§1.2).
      const out = Buffer.alloc(HID_REPORT_SIZE + 1);
      out.set(report, 1);
      const written = await device.write(out);
      // Platforms count the report ID byte or not; fewer than 64 means the report did not go out whole.
      if (written < HID_REPORT_SIZE) throw new Error(`The HID write sent ${written} of ${HID_REPORT_SIZE} bytes.`);
    },
    onReport(listener) {
      const onData = (data: Buffer): void => listener(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      device.on('data', onData);
      return () => device.removeListener('data', onData);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    async close() {
      open = false;
      device.removeListener('error', onError);
      await device.close();
    },
  };
}

export class NodeHidTransportKind implements TransportKind {
  private module: Promise<NodeHidLike> | undefined;
  private identities = new Map<string, BridgeHidInfo>();

  constructor(private readonly options: NodeHidTransportOptions = {}) {}

  /** The plugged-in HID interfaces that carry HKP. */
  async list(): Promise<DeviceDescriptor[]> {
    const hid = await this.load();
    let devices: NodeHidDeviceInfo[];
    try {
      devices = await hid.devicesAsync();
    } catch (error) {
      throw nativeFailure(error);
    }
    const keys = devices.filter((info): info is NodeHidDeviceInfo & { readonly path: string } => this.isKey(info));
    this.identities = new Map(
      keys.map((info) => [`${ID_PREFIX}${info.path}`, { vendorId: info.vendorId, productId: info.productId, productName: info.product || 'Hideez Key' }]),
    );
    return keys.map(hidDescriptor);
  }

  /** The USB identity of a key the last list() found (what WebHID shows a page), if it found it. */
  usbIdentity(id: string): BridgeHidInfo | undefined {
    return this.identities.get(id);
  }

  /** Enumerates every pollIntervalMs and reports keys plugged in and out. */
  listen(observer: DeviceObserver): Subscription {
    return pollDevices(() => this.list(), observer, this.options.pollIntervalMs ?? 1000);
  }

  /** Opens hid:<path>, or a descriptor from list(). */
  async open(descriptor: DeviceDescriptor | string): Promise<HidTransport> {
    const { found, port } = await this.openDevice(descriptor);
    return HidTransport.open(found, port, { ...this.options, timeoutMs: this.options.openTimeoutMs ?? 2000 });
  }

  /** The key's raw 64-byte reports, below CTAPHID: what the bridge's "hid" link hands to a page's WebHID shim. */
  async openReportPort(descriptor: DeviceDescriptor | string): Promise<HidReportPort> {
    return (await this.openDevice(descriptor)).port;
  }

  private async openDevice(descriptor: DeviceDescriptor | string): Promise<{ found: DeviceDescriptor; port: HidReportPort }> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    if (!id.startsWith(ID_PREFIX) || id.length === ID_PREFIX.length) {
      throw new TransportError('NOT_FOUND', { message: 'A USB key id looks like hid:<device path>; list the keys to find it.' });
    }
    const found = (await this.list()).find((candidate) => candidate.id === id);
    if (found === undefined) throw new TransportError('NOT_FOUND', { message: 'No HKP key is plugged in at this path; plug it in and list the keys again.' });
    const path = id.slice(ID_PREFIX.length);
    const hid = await this.load();
    try {
      return { found, port: nodeHidReportPort(await hid.HIDAsync.open(path)) };
    } catch (error) {
      throw await this.openFailure(error, id);
    }
  }

  private isKey(info: NodeHidDeviceInfo): boolean {
    if (info.path === undefined || info.path === '') return false;
    const { vendorId, productId } = this.options;
    if (vendorId !== undefined && info.vendorId !== vendorId) return false;
    if (productId !== undefined && info.productId !== productId) return false;
    // Backends that cannot read report descriptors report no usage page: they match on the ids alone.
    if (info.usagePage === undefined || info.usagePage === 0) return vendorId !== undefined;
    return info.usagePage === HKP_HID_USAGE_PAGE && info.usage === HKP_HID_USAGE;
  }

  /** node-hid, loaded once; a failed load is tried again next time, since the user may install it meanwhile. */
  private load(): Promise<NodeHidLike> {
    const loading = (this.module ??= (this.options.loadNodeHid ?? importNodeHid)().catch((error: unknown) => {
      throw new TransportError('NOT_FOUND', {
        cause: error,
        message: 'USB HID support could not be loaded: the optional package node-hid is missing; install it (`npm install node-hid`) and try again.',
      });
    }));
    loading.catch(() => {
      if (this.module === loading) this.module = undefined;
    });
    return loading;
  }

  /** hidapi says little about why open failed: the message, and whether the device is still there, tell. */
  private async openFailure(error: unknown, id: string): Promise<TransportError> {
    if (looksNative(error)) return nativeFailure(error);
    const stillThere = await this.list().then(
      (keys) => keys.some((key) => key.id === id),
      () => false,
    );
    if (!stillThere) return new TransportError('NOT_FOUND', { cause: error, message: 'The key was unplugged; plug it in and open it again.' });
    if (looksForbidden(error) || process.platform === 'linux') {
      return new TransportError('PERMISSION_DENIED', {
        cause: error,
        message: "The system refused access to the key's HID device; on Linux install the udev rule from docs/hardware.md, then unplug and replug the key.",
      });
    }
    return new TransportError('DEVICE_BUSY', {
      cause: error,
      message: "The key's HID device could not be opened; close other programs that use it and try again.",
    });
  }
}
