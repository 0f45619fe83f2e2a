/** One KeyMonitor per key of the simulator, from the control server's start to its close. */
import type { SimulatedDevice, Simulator } from '../simulator.js';
import { KeyMonitor } from './key-monitor.js';

export class KeyMonitors {
  private readonly monitors: Map<SimulatedDevice, KeyMonitor>;

  constructor(simulator: Simulator) {
    this.monitors = new Map(simulator.devices.map((device) => [device, new KeyMonitor(device)]));
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
