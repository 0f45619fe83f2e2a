/** `hkey sim`: virtual keys over UDP HID plus the control API; flushes and exits 0 on SIGINT/SIGTERM. */
import { type LoggedEvent, REALISTIC_TIMING } from '@hkey/firmware-sim';
import { type ControlServer, Simulator, describeDevice, startControlServer } from '@hkey/firmware-sim/node';
import type { RunContext } from '../program.js';
import { ExitCode } from '../exit-codes.js';

export interface SimOptions {
  udp: number;
  blePort: number;
  controlPort: number;
  host: string;
  allowRemote: boolean;
  state?: string;
  resetState: boolean;
  devices: number;
  clock?: number;
  storage?: number;
  interactive: boolean;
  realisticTiming: boolean;
}

function eventLine(event: LoggedEvent): string {
  switch (event.type) {
    case 'command':
      return `${event.serial} ${event.transport} ${event.command}`;
    case 'response':
      return `${event.serial} ${event.command} -> ${event.status} (${event.ms} ms)`;
    case 'presence':
      return `${event.serial} button: ${event.state} (${event.reason})`;
    default:
      return `${event.serial} ${event.type}`;
  }
}

export async function sim({ output }: RunContext, options: SimOptions): Promise<number> {
  const simulator = await Simulator.start({
    devices: options.devices,
    udpPort: options.udp,
    blePort: options.blePort,
    host: options.host,
    allowRemote: options.allowRemote,
    stateFile: options.state,
    resetState: options.resetState,
    passphrase: process.env.HKEY_STATE_PASSPHRASE || undefined,
    clockSeconds: options.clock,
    storageTotal: options.storage,
    presence: options.interactive ? 'button' : 'auto-approve',
    timing: options.realisticTiming ? REALISTIC_TIMING : undefined,
  });
  let control: ControlServer;
  try {
    control = await startControlServer(simulator, { port: options.controlPort, host: options.host });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  if (!options.host.startsWith('127.') && options.host !== 'localhost' && options.host !== '::1') {
    output.warn(`the keys listen on ${options.host}: anyone who can reach it can use them.`);
  }

  // Listen for signals before announcing readiness, so a supervisor may stop us the moment it sees "ready".
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());

  const devices = simulator.devices.map(describeDevice);
  const first = devices[0];
  const ble = simulator.bleLink ? `tcp://${simulator.bleLink.host}:${simulator.bleLink.port}` : undefined;
  output.event({ event: 'ready', control: control.url, ble, devices: devices.map((d) => ({ serial: d.serial, udp: `udp://${d.udp.host}:${d.udp.port}` })) }, () =>
    simulator.devices.length === 1 && first
      ? `hkey sim ready: ${first.serial} on udp://${first.udp.host}:${first.udp.port}, BLE link ${ble}, control ${control.url}`
      : `hkey sim ready: ${devices.length} keys on udp://${options.host}:${devices[0]?.udp.port}..${devices[devices.length - 1]?.udp.port}, BLE link ${ble}, control ${control.url}`,
  );

  const unsubscribe = simulator.devices.map((device) =>
    device.key.events.subscribe((event) => {
      if (output.options.json) output.event({ event: 'device', ...event }, () => '');
      else if (output.options.verbose) output.info(eventLine(event));
    }),
  );

  const panel = options.interactive && process.stdin.isTTY ? (await import('./sim-panel.js')).startPanel(simulator, output) : undefined;
  panel?.onQuit(() => stop());

  await stopped;
  panel?.close();
  unsubscribe.forEach((off) => off());
  await control.close();
  await simulator.close();
  output.event({ event: 'stopped' }, () => 'hkey sim stopped; state saved.');
  return ExitCode.OK;
}
