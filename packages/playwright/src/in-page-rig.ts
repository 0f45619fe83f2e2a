/**
 * The in-page source: no server at all. Each key's state starts in the test process (PIN and clock applied
 * there), and the pages' copies of the keys reach it through three bindings on the test's browser context, which
 * answer only frames of the test's origins.
 */
import type { BrowserContext, Frame } from '@playwright/test';
import { VirtualKey, stateToJson } from '@hkey/firmware-sim';
import { setFidoPin } from './accounts.js';
import { BINDINGS } from './browser/config.js';
import { frameGuard } from './frame-origins.js';
import { InPageKey } from './in-page-key.js';
import { type ResolvedOptions, serialOf } from './options.js';
import type { Rig } from './rig.js';

async function initialState(serial: string, options: ResolvedOptions): Promise<unknown> {
  const key = await VirtualKey.start({ identity: { serial }, fido: { transports: ['usb', 'ble'] } });
  if (options.clockSeconds !== undefined) await key.setTime(options.clockSeconds);
  if (options.pin !== undefined) await setFidoPin(key, options.pin);
  return stateToJson(key.state);
}

export async function startInPageRig(options: ResolvedOptions): Promise<Rig> {
  const keys = new Map<string, InPageKey>();
  for (let index = 0; index < options.keys; index++) {
    const serial = serialOf(index);
    keys.set(serial, new InPageKey(serial, await initialState(serial, options), options.presence));
  }
  // The page may call the bindings itself: only frames of the test's origins get an answer, and anything but a
  // known serial is ignored.
  const guard = frameGuard(options.origins);
  const keyOf = (frame: Frame, serial: unknown): InPageKey | undefined => (guard(frame), typeof serial === 'string' ? keys.get(serial) : undefined);
  return {
    keys: [...keys.values()],
    source: { kind: 'in-page', serials: [...keys.keys()], presence: options.presence },
    endpoints: { udp: [], bleLink: [], ports: [] },
    async attach(context: BrowserContext) {
      await context.exposeBinding(BINDINGS.loadState, ({ frame }, serial: unknown) => keyOf(frame, serial)?.load(frame) ?? null);
      await context.exposeBinding(
        BINDINGS.saveState,
        ({ frame }, serial: unknown, state: unknown, version: unknown) => keyOf(frame, serial)?.save(state, version) ?? null,
      );
      await context.exposeBinding(BINDINGS.event, ({ frame }, serial: unknown, event: unknown) => keyOf(frame, serial)?.record(frame, event));
    },
    async close() {},
  };
}
