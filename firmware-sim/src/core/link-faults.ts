/**
 * Packet-level fault injection (a headline feature of the simulator): per device, per direction and per
 * transport, seeded for reproducibility. Endpoints pass every report or fragment through apply(); each fault
 * that fires is logged as an event.
 */
import type { Clock } from './clock.js';
import type { EventLog } from './events.js';
import { seededRandom } from './random.js';

export type PacketFaultKind = 'drop' | 'duplicate' | 'corrupt' | 'delay' | 'reorder' | 'disconnect';
export type FaultDirection = 'in' | 'out';
export type FaultTransport = 'hid' | 'ble';

export interface PacketFaultRule {
  readonly kind: PacketFaultKind;
  /** Default: both directions. */
  readonly direction?: FaultDirection;
  /** Default: both transports. */
  readonly transport?: FaultTransport;
  /** Chance per matching packet, 0..1; default 1. */
  readonly probability?: number;
  /** Matching packets to let through before the rule starts firing; default 0. */
  readonly skip?: number;
  /** How many times the rule fires before it retires; default unlimited. */
  readonly count?: number;
  /** For delay: milliseconds to hold the packet; default 50. */
  readonly delayMs?: number;
}

interface ActiveRule extends PacketFaultRule {
  readonly id: number;
  skipped: number;
  fired: number;
}

export type Delivery = 'delivered' | 'disconnect';

export class LinkFaults {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private random: ReturnType<typeof seededRandom>;
  /** A packet held back by 'reorder', per direction and transport, released after the next one. */
  private readonly held = new Map<string, Uint8Array>();
  /** Messages to answer with a busy error before processing resumes (per transport: CHANNEL_BUSY / BUSY). */
  busyReplies = 0;

  constructor(
    private readonly clock: Clock,
    private readonly events: EventLog,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  /** Restarts the random sequence, so that a run can be reproduced exactly. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  add(rule: PacketFaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, skipped: 0, fired: 0 });
    this.events.emit({ type: 'fault', fault: 'rule-added', detail: { id, ...rule } });
    return id;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.held.clear();
    this.busyReplies = 0;
  }

  get active(): readonly PacketFaultRule[] {
    return this.rules;
  }

  /**
   * Passes one packet through the active rules and hands what survives to `deliver` (possibly later, twice,
   * altered, or after the next packet). Returns 'disconnect' when the link must drop now.
   */
  apply(direction: FaultDirection, transport: FaultTransport, packet: Uint8Array, deliver: (packet: Uint8Array) => void): Delivery {
    const rule = this.rules.length === 0 ? undefined : this.firing(direction, transport);
    if (rule === undefined) {
      deliver(packet);
      this.releaseHeld(direction, transport, deliver);
      return 'delivered';
    }
    this.events.emit({ type: 'fault', fault: rule.kind, detail: { direction, transport, rule: rule.id, bytes: packet.length } });
    switch (rule.kind) {
      case 'drop':
        return 'delivered';
      case 'duplicate':
        deliver(packet);
        deliver(packet.slice());
        return 'delivered';
      case 'corrupt': {
        const copy = packet.slice();
        const index = Math.floor(this.random.nextFloat() * copy.length);
        copy[index] = (copy[index] as number) ^ (1 << Math.floor(this.random.nextFloat() * 8));
        deliver(copy);
        return 'delivered';
      }
      case 'delay': {
        const copy = packet.slice();
        this.clock.setTimer(rule.delayMs ?? 50, () => deliver(copy));
        return 'delivered';
      }
      case 'reorder':
        this.held.set(`${direction}/${transport}`, packet.slice());
        return 'delivered';
      case 'disconnect':
        return 'disconnect';
    }
  }

  private releaseHeld(direction: FaultDirection, transport: FaultTransport, deliver: (packet: Uint8Array) => void): void {
    const key = `${direction}/${transport}`;
    const held = this.held.get(key);
    if (held === undefined) return;
    this.held.delete(key);
    deliver(held);
  }

  private firing(direction: FaultDirection, transport: FaultTransport): ActiveRule | undefined {
    for (const rule of this.rules) {
      if ((rule.direction ?? direction) !== direction || (rule.transport ?? transport) !== transport) continue;
      if (rule.skipped < (rule.skip ?? 0)) {
        rule.skipped += 1;
        continue;
      }
      if (this.random.nextFloat() >= (rule.probability ?? 1)) continue;
      rule.fired += 1;
      if (rule.count !== undefined && rule.fired >= rule.count) this.remove(rule.id);
      return rule;
    }
    return undefined;
  }
}
