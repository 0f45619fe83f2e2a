/** Opens one of a key's links for a session and turns its callbacks into the three events a session forwards. */
import type { BridgeLink } from '../bridge-protocol.js';
import { type BridgeError, TransportError } from '../errors.js';
import type { GattConnection, GattNotifying } from '../gatt-connection.js';
import type { HidReportPort } from '../hid-report-port.js';
import type { Transport } from '../transport.js';
import type { HubEntry } from './device-hub.js';
import { BadMessageError } from './request-fields.js';

export type LinkHandle =
  | { readonly link: 'hkp'; readonly transport: Transport }
  | { readonly link: 'hid'; readonly port: HidReportPort }
  | { readonly link: 'gatt'; readonly gatt: GattConnection };

export interface LinkEvents {
  report(report: Uint8Array): void;
  notify(value: Uint8Array, characteristic: GattNotifying): void;
  /** The link went away by itself. */
  ended(error: BridgeError): void;
}

export interface OpenedLink {
  readonly handle: LinkHandle;
  /** Stops the events and closes the link (no `ended`). */
  close(): Promise<void>;
}

export async function openLink(entry: HubEntry, link: BridgeLink, events: LinkEvents): Promise<OpenedLink> {
  const { source, device } = entry;
  switch (link) {
    case 'hkp': {
      const transport = await source.kind.open(device);
      const stop = transport.on('disconnect', events.ended);
      return { handle: { link, transport }, close: () => (stop(), transport.close()) };
    }
    case 'hid': {
      if (source.openHid === undefined) throw unsupported();
      const port = await source.openHid(device);
      const stops = [port.onReport(events.report), port.onClose?.((cause) => events.ended(new TransportError('DISCONNECTED', { cause })))];
      return {
        handle: { link, port },
        close: async () => {
          for (const stop of stops) stop?.();
          await port.close?.();
        },
      };
    }
    case 'gatt': {
      if (source.openGatt === undefined) throw unsupported();
      const gatt = await source.openGatt(device);
      const stops = [
        gatt.onNotify(events.notify),
        gatt.onDisconnect((reason) => events.ended(new TransportError('DISCONNECTED', { message: `The key dropped the BLE connection (${reason}).` }))),
      ];
      return {
        handle: { link, gatt },
        close: async () => {
          for (const stop of stops) stop();
          await gatt.close();
        },
      };
    }
  }
}

function unsupported(): BridgeError {
  return new BadMessageError('This key does not offer that link here; see "links" in its device entry.', 'UNSUPPORTED_LINK');
}
