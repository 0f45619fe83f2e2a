/**
 * A key of the fixture's simulator: the button, clock, snapshots and events through the control API, as a CI
 * script would drive it; accounts through the key's own HKP interface.
 */
import type { SimulatedDevice } from '@hkey/firmware-sim/node';
import { addAccount } from './accounts.js';
import type { ControlApi } from './control-api.js';
import { HkeyFixtureError, presenceNotButton } from './errors.js';
import {
  type AccountSpec,
  type AddedAccount,
  DEFAULT_WAIT_MS,
  type EventFilter,
  type KeyEvent,
  type VirtualKeyHandle,
  type WaitOptions,
  unixSeconds,
} from './key-handle.js';

type ButtonAction = { action: 'press' } | { action: 'deny' } | { action: 'hold'; ms: number };

export class BridgeKey implements VirtualKeyHandle {
  /** seq of the event the last waitForEvent returned. */
  private cursor = 0;

  constructor(
    private readonly device: SimulatedDevice,
    private readonly api: ControlApi,
  ) {}

  get serial(): string {
    return this.device.key.serial;
  }

  private get path(): string {
    return `/v1/devices/${encodeURIComponent(this.serial)}`;
  }

  press(options?: WaitOptions): Promise<void> {
    return this.button({ action: 'press' }, options);
  }

  deny(options?: WaitOptions): Promise<void> {
    return this.button({ action: 'deny' }, options);
  }

  hold(ms: number, options?: WaitOptions): Promise<void> {
    return this.button({ action: 'hold', ms }, options);
  }

  async setTime(time: Date | number): Promise<void> {
    await this.api.request('POST', `${this.path}/time`, { time: unixSeconds(time) });
  }

  addAccount(spec: AccountSpec): Promise<AddedAccount> {
    return addAccount(this.device.key, spec);
  }

  async snapshot(): Promise<string> {
    return (await this.api.request<{ id: string }>('POST', `${this.path}/snapshots`)).id;
  }

  async restore(id: string): Promise<void> {
    await this.api.request('POST', `${this.path}/snapshots/${encodeURIComponent(id)}/restore`);
  }

  events(): Promise<KeyEvent[]> {
    return this.api.request<KeyEvent[]>('GET', `${this.path}/events`);
  }

  async waitForEvent(filter: EventFilter, options: WaitOptions = {}): Promise<KeyEvent> {
    const query = new URLSearchParams({ after: String(this.cursor), timeoutMs: String(options.timeoutMs ?? DEFAULT_WAIT_MS) });
    for (const [name, value] of Object.entries(filter)) query.set(name, String(value));
    const event = await this.api.request<KeyEvent>('GET', `${this.path}/events/wait?${query}`);
    this.cursor = event.seq;
    return event;
  }

  /** Acts once the key waits for its button: at once when it already does, else at its next "waiting" event. */
  private async button(action: ButtonAction, options: WaitOptions = {}): Promise<void> {
    if (this.device.presencePolicy !== 'button') throw presenceNotButton(this.serial);
    const before = this.device.key.events.lastSeq;
    try {
      await this.api.request('POST', `${this.path}/button`, action);
      return;
    } catch (error) {
      if (!(error instanceof HkeyFixtureError && error.code === 'NOT_WAITING')) throw error;
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const query = new URLSearchParams({ after: String(before), timeoutMs: String(timeoutMs), type: 'presence', state: 'waiting' });
    try {
      await this.api.request('GET', `${this.path}/events/wait?${query}`);
    } catch (error) {
      if (error instanceof HkeyFixtureError && error.code === 'WAIT_TIMEOUT') {
        throw new HkeyFixtureError('BUTTON_NOT_WANTED', `Key ${this.serial} did not ask for its button within ${timeoutMs} ms.`);
      }
      throw error;
    }
    await this.api.request('POST', `${this.path}/button`, action);
  }
}
