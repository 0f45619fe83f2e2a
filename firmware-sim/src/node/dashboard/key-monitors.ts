/** One KeyMonitor per key of a simulator, from its start to its close. */
import type { SimulatedDevice } from '../simulated-device.js';
import { KeyMonitor } from './key-monitor.js';

export class KeyMonitors {
  private readonly monitors: Map<SimulatedDevice, KeyMonitor>;

  constructor(devices: readonly SimulatedDevice[]) {
    this.monitors = new Map(devices.map((device) => [device, new KeyMonitor(device)]));
  }

  of(device: SimulatedDevice): KeyMonitor {
    const monitor = this.monitors.get(device);
    if (monitor === undefined) throw new Error('This device is not part of the simulator.');
    return monitor;
  }

  close(): void {
    for (const monitor of this.monitors.values()) monitor.close();
  }
}
