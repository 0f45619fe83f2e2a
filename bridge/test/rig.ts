/** Test rigs: a simulated key reached through the bridge, in-process or over UDP. */
import { Button, HidEndpoint, type InProcessHidPort, type PresenceSource, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { type UdpPeer, startUdpHidServer } from '@hkey/firmware-sim/node';
import { BridgeError, type HidChannelOptions, type HidReportPort, HidTransport, KeyClient, UdpTransportKind, openVirtualTransport } from '@hkey/bridge';

export type LinkName = 'in-process' | 'udp';
export const LINKS: readonly LinkName[] = ['in-process', 'udp'];

export interface Rig {
  readonly key: VirtualKey;
  readonly button: Button;
  readonly transport: HidTransport;
  readonly client: KeyClient;
  /** Makes the link go away from the key's side: unplug (in-process) or stop the UDP server. */
  unplug(): Promise<void>;
  close(): Promise<void>;
}

export interface RigOptions extends HidChannelOptions {
  readonly presence?: PresenceSource;
  /** In-process only: wraps the port the bridge uses, to tamper with reports. */
  readonly wrap?: (port: HidReportPort) => HidReportPort;
}

export async function rig(link: LinkName, options: RigOptions = {}): Promise<Rig> {
  const button = new Button();
  const key = await VirtualKey.start({ presence: options.presence ?? button });
  if (link === 'in-process') {
    const port: InProcessHidPort = connectInProcess(key);
    const transport = await openVirtualTransport(options.wrap ? options.wrap(port) : port, { ...options, serial: key.serial });
    return {
      key,
      button,
      transport,
      client: new KeyClient(transport),
      unplug: async () => port.close(),
      close: () => transport.close(),
    };
  }
  const server = await startUdpHidServer(new HidEndpoint<UdpPeer>(key), { port: 0 });
  const kind = new UdpTransportKind({ ...options, addresses: [`udp://127.0.0.1:${server.port}`] });
  const transport = await kind.open(`udp://127.0.0.1:${server.port}`);
  let serverOpen = true;
  const stopServer = async (): Promise<void> => {
    if (!serverOpen) return;
    serverOpen = false;
    await server.close();
  };
  return {
    key,
    button,
    transport,
    client: new KeyClient(transport),
    unplug: stopServer,
    close: async () => {
      await transport.close();
      await stopServer();
    },
  };
}

/** A port that lets a test rewrite or drop reports in either direction. */
export function tamper(
  port: HidReportPort,
  hooks: { out?: (report: Uint8Array) => Uint8Array | undefined; in?: (report: Uint8Array) => readonly Uint8Array[] },
): HidReportPort {
  return {
    send(report) {
      const changed = hooks.out ? hooks.out(report) : report;
      if (changed !== undefined) return port.send(changed);
    },
    onReport(listener) {
      return port.onReport((report) => {
        for (const changed of hooks.in ? hooks.in(report) : [report]) listener(changed);
      });
    },
    onClose: port.onClose?.bind(port),
    close: port.close?.bind(port),
  };
}

/** Resolves when the key starts waiting for its button. */
export function untilWaiting(button: Button): Promise<void> {
  if (button.waiting) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = button.onChange((request) => {
      if (request === undefined) return;
      stop();
      resolve();
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const SECRET = new TextEncoder().encode('12345678901234567890');

/** The BridgeError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<BridgeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof BridgeError)) throw new Error(`expected a BridgeError, got ${String(error)}`);
  return error;
}
