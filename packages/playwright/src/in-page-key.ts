/**
 * A key living in the test's pages (the in-page source). The test process keeps the one authoritative state, with a
 * version number every save raises: each page's copy of the key loads it (again at the start of each ceremony) and
 * saves only on top of the version it has, so two tabs never undo each other's changes. The test changes the state
 * here and hands it to the live copies. The button is pressed in the frame whose key asked for it.
 */
import type { Frame } from '@playwright/test';
import { MemoryStore, VirtualKey, stateFromJson, stateToJson } from '@hkey/firmware-sim';
import { addAccount } from './accounts.js';
import { CONTROLS_GLOBAL, type InPageControls, type VersionedState } from './browser/config.js';
import { HkeyFixtureError, presenceNotButton } from './errors.js';
import {
  type AccountSpec,
  type AddedAccount,
  DEFAULT_WAIT_MS,
  type EventFilter,
  type KeyEvent,
  type VirtualKeyHandle,
  type WaitOptions,
  matchesFilter,
  unixSeconds,
} from './key-handle.js';

type ButtonAction = 'press' | 'deny' | 'hold';

export class InPageKey implements VirtualKeyHandle {
  private readonly log: { event: KeyEvent; frame: Frame }[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly snapshots = new Map<string, unknown>();
  /** Frames whose copy of the key has loaded the state: they get every change the test makes. */
  private readonly frames = new Set<Frame>();
  private cursor = 0;
  private version = 1;

  constructor(
    readonly serial: string,
    private state: unknown,
    private readonly presence: 'auto' | 'button',
  ) {}

  /** A copy of the key in `frame` loads its state. */
  load(frame: Frame): VersionedState {
    this.frames.add(frame);
    return { state: this.state, version: this.version };
  }

  /** Keeps `state` if it was made from the current version, and answers the new one; null: load again first. */
  save(state: unknown, basedOn: unknown): number | null {
    if (basedOn !== this.version) return null;
    this.state = state;
    return ++this.version;
  }

  /** An event of the key's copy in `frame`, numbered here so that the log spans every page. */
  record(frame: Frame, event: unknown): void {
    if (typeof event !== 'object' || event === null) return;
    this.log.push({ event: { ...(event as KeyEvent), seq: this.log.length + 1, serial: this.serial }, frame });
    for (const listener of this.listeners) listener();
  }

  press(options?: WaitOptions): Promise<void> {
    return this.button('press', 0, options);
  }

  deny(options?: WaitOptions): Promise<void> {
    return this.button('deny', 0, options);
  }

  hold(ms: number, options?: WaitOptions): Promise<void> {
    return this.button('hold', ms, options);
  }

  setTime(time: Date | number): Promise<void> {
    return this.change((key) => key.setTime(unixSeconds(time)));
  }

  addAccount(spec: AccountSpec): Promise<AddedAccount> {
    return this.change((key) => addAccount(key, spec));
  }

  async snapshot(): Promise<string> {
    const id = `snap-${this.snapshots.size + 1}`;
    this.snapshots.set(id, structuredClone(this.state));
    return id;
  }

  async restore(id: string): Promise<void> {
    const state = this.snapshots.get(id);
    if (state === undefined) throw new HkeyFixtureError('SNAPSHOT_NOT_FOUND', `No snapshot with this id exists for key ${this.serial}.`);
    this.replace(structuredClone(state));
    await this.pushState();
  }

  async events(): Promise<KeyEvent[]> {
    return this.log.map(({ event }) => event);
  }

  async waitForEvent(filter: EventFilter, options: WaitOptions = {}): Promise<KeyEvent> {
    const { event } = await this.next((event) => matchesFilter(event, filter), this.cursor, options.timeoutMs);
    this.cursor = event.seq;
    return event;
  }

  /** Runs `work` on a copy of the key built from the kept state, keeps the result and hands it to the live copies. */
  private async change<T>(work: (key: VirtualKey) => Promise<T>): Promise<T> {
    const key = await VirtualKey.start({ store: new MemoryStore(stateFromJson(this.state)) });
    const result = await work(key);
    this.replace(stateToJson(key.state));
    await this.pushState();
    return result;
  }

  private replace(state: unknown): void {
    this.state = state;
    this.version++;
  }

  private async pushState(): Promise<void> {
    const { state, version } = this;
    await Promise.all(
      [...this.frames].map((frame) =>
        frame
          .evaluate(([global, serial, value, at]) => ((globalThis as Record<string, unknown>)[global] as InPageControls).restore(serial, value, at), [
            CONTROLS_GLOBAL,
            this.serial,
            state,
            version,
          ] as const)
          // A frame that navigated or closed has no copy of the key any more.
          .catch(() => this.frames.delete(frame)),
      ),
    );
  }

  private async button(action: ButtonAction, ms: number, options: WaitOptions = {}): Promise<void> {
    if (this.presence !== 'button') throw presenceNotButton(this.serial);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const waiting = this.pendingWait() ?? (await this.next((event) => isWaiting(event), this.log.length, timeoutMs, 'BUTTON_NOT_WANTED'));
    const acted = await waiting.frame
      .evaluate(([global, serial, what, holdMs]) => ((globalThis as Record<string, unknown>)[global] as InPageControls)[what](serial, holdMs), [
        CONTROLS_GLOBAL,
        this.serial,
        action,
        ms,
      ] as const)
      .catch(() => false);
    if (!acted) throw new HkeyFixtureError('NOT_WAITING', `Key ${this.serial} stopped waiting for its button before it was pressed.`);
  }

  /** The latest presence event, if it says the key waits now. */
  private pendingWait(): { event: KeyEvent; frame: Frame } | undefined {
    for (let index = this.log.length - 1; index >= 0; index--) {
      const entry = this.log[index] as { event: KeyEvent; frame: Frame };
      if (entry.event.type === 'presence') return isWaiting(entry.event) ? entry : undefined;
    }
    return undefined;
  }

  private next(
    match: (event: KeyEvent) => boolean,
    afterSeq: number,
    timeoutMs = DEFAULT_WAIT_MS,
    timeoutCode = 'WAIT_TIMEOUT',
  ): Promise<{ event: KeyEvent; frame: Frame }> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.log.find((entry) => entry.event.seq > afterSeq && match(entry.event));
        if (found === undefined) return false;
        finish();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new HkeyFixtureError(
            timeoutCode,
            timeoutCode === 'BUTTON_NOT_WANTED'
              ? `Key ${this.serial} did not ask for its button within ${timeoutMs} ms.`
              : `No matching event of key ${this.serial} within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      const listener = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      check();
    });
  }
}

function isWaiting(event: KeyEvent): boolean {
  return event.type === 'presence' && event.state === 'waiting';
}
