/**
 * A stand-in for the node-hid 3 module, with the observable behaviour of nodehid.js over hidapi (checked against
 * node-hid 3.4's nodehid.js and nodehid.d.ts), wired to the simulator's HID interface (HidEndpoint) so that tests
 * exercise real CTAPHID traffic:
 * - the native library loads at the first devicesAsync() or HIDAsync.open(), and its failure surfaces there;
 * - devicesAsync() lists every interface, with usagePage and usage as hidapi reads them from the descriptor;
 * - write(data) takes the report ID first (0x00 for a device without numbered reports, not sent on the wire),
 *   pads a short report as hidapi on Windows does, and resolves with the bytes written, report ID included;
 * - reading starts with the first 'data' listener; input reports arriving before that wait in the OS buffer;
 * - unplugging ends a running read with 'error' ("could not read from HID device") and fails later writes;
 * - close() resolves once the device is closed and removes every listener.
 * Every open device is one host application sharing the key's one HID interface, as on USB.
 */
import { EventEmitter } from 'node:events';
import { HID_REPORT_SIZE, HKP_HID_USAGE, HKP_HID_USAGE_PAGE } from '@hkey/protocol';
import { HidEndpoint, type VirtualKey } from '@hkey/firmware-sim';
import type { NodeHidDeviceInfo, NodeHidLike } from '@hkey/bridge';

interface Plugged {
  readonly info: NodeHidDeviceInfo;
  /** The key's HID interface, for an HKP key; other devices only enumerate. */
  readonly endpoint: HidEndpoint<FakeHidDevice> | undefined;
  readonly open: Set<FakeHidDevice>;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeNodeHid implements NodeHidLike {
  readonly HIDAsync = { open: (path: string) => this.openDevice(path) };
  /** Set to make the native library fail to load (e.g. libusb missing). */
  nativeError: Error | undefined;
  /** Paths whose device node the user may not open. */
  readonly denied = new Set<string>();
  /** Every report written, report ID included, per path. */
  readonly written = new Map<string, Uint8Array[]>();
  private readonly plugged = new Map<string, Plugged>();

  /** Plugs in an HKP key with the HKP usage, or another device. */
  plugKey(path: string, key: VirtualKey, info: Partial<NodeHidDeviceInfo> = {}): void {
    const endpoint = new HidEndpoint<FakeHidDevice>(key);
    endpoint.attach((report, device) => device.received(report));
    this.plugged.set(path, {
      info: {
        vendorId: 0x1234,
        productId: 0x5678,
        path,
        serialNumber: key.serial,
        manufacturer: 'Hideez',
        product: 'Hideez Key',
        release: 0x100,
        interface: 0,
        usagePage: HKP_HID_USAGE_PAGE,
        usage: HKP_HID_USAGE,
        ...info,
      },
      endpoint,
      open: new Set(),
    });
  }

  plugOther(info: NodeHidDeviceInfo & { readonly path: string }): void {
    this.plugged.set(info.path, { info, endpoint: undefined, open: new Set() });
  }

  /** The devices applications have open at `path`. */
  opened(path: string): FakeHidDevice[] {
    return [...(this.plugged.get(path)?.open ?? [])];
  }

  /** Pulls the device out: its reads fail, its writes fail, it is no longer listed. */
  unplug(path: string): void {
    const device = this.plugged.get(path);
    if (device === undefined) return;
    this.plugged.delete(path);
    device.endpoint?.detach();
    for (const open of device.open) open.unplugged();
  }

  async devicesAsync(): Promise<NodeHidDeviceInfo[]> {
    await turn();
    if (this.nativeError !== undefined) throw this.nativeError;
    return [...this.plugged.values()].map((device) => ({ ...device.info }));
  }

  private async openDevice(path: string): Promise<FakeHidDevice> {
    await turn();
    if (this.nativeError !== undefined) throw this.nativeError;
    const device = this.plugged.get(path);
    if (device === undefined) throw new Error(`Failed to open a device with path '${path}': No such file or directory`);
    if (this.denied.has(path)) throw new Error(`Failed to open a device with path '${path}': Permission denied`);
    const written: Uint8Array[] = [];
    this.written.set(path, written);
    const open = new FakeHidDevice(device.endpoint, written, () => device.open.delete(open));
    device.open.add(open);
    return open;
  }
}

export class FakeHidDevice extends EventEmitter {
  /** The next write fails with this error, as a USB transfer error does. */
  failNextWrite: Error | undefined;
  private closed = false;
  private gone = false;
  private reading = false;
  /** Input reports the OS holds until someone reads. */
  private buffered: Uint8Array[] = [];

  constructor(
    private readonly endpoint: HidEndpoint<FakeHidDevice> | undefined,
    private readonly written: Uint8Array[],
    private readonly forget: () => void,
  ) {
    super();
    this.on('newListener', (event) => {
      if (event === 'data') process.nextTick(() => this.resume());
    });
    this.on('removeListener', (event) => {
      if (event === 'data' && this.listenerCount('data') === 0) this.reading = false;
    });
  }

  async write(values: number[] | Buffer): Promise<number> {
    const bytes = Uint8Array.from(values);
    await turn();
    if (this.closed || this.gone) throw new Error('Cannot write to hid device');
    const failure = this.failNextWrite;
    this.failNextWrite = undefined;
    if (failure !== undefined) throw failure;
    this.written.push(bytes);
    // Report ID 0 is not sent; a short report is padded to the report size.
    const body = bytes[0] === 0 ? bytes.subarray(1) : bytes;
    const report = new Uint8Array(Math.max(body.length, HID_REPORT_SIZE));
    report.set(body);
    this.endpoint?.receive(report, this);
    return bytes.length;
  }

  async close(): Promise<void> {
    await turn();
    this.closed = true;
    this.reading = false;
    this.forget();
    this.removeAllListeners();
  }

  /** An input report of the key for this application. */
  received(report: Uint8Array): void {
    if (this.closed) return;
    this.buffered.push(report.slice());
    if (this.reading) this.flush();
  }

  unplugged(): void {
    this.gone = true;
    if (!this.reading) return;
    this.reading = false;
    setImmediate(() => {
      if (!this.closed) this.emit('error', new Error('could not read from HID device'));
    });
  }

  private resume(): void {
    if (this.reading || this.closed || this.listenerCount('data') === 0) return;
    this.reading = true;
    if (this.gone) return this.unplugged();
    this.flush();
  }

  private flush(): void {
    setImmediate(() => {
      while (this.reading && this.buffered.length > 0) this.emit('data', Buffer.from(this.buffered.shift() as Uint8Array));
    });
  }
}
