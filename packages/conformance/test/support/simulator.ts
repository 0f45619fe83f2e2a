/** The real simulator as `hkey sim` runs it, with its control API, for the suite to run against. */
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { type ConformanceLane, type DeviceController, bleLinkTarget, simulatorController, udpTarget } from '@hkey/conformance';

export interface RunningSimulator {
  readonly simulator: Simulator;
  /** The first key's controller. */
  readonly controller: DeviceController;
  /** The control API's address and launch token. */
  readonly controlUrl: string;
  readonly token: string;
  /** The first key's addresses. */
  readonly udpUrl: string;
  readonly bleLinkUrl: string;
  /** The other keys (with `devices` > 1), as lanes of a run over UDP HID or over the BLE link. */
  lanes(link: 'udp' | 'ble'): ConformanceLane[];
  close(): Promise<void>;
}

export async function startSimulator(devices = 1): Promise<RunningSimulator> {
  const simulator = await Simulator.start({ udpPort: 0, blePort: 0, devices });
  let control: ControlServer | undefined;
  try {
    control = await startControlServer(simulator, { port: 0 });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const [first] = simulator.devices;
  const bleLink = simulator.bleLink;
  if (first === undefined || bleLink === undefined) throw new Error('The simulator started without a key or a BLE link.');
  const server = control;
  const udpUrl = (index: number): string => `udp://127.0.0.1:${simulator.devices[index]?.udp.port}`;
  const bleLinkUrl = (index: number): string => `ble-link://127.0.0.1:${bleLink.port}/${simulator.devices[index]?.key.serial}`;
  return {
    simulator,
    controller: simulatorController({ url: server.url, token: server.token }),
    controlUrl: server.url,
    token: server.token,
    udpUrl: udpUrl(0),
    bleLinkUrl: bleLinkUrl(0),
    lanes: (link) =>
      simulator.devices.slice(1).map((device, index) => ({
        target: link === 'udp' ? udpTarget(udpUrl(index + 1)) : bleLinkTarget(bleLinkUrl(index + 1)),
        controller: simulatorController({ url: server.url, token: server.token, serial: device.key.serial }),
      })),
    close: async () => {
      await server.close();
      await simulator.close();
    },
  };
}
