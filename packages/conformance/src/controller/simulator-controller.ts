/**
 * The simulator's control API (docs/protocol.md §8.3) as the suite's hands: presence policy and button,
 * power cycle, flash faults for power cuts, and the key's time, which jumps ahead rather than being waited for.
 * Loopback HTTP with JSON bodies and the simulator's launch token.
 */
import { ConformanceError } from '../failures.js';
import { delay } from '../checks.js';
import type { ControllerCapability, ControlledDevice, DeviceController, PresenceAction } from './device-controller.js';

export interface SimulatorControllerOptions {
  /** The control API, e.g. http://127.0.0.1:8110; it may carry the token as ?token=TOKEN. */
  readonly url: string;
  /** The token `hkey sim` printed at start (its ready line's controlToken); wins over one in the URL. */
  readonly token?: string;
  /** The key to control; default: the key the suite talks to (its GetInfo serial). */
  readonly serial?: string;
  /**
   * Lets the key's time jump ahead instead of waiting for its timeouts in real time (default true). A simulator
   * without the advance endpoint is waited for in real time either way.
   */
  readonly virtualTime?: boolean;
}

/** How long a button action waits for the key to register its wait (the KEEPALIVE may overtake it). */
const BUTTON_RETRY_MS = 2_000;

/** The URL without its token (it appears in descriptions and errors), and the token to send as a bearer header. */
function controlEndpoint(options: SimulatorControllerOptions): { base: string; token: string | undefined } {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConformanceError('CONTROL_BAD_URL', 'The control API URL must look like http://127.0.0.1:8110.');
  }
  const token = options.token ?? url.searchParams.get('token') ?? undefined;
  return { base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, token };
}

export function simulatorController(options: SimulatorControllerOptions): DeviceController {
  const { base, token } = controlEndpoint(options);
  let serial = options.serial;
  let previousPolicy: string | undefined;
  const capabilities = new Set<ControllerCapability>(['presence', 'restart', 'power-cut']);

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  function devicePath(action: string): string {
    if (serial === undefined) throw new ConformanceError('CONTROL_NO_DEVICE', 'The simulator controller does not know which key to control yet.');
    return `/v1/devices/${encodeURIComponent(serial)}${action === '' ? '' : `/${action}`}`;
  }

  async function deviceCall(method: string, action: string, body?: unknown): Promise<Record<string, unknown>> {
    const { status, json } = await call(method, devicePath(action), body);
    if (status !== 200) throw controlError(status, json);
    return json;
  }

  return {
    description: `simulator control API at ${base}`,
    capabilities,
    async prepare(device: ControlledDevice | undefined) {
      serial ??= device?.serial ?? (await onlyDevice());
      previousPolicy = String((await deviceCall('GET', '')).presencePolicy);
      await deviceCall('PUT', 'presence', { policy: 'button' });
      // A jump of nothing tells whether this simulator's keys can skip time.
      if (options.virtualTime !== false && (await call('POST', devicePath('advance'), { ms: 0 })).status === 200) capabilities.add('time');
    },
    async finish() {
      if (previousPolicy !== undefined) await deviceCall('PUT', 'presence', { policy: previousPolicy });
    },
    async answerPresence(action: PresenceAction) {
      if (action.kind === 'ignore') return;
      const body = action.kind === 'hold' ? { action: 'hold', ms: action.ms } : { action: action.kind };
      const deadline = Date.now() + BUTTON_RETRY_MS;
      for (;;) {
        const { status, json } = await call('POST', devicePath('button'), body);
        if (status === 200) return;
        // 409: the key announced the wait before it started listening to the button; try again shortly.
        if (status !== 409 || Date.now() > deadline) throw controlError(status, json);
        await delay(20);
      }
    },
    async restart() {
      await deviceCall('POST', 'power-cycle');
    },
    async schedulePowerCut() {
      await deviceCall('POST', 'flash-faults', { after: 1, fault: 'power-cut-after-commit' });
    },
    async clearPowerCut() {
      await deviceCall('DELETE', 'faults');
    },
    async advanceTime(ms: number) {
      await deviceCall('POST', 'advance', { ms });
    },
  };

  async function onlyDevice(): Promise<string> {
    const { status, json } = await call('GET', '/v1/devices');
    if (status !== 200) throw controlError(status, json);
    const devices = json as unknown as { serial: string }[];
    if (devices.length !== 1 || devices[0] === undefined) {
      throw new ConformanceError('CONTROL_AMBIGUOUS', `The simulator runs ${devices.length} keys; name the one to test.`);
    }
    return devices[0].serial;
  }
}

function controlError(status: number, json: Record<string, unknown>): ConformanceError {
  const error = json.error as { code?: string; message?: string } | undefined;
  return new ConformanceError(
    'CONTROL_FAILED',
    `The simulator's control API answered ${status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? 'no details'}.`,
  );
}
