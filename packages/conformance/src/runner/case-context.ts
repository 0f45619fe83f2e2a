/**
 * What a running case can use: fresh sessions and raw links (closed after the case), the controller, undo
 * actions that put the key back as it was, unique account names, and notes for the report.
 */
import { type ConformanceTarget, type CtapTransport, ctapTransportOf } from '../target.js';
import type { DeviceController } from '../controller/device-controller.js';
import { RawHidLink } from '../hid/raw-hid-link.js';
import { RawBleLink } from '../ble/raw-ble-link.js';
import { HkpSession, type TranscriptEntry } from '../session/hkp-session.js';
import { CaseSkip } from '../failures.js';
import { delay, fail } from '../checks.js';
import type { KeyPin } from './key-pin.js';

/** State shared by the cases of one run. */
export interface RunState {
  readonly target: ConformanceTarget;
  readonly controller: DeviceController;
  readonly destructive: boolean;
  readonly toleranceMs: number;
  /** Prefix of every account name the run creates, so they never collide with the key's own. */
  readonly namePrefix: string;
  pin: KeyPin;
  readonly transcript: TranscriptEntry[];
}

export interface CaseContext {
  readonly controller: DeviceController;
  readonly destructive: boolean;
  /** Slack for timing limits measured on the host (scheduling, the link's own latency); default 50 ms. */
  readonly toleranceMs: number;
  /** What the run knows about the key's PIN; destructive cases update it when they set or wipe one. */
  pin: KeyPin;
  /** A new connection carrying HKP messages, unlocked with the known PIN. */
  session(): Promise<HkpSession>;
  /** A new raw report port (HID framing cases). */
  hid(): Promise<RawHidLink>;
  /** A new BLE connection that asked for ATT_MTU `mtu` (default 23), as raw fragments (BLE framing cases). */
  ble(mtu?: number): Promise<RawBleLink>;
  /** A new BLE connection to the key's FIDO service that asked for ATT_MTU `mtu` (default 23), as raw fragments. */
  fidoBle(mtu?: number): Promise<RawBleLink>;
  /** Whether passTime() jumps the key's clock (the simulator's control API) rather than waiting in real time. */
  readonly virtualTime: boolean;
  /** Lets `ms` of the key's time pass: its clock and timers jump ahead at once when the controller can, else the case waits. */
  passTime(ms: number): Promise<void>;
  /** The link the security-key cases speak CTAP over in this run; undefined when the target offers none. */
  readonly ctapTransport: CtapTransport | undefined;
  /** Runs after the case, pass or fail, last registered first, before its links close: how a case leaves the key as it found it. */
  onCleanup(undo: () => Promise<void>): void;
  /** A name no account on the key has, e.g. "hkc-3f9a1c-hotp". */
  name(label: string): string;
  note(text: string): void;
  /** Every HKP response seen since the case started. */
  responses(): readonly TranscriptEntry[];
}

export class RunningCase implements CaseContext {
  readonly notes: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private readonly transcriptStart: number;

  constructor(private readonly run: RunState) {
    this.transcriptStart = run.transcript.length;
  }

  get controller(): DeviceController {
    return this.run.controller;
  }

  get destructive(): boolean {
    return this.run.destructive;
  }

  get toleranceMs(): number {
    return this.run.toleranceMs;
  }

  get pin(): KeyPin {
    return this.run.pin;
  }

  set pin(pin: KeyPin) {
    this.run.pin = pin;
  }

  async session(): Promise<HkpSession> {
    const session = new HkpSession(await this.run.target.openTransport(), this.run.controller, this.run.transcript);
    this.closers.push(() => session.close());
    const pin = this.run.pin;
    if (pin.kind === 'known') {
      const verified = await session.call('VerifyPin', { pin: pin.pin });
      if (verified.status !== 'OK') fail('VerifyPin with the PIN the run knows to answer OK', `VerifyPin answered ${verified.status}`);
    }
    return session;
  }

  async hid(): Promise<RawHidLink> {
    const open = this.run.target.openHidPort;
    if (open === undefined) throw new CaseSkip(`needs raw 64-byte HID reports, which ${this.run.target.name} does not provide`);
    const link = RawHidLink.open(await open());
    this.closers.push(() => link.close());
    return link;
  }

  async ble(mtu = 23): Promise<RawBleLink> {
    const open = this.run.target.openBlePort;
    if (open === undefined) throw new CaseSkip(`needs a raw BLE GATT port, which ${this.run.target.name} does not provide`);
    const port = await open(mtu);
    this.closers.push(() => port.close());
    return RawBleLink.open(port);
  }

  async fidoBle(mtu = 23): Promise<RawBleLink> {
    const open = this.run.target.openFidoBlePort;
    if (open === undefined) throw new CaseSkip(`needs the key's FIDO BLE service, which ${this.run.target.name} does not reach`);
    const port = await open(mtu);
    this.closers.push(() => port.close());
    return RawBleLink.open(port, 'fido');
  }

  get virtualTime(): boolean {
    return this.run.controller.capabilities.has('time') && this.run.controller.advanceTime !== undefined;
  }

  async passTime(ms: number): Promise<void> {
    if (ms <= 0) return;
    if (this.virtualTime) await this.run.controller.advanceTime?.(ms);
    else await delay(ms);
  }

  get ctapTransport(): CtapTransport | undefined {
    return ctapTransportOf(this.run.target);
  }

  onCleanup(undo: () => Promise<void>): void {
    this.cleanups.push(undo);
  }

  name(label: string): string {
    return `${this.run.namePrefix}-${label}`;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  responses(): readonly TranscriptEntry[] {
    return this.run.transcript.slice(this.transcriptStart);
  }

  /**
   * Undoes the case's changes (last registered first, while its links are still open, so an undo can use
   * them), then closes every link; returns what went wrong while undoing.
   */
  async dispose(): Promise<string[]> {
    const problems: string[] = [];
    for (const undo of this.cleanups.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    for (const close of this.closers.splice(0).reverse()) {
      // A link the case broke on purpose may refuse to close cleanly; that says nothing about the key's state.
      await close().catch(() => undefined);
    }
    return problems;
  }
}
