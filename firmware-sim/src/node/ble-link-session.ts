/**
 * One BLE link connection (docs/protocol.md §8.2) from its CONNECT frame on, run in the thread that owns the key:
 * GATT operations on the key's BleEndpoint. The TCP side (framing, SCAN, finding the key) is ble-link-server.ts.
 */
import { BleLinkCharacteristic, BleLinkError, BleLinkOp, decodeUint16, encodeUint16 } from '@hkey/protocol';
import type { BleConnection, BleEndpoint, GattCharacteristic } from '../ble/ble-endpoint.js';
import type { BleLinkSession, BleLinkSink, KeyFleet } from './key-fleet.js';

const utf8 = new TextEncoder();

const READABLE = new Map<number, GattCharacteristic>([
  [BleLinkCharacteristic.CONTROL_POINT_LENGTH, 'control-point-length'],
  [BleLinkCharacteristic.SERVICE_REVISION, 'service-revision'],
  [BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH, 'fido-control-point-length'],
  [BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD, 'fido-service-revision-bitfield'],
]);

export function sendBleLinkError(sink: BleLinkSink, code: number, message: string): void {
  sink.send(BleLinkOp.ERROR, Uint8Array.of(code, ...utf8.encode(message)));
}

export function openBleLinkSession(endpoint: BleEndpoint, sink: BleLinkSink): BleLinkSession {
  let connection: BleConnection | undefined;
  const error = (code: number, message: string): void => sendBleLinkError(sink, code, message);

  const frame = (op: number, data: Uint8Array): void => {
    if (op === BleLinkOp.CONNECT) {
      // A link is one connection's life: after a disconnect the server ends it.
      if (connection !== undefined) return error(BleLinkError.ALREADY_CONNECTED, 'This link is already connected.');
      connection = endpoint.connect({
        notify: (value) => sink.send(BleLinkOp.NOTIFY, value),
        notifyFido: (value) => sink.send(BleLinkOp.FIDO_NOTIFY, value),
        mtuChanged: (mtu) => sink.send(BleLinkOp.MTU_CHANGED, encodeUint16(mtu)),
        disconnected: (reason) => {
          sink.send(BleLinkOp.DISCONNECTED, utf8.encode(reason));
          sink.end();
        },
      });
      return sink.send(BleLinkOp.CONNECTED, encodeUint16(connection.mtu));
    }
    if (connection === undefined || !connection.connected) return error(BleLinkError.NOT_CONNECTED, 'Connect to a key first.');
    switch (op) {
      case BleLinkOp.EXCHANGE_MTU: {
        const mtu = decodeUint16(data);
        if (mtu === undefined || mtu < 23 || mtu > 517) return error(BleLinkError.BAD_LENGTH, 'EXCHANGE_MTU takes a 16-bit MTU from 23 to 517.');
        return sink.send(BleLinkOp.MTU, encodeUint16(connection.exchangeMtu(mtu)));
      }
      case BleLinkOp.READ: {
        const which = READABLE.get(data[0] ?? 0);
        if (which === undefined || data.length !== 1) return error(BleLinkError.UNKNOWN_OP, 'READ takes characteristic 1, 2, 3 or 4.');
        return sink.send(BleLinkOp.VALUE, Uint8Array.of(data[0] as number, ...connection.read(which)));
      }
      case BleLinkOp.WRITE_COMMAND:
      case BleLinkOp.WRITE_REQUEST:
        if (!connection.write(data)) return error(BleLinkError.BAD_LENGTH, `A control point write holds at most ${connection.fragmentSize} bytes.`);
        if (op === BleLinkOp.WRITE_REQUEST) sink.send(BleLinkOp.WRITTEN);
        return;
      case BleLinkOp.SUBSCRIBE:
        connection.subscribe(data[0] === 1);
        return sink.send(BleLinkOp.SUBSCRIBED, Uint8Array.of(data[0] === 1 ? 1 : 0));
      case BleLinkOp.FIDO_WRITE:
        if (!connection.writeFidoControlPoint(data))
          return error(BleLinkError.BAD_LENGTH, `A fidoControlPoint write holds at most ${connection.fragmentSize} bytes.`);
        return sink.send(BleLinkOp.WRITTEN);
      case BleLinkOp.FIDO_SUBSCRIBE:
        connection.subscribeFidoStatus(data[0] === 1);
        return sink.send(BleLinkOp.FIDO_SUBSCRIBED, Uint8Array.of(data[0] === 1 ? 1 : 0));
      case BleLinkOp.FIDO_SELECT_REVISION: {
        const outcome = connection.writeFidoServiceRevision(data);
        if (outcome === 'invalid-length') return error(BleLinkError.BAD_LENGTH, 'fidoServiceRevisionBitfield takes one byte.');
        if (outcome === 'value-not-allowed') return error(BleLinkError.VALUE_NOT_ALLOWED, 'Select exactly one revision the key supports.');
        return sink.send(BleLinkOp.WRITTEN);
      }
      case BleLinkOp.DISCONNECT:
        connection.disconnect();
        return sink.end();
      default:
        return error(BleLinkError.UNKNOWN_OP, `Operation 0x${op.toString(16)} is not defined.`);
    }
  };

  return { frame, close: () => connection?.disconnect() };
}

/** The BLE link's view of endpoints in this thread, for a link server without a simulator around them (test rigs). */
export function bleLinkKeysOf(endpoints: readonly BleEndpoint[]): Pick<KeyFleet, 'serials' | 'openBleLink'> {
  const bySerial = new Map(endpoints.map((endpoint) => [endpoint.key.serial, endpoint]));
  return {
    serials: [...bySerial.keys()],
    openBleLink: (serial, sink) => openBleLinkSession(bySerial.get(serial) as BleEndpoint, sink),
  };
}
