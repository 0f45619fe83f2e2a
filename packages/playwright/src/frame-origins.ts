/**
 * Which frames may reach the in-page keys' bindings: those of the origins the bridge would admit (localhost on any
 * port, the baseURL's origin, hkey.origins), compared exactly. Playwright exposes a binding to every frame of the
 * context, third-party iframes included, and the bindings hand out the keys' private state.
 */
import type { Frame } from '@playwright/test';
import { HkeyFixtureError } from './errors.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const WEB_SCHEMES = ['http:', 'https:'];

function webUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return WEB_SCHEMES.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Throws FRAME_NOT_ALLOWED for a frame outside `origins` and localhost (about:blank and data: frames included). */
export function frameGuard(origins: readonly string[]): (frame: Frame) => void {
  const allowed = new Set(origins.map((origin) => webUrl(origin)?.origin).filter((origin) => origin !== undefined));
  return (frame) => {
    const url = webUrl(frame.url());
    if (url !== undefined && (allowed.has(url.origin) || LOOPBACK_HOSTS.includes(url.hostname))) return;
    throw new HkeyFixtureError('FRAME_NOT_ALLOWED', 'A frame of an origin the test did not allow asked for the virtual keys; add it to hkey.origins.');
  };
}
