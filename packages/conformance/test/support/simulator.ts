/** The real simulator as `hkey sim` runs it, with its control API, for the suite to run against. */
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { type DeviceController, simulatorController } from '@hkey/conformance';

export interface RunningSimulator {
  readonly simulator: Simulator;
  readonly controller: DeviceController;
  readonly udpUrl: string;
  readonly bleLinkUrl: string;
  close(): Promise<void>;
}

export async function startSimulator(): Promise<RunningSimulator> {
  const simulator = await Simulator.start({ udpPort: 0, blePort: 0 });
  let control: ControlServer | undefined;
  try {
    control = await startControlServer(simulator, { port: 0 });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const device = simulator.devices[0];
  if (device === undefined || simulator.bleLink === undefined) throw new Error('The simulator started without a key or a BLE link.');
  const server = control;
  return {
    simulator,
    controller: simulatorController({ url: server.url, token: server.token }),
    udpUrl: `udp://127.0.0.1:${device.udp.port}`,
    bleLinkUrl: `ble-link://127.0.0.1:${simulator.bleLink.port}/${device.key.serial}`,
    close: async () => {
      await server.close();
      await simulator.close();
    },
  };
}
