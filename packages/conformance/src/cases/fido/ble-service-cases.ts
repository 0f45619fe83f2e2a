/**
 * What only the FIDO BLE service has (docs/protocol.md §2.12, CTAP 2.1 §11.4): its characteristics, the revision a
 * host selects, and how MSG carries CTAP2 requests and U2F APDUs; the BLE counterparts of CTAPHID's INIT
 * capabilities and command rules (FIDO-01, FIDO-02). The framing itself is checked on every fragment the key
 * notifies, as for the HKP service.
 */
import { BleCommand, BleError, CtapCommand, FidoServiceRevision, GetInfoKey, U2F_VERSION, U2fStatusWord } from '@hkey/protocol';
import { byteName, check, checkEqual, describeBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { type RevisionWriteOutcome, selectRevision } from '../../ble/fido-gatt-port.js';
import { checkBlePing, expectBleError } from '../ble/checks.js';
import { BleCtapLink } from './ble-ctap-link.js';
import { FidoChannel, type U2fAnswer } from './fido-channel.js';

const needs = ['fido-ble'] as const;
const { U2F_1_1, U2F_1_2, FIDO2 } = FidoServiceRevision;
const U2F_VERSION_APDU = Uint8Array.of(0x00, 0x03, 0x00, 0x00);
/** The bitfield §2.12 documents: U2F 1.2 and FIDO2. */
const DOCUMENTED_REVISIONS = U2F_1_2 | FIDO2;

/** Refused revision writes and the ATT error each must get (§2.12). */
const REFUSED_REVISIONS: readonly (readonly [string, Uint8Array, RevisionWriteOutcome])[] = [
  ['two revisions at once (0x60)', Uint8Array.of(U2F_1_2 | FIDO2), 'value-not-allowed'],
  ['U2F 1.1 (0x80), which the key does not support', Uint8Array.of(U2F_1_1), 'value-not-allowed'],
  ['no revision (0x00)', Uint8Array.of(0x00), 'value-not-allowed'],
  ['two bytes (20 00)', Uint8Array.of(FIDO2, 0x00), 'invalid-length'],
];

function checkVersion(answer: U2fAnswer, what: string): void {
  check(answer.statusWord === U2fStatusWord.NO_ERROR, `${what}: status word 9000`, () => answer.statusWord.toString(16).padStart(4, '0'));
  checkEqual(new TextDecoder().decode(answer.data), U2F_VERSION, `${what}: the version string`);
}

export const bleServiceCases = [
  defineCase({
    id: 'FIDO-24',
    group: 'fido',
    title:
      'fidoControlPointLength is 20 to 512 and fidoServiceRevisionBitfield 0x60; the key serves FIDO2 until a host selects ' +
      'one supported revision and refuses any other write; under U2F 1.2 every MSG is an APDU',
    spec: '§2.12, CTAP 2.1 §11.4, U2F Raw Message Formats §3',
    needs,
    async run(ctx) {
      // Opening the connection reads fidoControlPointLength and checks its range (§2.2, §2.12).
      const ble = await ctx.fidoBle();
      const bits = await ble.connection.read('fido-service-revision-bitfield');
      check(
        bits.length === 1 && bits[0] === DOCUMENTED_REVISIONS,
        `fidoServiceRevisionBitfield ${byteName(DOCUMENTED_REVISIONS)}: U2F 1.2 and FIDO2 (§2.12)`,
        () => describeBytes(bits),
      );
      const channel = FidoChannel.over(ctx, new BleCtapLink(ble));
      await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo before any revision is selected (the key serves FIDO2)');
      for (const [what, value, outcome] of REFUSED_REVISIONS) {
        checkEqual(await selectRevision(ble.connection, value), outcome, `writing ${what} to fidoServiceRevisionBitfield:`);
      }
      checkEqual(await selectRevision(ble.connection, Uint8Array.of(U2F_1_2)), 'selected', 'selecting U2F 1.2 (0x40):');
      const notCtap = await channel.u2f(Uint8Array.of(CtapCommand.GetInfo));
      check(
        notCtap.data.length === 0 && notCtap.statusWord !== U2fStatusWord.NO_ERROR,
        'under U2F 1.2 the GetInfo byte taken as an APDU and refused with a status word alone',
        () => `${notCtap.data.length} bytes and status word ${notCtap.statusWord.toString(16).padStart(4, '0')}`,
      );
      checkVersion(await channel.u2f(U2F_VERSION_APDU), 'U2F VERSION under U2F 1.2');
      const wrongClass = await channel.u2f(Uint8Array.of(0x80, ...U2F_VERSION_APDU.subarray(1)));
      check(wrongClass.statusWord === U2fStatusWord.CLA_NOT_SUPPORTED, 'under U2F 1.2 VERSION with CLA 80 answered 6E00', () =>
        wrongClass.statusWord.toString(16).padStart(4, '0'),
      );
      checkEqual(await selectRevision(ble.connection, Uint8Array.of(FIDO2)), 'selected', 'selecting FIDO2 (0x20):');
      await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo once FIDO2 is selected again');
    },
  }),
  defineCase({
    id: 'FIDO-25',
    group: 'fido',
    title:
      'On the FIDO service an empty MSG is answered ERROR INVALID_LEN, MSG carries CTAP2 and U2F told apart by a first byte 0x00, ' +
      'PING is echoed, GetInfo lists ble',
    spec: '§2.5, §2.12, §9, CTAP 2.1 §11.4, §6.4',
    needs,
    async run(ctx) {
      // Fragments as large as fidoControlPointLength and ATT_MTU 512 allow.
      const ble = await ctx.fidoBle(512);
      const channel = FidoChannel.over(ctx, await BleCtapLink.open(ble));
      await ble.sendMessage(BleCommand.MSG, new Uint8Array(0));
      await expectBleError(ble, BleError.INVALID_LEN, 'an empty MSG on fidoControlPoint (§2.12)');
      const info = await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo in MSG');
      const transports = info.get(GetInfoKey.transports);
      check(Array.isArray(transports) && transports.includes('ble'), 'GetInfo transports (0x09) including "ble" (§9.4)', () => JSON.stringify(transports));
      checkVersion(await channel.u2f(U2F_VERSION_APDU), 'U2F VERSION in MSG');
      await checkBlePing(ble, 1200);
    },
  }),
];
