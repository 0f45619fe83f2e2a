/** `hkey sim`: virtual keys over UDP HID plus the control API; flushes and exits 0 on SIGINT/SIGTERM. */
import { type AttestationFormat, type LoggedEvent, REALISTIC_TIMING } from '@hkey/firmware-sim';
import {
  type ControlServer,
  FileStore,
  LOOPBACK,
  ShardedSimulator,
  certificatePem,
  loadAttestationCa,
  startControlServer,
  startKeyFleet,
} from '@hkey/firmware-sim/node';
import { MIN_LAUNCH_TOKEN_LENGTH, isLoopbackHostname } from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { openInBrowser } from '../open-browser.js';
import { SIMULATOR_ROOT_PEM } from '../simulator-attestation.js';

export interface SimOptions {
  udp: number;
  blePort: number;
  controlPort: number;
  /** Fixed control API token (--control-token or HKEY_CONTROL_TOKEN); default: a random one per launch. */
  controlToken?: string;
  host: string;
  allowRemote: boolean;
  state?: string;
  resetState: boolean;
  /** Encrypts the plaintext --state file with HKEY_STATE_PASSPHRASE and exits (docs/protocol.md §8.4). */
  encryptState: boolean;
  devices: number;
  /** Worker threads for the keys (default one per core; 1 runs them on the main thread). */
  workers?: number;
  clock?: number;
  storage?: number;
  interactive: boolean;
  /** Prints every key event with --json or --verbose (--no-events: only the ready and stopped lines). */
  events: boolean;
  /** Opens the dashboard in the default browser (best effort). */
  open: boolean;
  realisticTiming: boolean;
  /** A directory with ca.pem and ca.key: the security-key attestation CA (docs/protocol.md §9.7). */
  attestationCa?: string;
  attestation: AttestationFormat;
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

/** The explicit migration a passphrase asks for: the file is replaced whole (temp file, rename), never half encrypted. */
async function encryptState({ output }: RunContext, file: string | undefined): Promise<number> {
  if (file === undefined) throw new CliError('USAGE_ENCRYPT_STATE', '--encrypt-state needs --state FILE: the state file to encrypt.');
  const wasPlaintext = await new FileStore(file, { passphrase: process.env.HKEY_STATE_PASSPHRASE || undefined }).encryptInPlace();
  output.event({ event: 'state-encrypted', file, wasPlaintext }, () =>
    wasPlaintext ? `Encrypted ${file}.` : `${file} was already encrypted; rewritten with the current encryption parameters.`,
  );
  return ExitCode.OK;
}

export async function sim(context: RunContext, options: SimOptions): Promise<number> {
  if (options.encryptState) return encryptState(context, options.state);
  const { output } = context;
  // An empty HKEY_CONTROL_TOKEN means "not set", as for the other HKEY_ variables.
  const fixedToken = options.controlToken || undefined;
  // Never quote the value: it is a secret.
  if (fixedToken !== undefined && fixedToken.length < MIN_LAUNCH_TOKEN_LENGTH) {
    throw new CliError(
      'USAGE_CONTROL_TOKEN',
      `--control-token must be at least ${MIN_LAUNCH_TOKEN_LENGTH} characters long; omit it for a random token per launch.`,
    );
  }
  const ca = options.attestationCa === undefined ? undefined : await loadAttestationCa(options.attestationCa);
  const simulator = await startKeyFleet({
    // The same CA certifies the keys' attestation and their provisioning identities (a team pins one root for both).
    attestationCa: ca,
    attestationFormat: options.attestation,
    devices: options.devices,
    workers: options.workers,
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
    // The control API can refund PIN attempts (snapshot restore): it stays on loopback even with --allow-remote.
    const controlHost = isLoopbackHostname(options.host) ? options.host : LOOPBACK;
    control = await startControlServer(simulator, { port: options.controlPort, host: controlHost, token: fixedToken });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const devices = await simulator.describe();
  const udpPorts = devices.length === 1 ? `port ${devices[0]?.udp.port}` : `ports ${devices[0]?.udp.port}-${devices[devices.length - 1]?.udp.port}`;
  if (!isLoopbackHostname(options.host)) {
    const ble = simulator.bleLink ? ` and the BLE link (TCP port ${simulator.bleLink.port})` : '';
    output.warn(
      `the keys listen on ${options.host}: anyone who can reach it can use them over UDP HID (${udpPorts})${ble}; the control API stays on ${control.url}.`,
    );
  }

  // Listen for signals before announcing readiness, so a supervisor may stop us the moment it sees "ready".
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());

  const first = devices[0];
  const ble = simulator.bleLink ? `tcp://${simulator.bleLink.host}:${simulator.bleLink.port}` : undefined;
  const keysAt =
    devices.length === 1 && first
      ? `${first.serial} on udp://${first.udp.host}:${first.udp.port}`
      : `${devices.length} keys on udp://${options.host}:${devices[0]?.udp.port}..${devices[devices.length - 1]?.udp.port}`;
  // The token is published once, here; a token the user chose is not repeated on the terminal.
  const tokenLine = fixedToken === undefined ? `\ncontrol API token (shown once; Authorization: Bearer or ?token=): ${control.token}` : '';
  const dashboardLine = `\ndashboard: ${fixedToken === undefined ? control.dashboardUrl : `${control.url}/#token=(your --control-token)`}`;
  output.event(
    {
      event: 'ready',
      control: control.url,
      controlToken: control.token,
      dashboard: control.dashboardUrl,
      ble,
      devices: devices.map((d) => ({ serial: d.serial, udp: `udp://${d.udp.host}:${d.udp.port}` })),
      // The root a relying party under test trusts for the keys' packed attestation (docs/protocol.md §9.7).
      attestationRoot: ca === undefined ? SIMULATOR_ROOT_PEM : certificatePem(ca.certificate),
    },
    () => `hkey sim ready: ${keysAt}, BLE link ${ble}, control ${control.url}${tokenLine}${dashboardLine}`,
  );
  const opened = options.open ? await openInBrowser(control.dashboardUrl) : undefined;
  if (opened?.opened === false)
    output.warn(
      'could not open a browser; open the dashboard address above yourself (a snap-packaged browser cannot read the temporary file --open hands it).',
    );

  // Printing events costs the main thread more than serving the keys (BENCHMARKS.md "Worker threads").
  const unsubscribe =
    options.events && (output.options.json || output.options.verbose)
      ? await simulator.subscribe((event) => {
          if (output.options.json) output.event({ event: 'device', ...event }, () => '');
          else output.info(eventLine(event));
        })
      : undefined;
  // A worker that dies takes its keys with it: stop rather than serve half the fleet.
  let workerFailure: Error | undefined;
  if (simulator instanceof ShardedSimulator)
    simulator.onWorkerFailure((error) => {
      workerFailure ??= error;
      stop();
    });

  const panel = options.interactive && process.stdin.isTTY ? await (await import('./sim-panel.js')).startPanel(simulator, output) : undefined;
  panel?.onQuit(() => stop());

  await stopped;
  panel?.close();
  unsubscribe?.();
  await opened?.page?.close();
  await control.close();
  await simulator.close();
  if (workerFailure !== undefined) throw workerFailure;
  output.event({ event: 'stopped' }, () => 'hkey sim stopped; state saved.');
  return ExitCode.OK;
}
