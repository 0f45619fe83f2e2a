/**
 * The virtual Hideez Key: the reference implementation of HKP/1's message layer (docs/protocol.md §3-§6).
 * Deterministic: clock, randomness, the button and storage are injected; no global state, so a process can
 * hold thousands of keys.
 */
import {
  type CommandName,
  Commands,
  MAX_TOTP_TIME,
  type StatusName,
  decodeRequest,
  encodeErrorResponse,
  encodeResponse,
  redactParams,
  statusName,
} from '@hkey/protocol';
import { CtapError, CtapStatus, U2fStatusWord, encodeU2fResponse } from '@hkey/protocol';
import { type CommandHandlers, defaultHandlers } from '../commands/index.js';
import { FidoAuthenticator, type FidoCallOptions, type FidoOptions, ctapCommandName } from '../fido/authenticator.js';
import { type AttestationCa, sharedSimulatorRootCa } from '../fido/attestation.js';
import { type KeyIdentity, deriveKeyIdentity } from '../provisioning/key-identity.js';
import { lifecycleAllowsCommand } from '../provisioning/lifecycle.js';
import type { CommandContext } from '../commands/context.js';
import { type Clock, systemClock } from './clock.js';
import { DeviceStatus } from './device-status.js';
import { EventLog } from './events.js';
import { FlashFaults } from './flash-faults.js';
import { LinkFaults } from './link-faults.js';
import { hmacSha256 } from './otp.js';
import { type PresenceKind, type PresenceOutcome, type PresenceSource, autoApprove } from './presence.js';
import { type RandomSource, cryptoRandom } from './random.js';
import type { HandleOptions, KeySession, SessionTransport } from './session.js';
import { type DeviceState, type Identity, initialState } from './state.js';
import { storageUsed } from './storage-accounting.js';
import { MemoryStore, PowerCutError, type StateStore, StorageWriteError } from './store.js';

export interface VirtualKeyOptions {
  readonly identity?: Partial<Identity>;
  readonly storageTotal?: number;
  readonly store?: StateStore;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly presence?: PresenceSource;
  /** How long the key waits for the button (docs/protocol.md §6.3). */
  readonly presenceTimeoutMs?: number;
  /** Clock drift in parts per million; positive runs fast. */
  readonly driftPpm?: number;
  /** Seed of the packet-fault generator, so a faulty run can be reproduced. */
  readonly faultSeed?: number;
  /**
   * A firmware variant: these handlers replace the reference ones of their commands, while decoding, the PIN,
   * battery and busy checks, sessions and persistence stay the reference key's. The conformance suite builds
   * its deliberately broken keys this way.
   */
  readonly handlers?: Partial<CommandHandlers>;
  /** The security-key mode: attestation identity and format, GetInfo transports (docs/protocol.md §9). */
  readonly fido?: FidoOptions;
  /** The CA that certifies the key's provisioning identity (docs/protocol.md §10.2); default: the simulator root. */
  readonly manufacturerCa?: AttestationCa;
}

export const DEFAULT_IDENTITY: Identity = { serial: 'HK-SIM-000001', model: 'Hideez Key 4 (virtual)', firmware: '1.0.0' };
const PRESENCE_TIMEOUT_MS = 30_000;
/** For button waits nobody can cancel (in-process callers without a signal): one shared signal, not one per wait. */
const NEVER_ABORTED = new AbortController().signal;
const HOLD_MS = 10_000;

interface SessionRecord {
  readonly id: number;
  readonly transport: SessionTransport;
  unlocked: boolean;
  open: boolean;
  /** The options of the command this session is running; its CommandContext reads them. */
  options: HandleOptions;
  /** Built once per session: a session runs one command at a time. */
  context?: CommandContext;
}

export class VirtualKey {
  readonly events: EventLog;
  readonly flashFaults = new FlashFaults();
  /** Packet faults the HID and BLE endpoints of this key apply. */
  readonly linkFaults: LinkFaults;
  readonly clock: Clock;
  presence: PresenceSource;
  private current: DeviceState;
  private readonly store: StateStore;
  private readonly random: RandomSource;
  private readonly presenceTimeoutMs: number;
  private readonly handlers: CommandHandlers;
  private readonly sessions = new Set<SessionRecord>();
  private nextSessionId = 1;
  private busy: SessionRecord | undefined;
  private powered = true;
  private drift: { ppm: number; originMs: number };
  private readonly fido: FidoAuthenticator;
  private readonly manufacturerCa: AttestationCa | undefined;
  /** Derived once per seed: the certificate costs a signature. */
  private identity: { readonly seed: Uint8Array; readonly derived: Promise<KeyIdentity> } | undefined;

  private constructor(state: DeviceState, store: StateStore, options: VirtualKeyOptions) {
    this.current = state;
    this.store = store;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.presence = options.presence ?? autoApprove;
    this.presenceTimeoutMs = options.presenceTimeoutMs ?? PRESENCE_TIMEOUT_MS;
    this.handlers = { ...defaultHandlers, ...options.handlers };
    this.manufacturerCa = options.manufacturerCa;
    this.drift = { ppm: options.driftPpm ?? 0, originMs: this.clock.now() };
    this.events = new EventLog(state.identity.serial, () => this.clock.now());
    this.linkFaults = new LinkFaults(this.clock, this.events, options.faultSeed);
    this.fido = new FidoAuthenticator(
      {
        fidoState: () => this.current.fido,
        commitFido: async (fido) => {
          try {
            await this.persist({ ...this.current, fido });
          } catch (error) {
            if (error instanceof StorageWriteError) throw new CtapError('OTHER', 'The simulated flash write failed.');
            throw error;
          }
        },
        presence: (reason, callOptions) => this.askButton('press', reason, callOptions),
        randomBytes: (length) => this.random.fill(new Uint8Array(length)),
        nowMs: () => this.clock.now(),
        storageFree: () => this.current.storageTotal - storageUsed(this.current),
      },
      options.fido,
    );
  }

  /** Loads the key's state from its store, or creates and saves a fresh key when the store is empty. */
  static async start(options: VirtualKeyOptions = {}): Promise<VirtualKey> {
    const store = options.store ?? new MemoryStore();
    let state = await store.load();
    if (state === undefined) {
      state = initialState({ ...DEFAULT_IDENTITY, ...options.identity }, options.storageTotal);
      await store.save(state);
    }
    return new VirtualKey(state, store, options);
  }

  /** A copy of the persistent state (secrets included: it never leaves the process through this API's users). */
  get state(): DeviceState {
    return structuredClone(this.current);
  }

  /** Random bytes from the key's source (CIDs, salts): seeded keys stay reproducible. */
  randomFill(target: Uint8Array): Uint8Array {
    return this.random.fill(target);
  }

  get serial(): string {
    return this.current.identity.serial;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  /** True while a session has verified the PIN (for displays: the dashboard's "locked"). */
  get anySessionUnlocked(): boolean {
    for (const session of this.sessions) if (session.unlocked) return true;
    return false;
  }

  /** Device clock in milliseconds: host clock + offset set by SetTime + drift. */
  deviceTimeMs(): number {
    const now = this.clock.now();
    return now + this.current.clockOffsetMs + ((now - this.drift.originMs) * this.drift.ppm) / 1e6;
  }

  setDrift(ppm: number): void {
    // Keep the device time continuous at the moment the drift changes.
    const before = this.deviceTimeMs();
    this.drift = { ppm, originMs: this.clock.now() };
    this.current = { ...this.current, clockOffsetMs: Math.round(this.current.clockOffsetMs + before - this.deviceTimeMs()) };
    this.events.emit({ type: 'state', change: 'drift', detail: { ppm } });
  }

  /** Sets the device clock directly (control API); persisted like SetTime. */
  async setTime(unixSeconds: number): Promise<void> {
    await this.persist(this.withDeviceTime(unixSeconds));
    this.events.emit({ type: 'state', change: 'time', detail: { time: unixSeconds } });
  }

  async setBattery(percent: number): Promise<void> {
    await this.persist({ ...this.current, battery: Math.max(0, Math.min(100, Math.round(percent))) });
    this.events.emit({ type: 'state', change: 'battery', detail: { battery: this.current.battery } });
  }

  /** Replaces the whole state (control API restore); every session is locked again. */
  async restore(state: DeviceState): Promise<void> {
    await this.persist(structuredClone(state));
    for (const session of this.sessions) session.unlocked = false;
    this.events.emit({ type: 'state', change: 'restored' });
  }

  /** Simulates unplugging and re-plugging: sessions end, state is reloaded from storage. */
  async powerCycle(): Promise<void> {
    this.powerOff();
    await this.powerOn();
  }

  openSession(transport: SessionTransport): KeySession {
    const record: SessionRecord = { id: this.nextSessionId++, transport, unlocked: false, open: true, options: {} };
    this.sessions.add(record);
    this.events.emit({ type: 'session', session: record.id, transport, state: 'opened' });
    const isLocked = (): boolean => this.current.pin !== undefined && !record.unlocked;
    return {
      id: record.id,
      transport,
      get locked() {
        return isLocked();
      },
      handle: (request, options) => this.handle(record, request, options ?? {}),
      ctap: (request, options) => this.handleFido(record, 'cbor', request, options ?? {}),
      u2f: (apdu, options) => this.handleFido(record, 'u2f', apdu, options ?? {}),
      close: () => {
        if (!record.open) return;
        record.open = false;
        this.sessions.delete(record);
        this.events.emit({ type: 'session', session: record.id, transport, state: 'closed' });
      },
    };
  }

  private powerOff(): void {
    this.powered = false;
    this.busy = undefined;
    for (const session of this.sessions) session.open = false;
    this.sessions.clear();
    this.events.emit({ type: 'power', state: 'off' });
  }

  private async powerOn(): Promise<void> {
    const stored = await this.store.load();
    if (stored !== undefined) this.current = stored;
    this.fido.powerUp();
    this.powered = true;
    this.events.emit({ type: 'power', state: 'on' });
  }

  private withDeviceTime(unixSeconds: number): DeviceState {
    const offset = unixSeconds * 1000 - (this.deviceTimeMs() - this.current.clockOffsetMs);
    // Rounded up: right after SetTime the clock reads at least the time set, also on a clock with fractional
    // milliseconds (a virtual clock after a jump), where rounding to nearest could land in the second before.
    return { ...this.current, clockOffsetMs: Math.ceil(offset) };
  }

  /** Writes through the store, applying scheduled flash faults (docs/protocol.md §5.5). */
  private async persist(next: DeviceState): Promise<void> {
    const fault = this.flashFaults.nextWrite();
    if (fault !== undefined) this.events.emit({ type: 'fault', fault: `flash:${fault}` });
    switch (fault) {
      case 'write-error':
        throw new StorageWriteError('The simulated flash write failed.');
      case 'power-cut-before-commit':
        throw new PowerCutError(false);
      case 'short-write':
        if (this.store.saveTorn) await this.store.saveTorn(next);
        throw new PowerCutError(false);
      case 'power-cut-after-commit':
        await this.store.save(next);
        throw new PowerCutError(true);
      default:
        await this.store.save(next);
        this.current = next;
    }
  }

  private async handle(session: SessionRecord, request: Uint8Array, options: HandleOptions): Promise<Uint8Array | undefined> {
    if (!this.powered || !session.open) return undefined;
    const started = this.clock.now();
    let command: CommandName | undefined;
    let status: StatusName = 'OK';
    try {
      const decoded = decodeRequest(request);
      command = decoded.command;
      this.events.emit({
        type: 'command',
        session: session.id,
        transport: session.transport,
        command,
        params: redactParams(Commands[command].request, decoded.params as Record<string, unknown>),
      });
      if (this.busy !== undefined) throw new DeviceStatus('DEVICE_BUSY');
      this.busy = session;
      try {
        const response = await this.dispatch(session, command, decoded.params, options);
        return response;
      } finally {
        if (this.busy === session) this.busy = undefined;
      }
    } catch (error) {
      if (error instanceof PowerCutError) {
        await this.restartAfter(error);
        status = 'OTHER';
        return undefined;
      }
      const response = this.errorResponse(error);
      status = statusName(response[0] as number) ?? 'OTHER';
      return response;
    } finally {
      if (command !== undefined) this.events.emit({ type: 'response', session: session.id, command, status, ms: this.clock.now() - started });
    }
  }

  /** The power went during a write: the key comes back from what its storage holds, and the request is never answered. */
  private async restartAfter(cut: PowerCutError): Promise<void> {
    this.events.emit({ type: 'fault', fault: 'power-cut', detail: { committed: cut.committed } });
    this.powerOff();
    await this.powerOn();
  }

  /** A CTAP2 (CTAPHID_CBOR) or U2F (CTAPHID_MSG) request; exclusive with HKP commands like every command. */
  private async handleFido(session: SessionRecord, kind: 'cbor' | 'u2f', request: Uint8Array, options: HandleOptions): Promise<Uint8Array | undefined> {
    if (!this.powered || !session.open) return undefined;
    const started = this.clock.now();
    const command = kind === 'cbor' ? `fido.${ctapCommandName(request[0] ?? 0)}` : 'fido.U2F';
    this.events.emit({ type: 'command', session: session.id, transport: session.transport, command, params: {} });
    let status = 'OTHER';
    try {
      if (this.busy !== undefined) {
        status = 'CHANNEL_BUSY';
        return new Uint8Array([CtapStatus.CHANNEL_BUSY]);
      }
      this.busy = session;
      try {
        options.onStatus?.('processing');
        const response = kind === 'cbor' ? await this.fido.cbor(request, options) : await this.fido.u2f(request, options);
        status = kind === 'cbor' ? FidoAuthenticator.statusOf(response) : statusWordName(response);
        return response;
      } finally {
        if (this.busy === session) this.busy = undefined;
      }
    } catch (error) {
      if (error instanceof PowerCutError) {
        await this.restartAfter(error);
        return undefined;
      }
      this.events.emit({ type: 'fault', fault: 'internal-error', detail: { error: error instanceof Error ? error.name : typeof error } });
      return kind === 'cbor' ? new Uint8Array([CtapStatus.OTHER]) : encodeU2fResponse(new Uint8Array(0), U2fStatusWord.NO_PRECISE_DIAGNOSIS);
    } finally {
      this.events.emit({ type: 'response', session: session.id, command, status, ms: this.clock.now() - started });
    }
  }

  private async dispatch(session: SessionRecord, command: CommandName, params: unknown, options: HandleOptions): Promise<Uint8Array> {
    const definition = Commands[command];
    const pin = this.current.pin;
    if (this.current.battery === 0 && command !== 'GetInfo') throw new DeviceStatus('BATTERY_EMPTY');
    if (pin !== undefined && pin.retries === 0 && !definition.allowedWhenBlocked) throw new DeviceStatus('PIN_BLOCKED');
    if (definition.needsUnlock && pin !== undefined && !session.unlocked) throw new DeviceStatus('PIN_REQUIRED');
    if (!lifecycleAllowsCommand(this.current.provisioning?.lifecycle ?? 'READY', command)) throw new DeviceStatus('LIFECYCLE_FORBIDS');
    options.onStatus?.('processing');
    const handler = this.handlers[command] as (ctx: CommandContext, params: unknown) => unknown;
    session.options = options;
    const result = await handler((session.context ??= this.context(session)), params);
    return encodeResponse(command, result as never);
  }

  private context(session: SessionRecord): CommandContext {
    const currentState = (): DeviceState => this.current;
    return {
      get state() {
        return currentState();
      },
      session,
      commit: async (next) => {
        try {
          await this.persist(next);
        } catch (error) {
          if (error instanceof StorageWriteError) throw new DeviceStatus('STORAGE_FAILURE');
          throw error;
        }
      },
      requirePresence: (kind, reason) => this.requirePresence(kind, reason, session.options),
      // The clock saturates at the ends of the time range (docs/protocol.md §7.2) rather than leave it: set to its
      // last second it would run on into times no TOTP is computed for, and a state file may hold an offset before 1970.
      deviceTimeSeconds: () => Math.min(MAX_TOTP_TIME, Math.max(0, Math.floor(this.deviceTimeMs() / 1000))),
      setDeviceTime: (seconds) => this.withDeviceTime(seconds),
      randomBytes: (length) => this.random.fill(new Uint8Array(length)),
      hmacSha256,
      lockOtherSessions: () => {
        for (const other of this.sessions) if (other !== session) other.unlocked = false;
      },
      wink: () => this.events.emit({ type: 'wink' }),
      keyIdentity: () => this.keyIdentity(),
    };
  }

  /** The provisioning identity; the first call makes the seed, as manufacture would, and stores it (docs/protocol.md §10.2). */
  private async keyIdentity(): Promise<KeyIdentity> {
    let provisioning = this.current.provisioning;
    if (provisioning === undefined) {
      provisioning = { seed: this.random.fill(new Uint8Array(32)), lifecycle: 'READY' };
      try {
        await this.persist({ ...this.current, provisioning });
      } catch (error) {
        if (error instanceof StorageWriteError) throw new DeviceStatus('STORAGE_FAILURE');
        throw error;
      }
    }
    const { seed } = provisioning;
    if (this.identity === undefined || !sameBytes(this.identity.seed, seed)) {
      const serial = this.current.identity.serial;
      const manufacturer = Promise.resolve(this.manufacturerCa ?? sharedSimulatorRootCa());
      this.identity = { seed, derived: manufacturer.then((ca) => deriveKeyIdentity(seed, serial, ca)) };
    }
    return this.identity.derived;
  }

  /** Waits for the button, telling the host (keepalive) and the event log; every mode's user presence goes through here. */
  private async askButton(kind: PresenceKind, reason: string, options: HandleOptions | FidoCallOptions): Promise<PresenceOutcome> {
    options.onStatus?.('user-presence');
    this.events.emit({ type: 'presence', state: 'waiting', kind, reason });
    const outcome = await this.presence.request(
      { kind, reason, holdMs: HOLD_MS, timeoutMs: this.presenceTimeoutMs, signal: options.signal ?? NEVER_ABORTED },
      this.clock,
    );
    this.events.emit({ type: 'presence', state: outcome, kind, reason });
    options.onStatus?.('processing');
    return outcome;
  }

  private async requirePresence(kind: PresenceKind, reason: string, options: HandleOptions): Promise<void> {
    const outcome = await this.askButton(kind, reason, options);
    switch (outcome) {
      case 'approved':
        return;
      case 'denied':
        throw new DeviceStatus('USER_PRESENCE_DENIED');
      case 'timeout':
        throw new DeviceStatus('USER_PRESENCE_TIMEOUT');
      case 'hold-too-short':
        throw new DeviceStatus('USER_PRESENCE_HOLD_TOO_SHORT');
      case 'cancelled':
        throw new DeviceStatus('CANCELLED');
    }
  }

  private errorResponse(error: unknown): Uint8Array {
    if (error instanceof DeviceStatus) {
      return encodeErrorResponse(error.status, error.details as Record<string, unknown> | undefined);
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && statusName(status) !== undefined && status !== 0) {
      return new Uint8Array([status]);
    }
    this.events.emit({ type: 'fault', fault: 'internal-error', detail: { error: error instanceof Error ? error.name : typeof error } });
    return encodeErrorResponse('OTHER');
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** The status word of a U2F response, as hex for the event log. */
function statusWordName(response: Uint8Array): string {
  const word = ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0);
  return `SW_${word.toString(16).padStart(4, '0').toUpperCase()}`;
}
