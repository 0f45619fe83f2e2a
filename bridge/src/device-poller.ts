/** listen() for kinds that can only enumerate: list every interval and report the keys that came and went. */
import type { DeviceDescriptor, DeviceObserver, Subscription } from './transport.js';

export function pollDevices(list: () => Promise<DeviceDescriptor[]>, observer: DeviceObserver, intervalMs: number): Subscription {
  let known = new Map<string, DeviceDescriptor>();
  let stopped = false;
  let polling = false;
  const poll = async (): Promise<void> => {
    // A slow enumeration is not started twice.
    if (polling) return;
    polling = true;
    try {
      const found = new Map((await list()).map((descriptor) => [descriptor.id, descriptor]));
      if (stopped) return;
      for (const [id, descriptor] of known) if (!found.has(id)) observer.next({ type: 'remove', descriptor });
      for (const [id, descriptor] of found) if (!known.has(id)) observer.next({ type: 'add', descriptor });
      known = found;
    } catch (error) {
      if (!stopped) observer.error?.(error);
    } finally {
      polling = false;
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  return {
    unsubscribe: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
