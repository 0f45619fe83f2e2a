/**
 * The control API's per-key endpoints (docs/protocol.md §8.3), run where the key lives: in the control server's
 * thread, or in the worker thread that owns the key (sharded-simulator.ts). Requests and answers are plain data,
 * so they cross threads unchanged; snapshots and everything secret stay with the key.
 */
import { HkeyError } from '@hkey/protocol';
import type { LoggedEvent } from '../core/events.js';
import type { FlashFault } from '../core/flash-faults.js';
import type { PacketFaultRule } from '../core/link-faults.js';
import type { KeyMonitor } from './dashboard/key-monitor.js';
import { keyDetail } from './dashboard/key-views.js';
import { PRESENCE_POLICIES, type PresencePolicy, type SimulatedDevice } from './simulated-device.js';

/** A refusal with the HTTP status it is answered with. */
export class ControlError extends HkeyError {
  constructor(
    readonly httpStatus: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** What crosses a thread boundary for a failed request. */
export interface ControlFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** A refusal keeps its status; a key's own error is the client's mistake (400); anything else is ours (500, no detail). */
export function controlFailure(error: unknown): ControlFailure {
  if (error instanceof ControlError) return { status: error.httpStatus, code: error.code, message: error.message };
  if (error instanceof HkeyError) return { status: 400, code: error.code, message: error.message };
  return { status: 500, code: 'INTERNAL', message: 'The control API failed; see the simulator log.' };
}

/** One request to one key: `action` is the path after /v1/devices/SERIAL/. */
export interface DeviceRequest {
  readonly method: string;
  readonly action: string;
  readonly body: Record<string, unknown>;
  readonly query: readonly (readonly [string, string])[];
}

export type DeviceDescription = ReturnType<typeof describeDevice>;

const FLASH_FAULTS: readonly FlashFault[] = ['write-error', 'power-cut-before-commit', 'power-cut-after-commit', 'short-write'];
const PACKET_FAULTS = ['drop', 'duplicate', 'corrupt', 'delay', 'reorder', 'disconnect'];
const MAX_WAIT_MS = 120_000;
/** One jump of a key's clock lets at most a day pass (its timers fire one by one on the way). */
const MAX_ADVANCE_MS = 86_400_000;

function number(body: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ControlError(400, 'BAD_PARAMETER', `"${name}" must be a number from ${min} to ${max}.`);
  }
  return value;
}

function oneOf<T extends string>(body: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const value = body[name];
  if (!allowed.includes(value as T)) throw new ControlError(400, 'BAD_PARAMETER', `"${name}" must be one of ${allowed.join(', ')}.`);
  return value as T;
}

export function describeDevice(device: SimulatedDevice) {
  const state = device.key.state;
  return {
    serial: state.identity.serial,
    model: state.identity.model,
    firmware: state.identity.firmware,
    udp: { host: device.udp.host, port: device.udp.port },
    stateFile: device.stateFile ?? null,
    presencePolicy: device.presencePolicy,
    waitingForButton: device.button.waiting ? { kind: device.button.waiting.kind, reason: device.button.waiting.reason } : null,
    pinState: state.pin === undefined ? 'NOT_SET' : state.pin.retries === 0 ? 'BLOCKED' : 'SET',
    accounts: state.accounts.length,
    battery: state.battery,
    time: Math.floor(device.key.deviceTimeMs() / 1000),
    powered: device.key.isPowered,
  };
}

const WAIT_PARAMETERS = new Set(['after', 'timeoutMs']);

function matches(event: LoggedEvent, query: DeviceRequest['query']): boolean {
  for (const [name, expected] of query) {
    if (WAIT_PARAMETERS.has(name)) continue;
    if (String((event as unknown as Record<string, unknown>)[name]) !== expected) return false;
  }
  return true;
}

function queryValue(request: DeviceRequest, name: string): string | undefined {
  return request.query.find(([key]) => key === name)?.[1];
}

/** Serves one request to `device`; `signal` aborts a wait (the client went away). Throws ControlError or HkeyError. */
export async function controlDevice(device: SimulatedDevice, monitor: KeyMonitor, request: DeviceRequest, signal: AbortSignal): Promise<unknown> {
  const { key } = device;
  const { body, method, action } = request;
  switch (`${method} ${action}`) {
    case 'GET ':
      return describeDevice(device);
    case 'GET details':
      return keyDetail(device, monitor);
    case 'POST button': {
      const what = oneOf(body, 'action', ['press', 'hold', 'deny'] as const);
      const acted =
        what === 'press' ? device.button.press() : what === 'deny' ? device.button.deny() : device.button.hold(number(body, 'ms', 0, 600_000, 10_000));
      if (!acted) throw new ControlError(409, 'NOT_WAITING', 'The key is not waiting for its button.');
      return { ok: true };
    }
    case 'PUT presence':
      device.setPresencePolicy(oneOf<PresencePolicy>(body, 'policy', PRESENCE_POLICIES));
      return { policy: device.presencePolicy };
    case 'POST time':
      if (body.time !== undefined) await key.setTime(number(body, 'time', 0, 2 ** 52));
      if (body.driftPpm !== undefined) key.setDrift(number(body, 'driftPpm', -1e6, 1e6));
      return { time: Math.floor(key.deviceTimeMs() / 1000) };
    case 'POST advance':
      await device.advance(number(body, 'ms', 0, MAX_ADVANCE_MS));
      return { time: Math.floor(key.deviceTimeMs() / 1000), advancedMs: device.clock.advancedMs };
    case 'POST battery':
      await key.setBattery(number(body, 'percent', 0, 100));
      return { battery: key.state.battery };
    case 'POST faults': {
      const rule: PacketFaultRule = {
        kind: oneOf(body, 'kind', PACKET_FAULTS) as PacketFaultRule['kind'],
        direction: body.direction === undefined ? undefined : oneOf(body, 'direction', ['in', 'out'] as const),
        transport: body.transport === undefined ? undefined : oneOf(body, 'transport', ['hid', 'ble'] as const),
        probability: body.probability === undefined ? undefined : number(body, 'probability', 0, 1),
        skip: body.skip === undefined ? undefined : number(body, 'skip', 0, 1e9),
        count: body.count === undefined ? undefined : number(body, 'count', 1, 1e9),
        delayMs: body.delayMs === undefined ? undefined : number(body, 'delayMs', 0, 60_000),
      };
      if (body.seed !== undefined) key.linkFaults.reseed(number(body, 'seed', 0, 2 ** 32));
      return { id: key.linkFaults.add(rule) };
    }
    case 'DELETE faults':
      key.linkFaults.clear();
      key.flashFaults.clear();
      return { ok: true };
    case 'POST flash-faults':
      key.flashFaults.schedule(number(body, 'after', 1, 1e9, 1), oneOf(body, 'fault', FLASH_FAULTS));
      return { pending: key.flashFaults.pending };
    case 'POST busy':
      key.linkFaults.busyReplies = number(body, 'count', 0, 1e6, 1);
      return { busyReplies: key.linkFaults.busyReplies };
    case 'POST disconnect':
      device.disconnect();
      return { ok: true };
    case 'POST mtu':
      device.ble.changeMtu(number(body, 'mtu', 23, 517));
      return { ok: true };
    case 'POST power-cycle':
      await key.powerCycle();
      return describeDevice(device);
    case 'POST snapshots':
      return { id: device.snapshot() };
    case 'GET events':
      return key.events.since(Number(queryValue(request, 'after') ?? 0));
    case 'GET events/wait':
      return waitForEvent(device, request, signal);
    default: {
      const restore = /^snapshots\/([^/]+)\/restore$/.exec(action);
      if (restore && method === 'POST') {
        await device.restore(decodeURIComponent(restore[1] as string));
        return { ok: true };
      }
      throw new ControlError(404, 'NOT_FOUND', `No control endpoint ${method} /v1/devices/${key.serial}/${action}.`);
    }
  }
}

async function waitForEvent(device: SimulatedDevice, request: DeviceRequest, signal: AbortSignal): Promise<LoggedEvent> {
  const timeoutMs = Math.min(Number(queryValue(request, 'timeoutMs') ?? 10_000), MAX_WAIT_MS);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = (): void => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await device.key.events.waitFor((event) => matches(event, request.query), {
      afterSeq: Number(queryValue(request, 'after') ?? 0),
      signal: controller.signal,
    });
  } catch {
    throw new ControlError(408, 'WAIT_TIMEOUT', `No matching event within ${timeoutMs} ms.`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
