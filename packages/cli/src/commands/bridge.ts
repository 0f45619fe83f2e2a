/**
 * `hkey bridge`: the local bridge server that browsers and other programs reach over WebSocket
 * (docs/bridge-protocol.md). Keys: in-process virtual keys, simulator addresses, and real USB/Bluetooth keys.
 */
import { BleEndpoint, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { type BridgeDeviceSource, InProcessSource, connectGattEndpoint, nobleSource, nodeHidSource, startBridgeServer, udpSource } from '@hkey/bridge';
import { ExitCode } from '../exit-codes.js';
import type { RunContext } from '../context.js';

export interface BridgeOptions {
  port: number;
  host: string;
  allowRemote: boolean;
  origin?: string[];
  /** Pages from allowed origins need the token too (always so beyond loopback). */
  requireToken: boolean;
  virtual: number;
  udp?: string[];
  hardware: boolean;
}

async function virtualSource(count: number): Promise<InProcessSource> {
  const source = new InProcessSource();
  for (let index = 1; index <= count; index++) {
    // It offers USB (hid link) and BLE (gatt link), so its GetInfo lists both (CTAP 2.1 §6.4).
    const key = await VirtualKey.start({ identity: { serial: `HK-SIM-${String(index).padStart(6, '0')}` }, fido: { transports: ['usb', 'ble'] } });
    const ble = new BleEndpoint(key);
    source.add({
      id: `virtual-${index}`,
      name: 'Hideez Key (virtual)',
      serial: key.serial,
      connectHid: () => connectInProcess(key),
      connectGatt: () => connectGattEndpoint(ble),
    });
  }
  return source;
}

export async function bridge({ output }: RunContext, options: BridgeOptions): Promise<number> {
  const sources: BridgeDeviceSource[] = [];
  if (options.virtual > 0) sources.push(await virtualSource(options.virtual));
  if (options.udp && options.udp.length > 0) sources.push(udpSource({ addresses: options.udp }));
  // Real keys are optional: a missing driver or adapter is reported once as a warning and the rest keeps working.
  // Both also serve their raw links: reports to the WebHID shim, GATT operations to the Web Bluetooth shim.
  if (options.hardware) sources.push(nodeHidSource(), nobleSource());

  const server = await startBridgeServer({
    sources,
    port: options.port,
    host: options.host,
    allowRemote: options.allowRemote,
    allowedOrigins: options.origin && options.origin.length > 0 ? options.origin : undefined,
    requireTokenForBrowsers: options.requireToken,
    onWarning: (message) => output.warn(message),
  });
  // Listen for signals before announcing readiness, so a supervisor may stop us the moment it sees "ready".
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const whoGetsIn = server.tokenRequiredFromAll
    ? 'every client must present this token; browsers must also come from an allowed origin'
    : 'programs must present this token; pages from allowed origins get in without it, ' +
      'and so does any local program that claims such an origin (--require-token closes that)';
  output.event(
    { event: 'ready', url: server.url, token: server.token, tokenRequiredFromAll: server.tokenRequiredFromAll },
    () => `hkey bridge ready on ${server.url}\ntoken (shown once): ${server.token}\nwho gets in: ${whoGetsIn}`,
  );
  await stopped;
  await server.close();
  output.event({ event: 'stopped' }, () => 'hkey bridge stopped.');
  return ExitCode.OK;
}
