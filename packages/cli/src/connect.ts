/**
 * Turns --transport into an open KeyClient. Transports are imported only when used, so a command that talks
 * to a UDP key never loads the simulator, node-hid or noble.
 */
import { KeyClient, type Transport } from '@hkey/bridge';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './program.js';

export const DEFAULT_TRANSPORT = 'udp://127.0.0.1:8111';

export interface Connection {
  readonly client: KeyClient;
  close(): Promise<void>;
}

async function openTransport(url: string): Promise<Transport> {
  if (url.startsWith('udp://')) {
    const { UdpTransportKind } = await import('@hkey/bridge');
    return new UdpTransportKind({ addresses: [url] }).open(url);
  }
  if (url === 'virtual') return (await import('./virtual-key.js')).openPersistentVirtualKey();
  throw new CliError('USAGE_TRANSPORT', `Unknown transport "${url}": use virtual, udp://HOST:PORT, hid[:PATH], ble[:ID] or ws://HOST:PORT.`, ExitCode.USAGE);
}

export async function connect(globals: GlobalOptions): Promise<Connection> {
  const url = globals.transport ?? DEFAULT_TRANSPORT;
  const transport = await openTransport(url);
  const client = new KeyClient(transport);
  if (globals.device !== undefined) {
    const info = await client.getInfo({ timeoutMs: globals.timeout });
    if (info.serial !== globals.device) {
      await transport.close();
      throw new CliError('NO_DEVICE', `The key at ${url} is ${info.serial}, not ${globals.device}.`, ExitCode.NO_DEVICE);
    }
  }
  return { client, close: () => transport.close() };
}

/** Runs `work` with a connected client and always closes the transport. */
export async function withClient<T>(globals: GlobalOptions, work: (client: KeyClient) => Promise<T>): Promise<T> {
  const connection = await connect(globals);
  try {
    return await work(connection.client);
  } finally {
    await connection.close();
  }
}
