/**
 * The one command a link runs at a time (docs/protocol.md §1.7, §1.8, §2.6, §2.7), for the HID endpoint and each
 * BLE service: its status and KEEPALIVE cadence, CANCEL reaching its button wait, the injected busy replies, and
 * abandoning it when the link resets or closes.
 */
import { KeepaliveTicker } from './keepalive-ticker.js';
import type { HandleOptions } from './session.js';
import type { VirtualKey } from './virtual-key.js';

export type CommandStatus = 'processing' | 'user-presence';

interface Flight<Tag> {
  readonly tag: Tag;
  /** Created only when someone needs the signal (a button wait) or a CANCEL arrives: most commands never do. */
  controller: AbortController | undefined;
  status: CommandStatus;
  /** Settles when the key has finished with the command (answered or abandoned). */
  done: Promise<void>;
}

export class CommandInFlight<Tag> {
  private flight: Flight<Tag> | undefined;
  private readonly keepalive: KeepaliveTicker;

  constructor(
    private readonly key: VirtualKey,
    private readonly transport: 'hid' | 'ble',
    keepaliveMs: number,
    /** Sends KEEPALIVE with `status` for the command of `tag`; returns false when the link can no longer carry it. */
    private readonly sendKeepalive: (tag: Tag, status: CommandStatus) => boolean,
  ) {
    this.keepalive = new KeepaliveTicker(key.clock, keepaliveMs, () => this.tick());
  }

  /** What the command in flight belongs to (the HID channel), if one is in flight. */
  get tag(): Tag | undefined {
    return this.flight?.tag;
  }

  get busy(): boolean {
    return this.flight !== undefined;
  }

  /** Whether an injected busy fault refuses this command (the fault is used up and reported). */
  refusedByFault(): boolean {
    const faults = this.key.linkFaults;
    if (faults.busyReplies <= 0) return false;
    faults.busyReplies -= 1;
    this.key.events.emit({ type: 'fault', fault: 'busy', detail: { transport: this.transport } });
    return true;
  }

  /**
   * Starts `serve` as the command in flight, with KEEPALIVE while it works; `finish` gets its response (undefined
   * when the key lost power) unless it was abandoned first. An error code `serve` returns instead of a promise (to
   * answer at once) is returned, and then nothing is in flight.
   */
  run<Refusal extends number>(
    tag: Tag,
    serve: (options: HandleOptions) => Promise<Uint8Array | undefined> | Refusal,
    finish: (response: Uint8Array | undefined) => void,
  ): Refusal | undefined {
    const flight: Flight<Tag> = { tag, controller: undefined, status: 'processing', done: Promise.resolve() };
    this.flight = flight;
    this.keepalive.start();
    const served = serve({
      get signal() {
        return (flight.controller ??= new AbortController()).signal;
      },
      onStatus: (status) => {
        if (status === flight.status || this.flight !== flight) return;
        flight.status = status;
        // Tell the host at once that the button is needed; the ticker keeps the cadence.
        this.sendKeepalive(tag, status);
      },
    });
    if (typeof served === 'number') {
      this.flight = undefined;
      return served;
    }
    flight.done = served.then((response) => {
      if (this.flight !== flight) return;
      this.flight = undefined;
      finish(response);
    });
    return undefined;
  }

  /** CANCEL: the command's button wait ends and it answers CANCELLED; it stays in flight until it has. */
  cancel(): void {
    if (this.flight) (this.flight.controller ??= new AbortController()).abort();
  }

  /** Gives up the command without an answer; resolves when the key has let go of it. */
  abandon(): Promise<void> | undefined {
    const flight = this.flight;
    if (flight === undefined) return undefined;
    (flight.controller ??= new AbortController()).abort();
    this.flight = undefined;
    return flight.done;
  }

  /** The link closes or resets: the command is abandoned and KEEPALIVE stops. */
  stop(): void {
    this.abandon();
    this.keepalive.stop();
  }

  private tick(): boolean {
    const flight = this.flight;
    return flight !== undefined && this.sendKeepalive(flight.tag, flight.status);
  }
}
