/**
 * The CTAP link on the key's FIDO BLE service (CTAP 2.1 §11.4, docs/protocol.md §2.12): revision FIDO2 selected,
 * fidoStatus notifications on, requests written to fidoControlPoint in fragments sized by fidoControlPointLength
 * and ATT_MTU. CTAP2 requests and U2F APDUs both travel in MSG (0x83), told apart by the first byte (0x00 starts an
 * APDU), and are answered in MSG; ERROR (0xBF) is never an answer to a well-formed request.
 */
import { BleCommand, FidoServiceRevision } from '@hkey/protocol';
import { check, fail } from '../../checks.js';
import { type RawBleLink, describeBleMessage } from '../../ble/raw-ble-link.js';
import { selectRevision } from '../../ble/fido-gatt-port.js';
import type { CtapLink, CtapLinkEvent, CtapRequestKind } from './ctap-link.js';

export class BleCtapLink implements CtapLink {
  readonly u2fNeedsClaZero = true;
  readonly name = 'the FIDO BLE service';

  /** On a connection whose revision is settled (a case checking the default uses it as it comes). */
  constructor(readonly ble: RawBleLink) {}

  /** Selects FIDO2 on a new FIDO service connection, as a CTAP2 client does before its first request. */
  static async open(ble: RawBleLink): Promise<BleCtapLink> {
    const outcome = await selectRevision(ble.connection, Uint8Array.of(FidoServiceRevision.FIDO2));
    check(outcome === 'selected', 'fidoServiceRevisionBitfield accepting FIDO2 (0x20) (CTAP 2.1 §11.4, §2.12)', () => `the write refused: ${outcome}`);
    return new BleCtapLink(ble);
  }

  send(_kind: CtapRequestKind, request: Uint8Array): Promise<number> {
    return this.ble.sendMessage(BleCommand.MSG, request);
  }

  async next(_kind: CtapRequestKind, timeoutMs: number): Promise<CtapLinkEvent | undefined> {
    const message = await this.ble.readMessage(timeoutMs);
    if (message === undefined) return undefined;
    if (message.cmd === BleCommand.KEEPALIVE) {
      check(message.payload.length === 1, 'KEEPALIVE with exactly one status byte (§2.6)', () => `KEEPALIVE with ${message.payload.length} bytes`);
      return { kind: 'keepalive', status: message.payload[0] as number };
    }
    if (message.cmd !== BleCommand.MSG) fail('the answer in MSG (0x83) on fidoStatus (§2.12)', describeBleMessage(message));
    return { kind: 'answer', payload: message.payload, at: message.at };
  }

  cancel(): Promise<number> {
    return this.ble.sendMessage(BleCommand.CANCEL, new Uint8Array(0));
  }
}
