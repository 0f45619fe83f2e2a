/** The GATT service, MTUs and fragment boundaries (§2.2 to §2.4). */
import { BLE_ATT_HEADER_SIZE, BLE_DEFAULT_ATT_MTU, BLE_INIT_HEADER_SIZE, BleCommand, bleFragmentCount, encodeBleMessage } from '@hkey/protocol';
import { check, checkEqual, patternBytes } from '../../checks.js';
import { type ConformanceCase, defineCase } from '../../case.js';
import { bleAtMtu, checkBlePing, expectBleAnswer } from './checks.js';

const needs = ['ble-link'] as const;

function pingAtMtu(id: string, mtu: number): ConformanceCase {
  const fragmentSize = mtu - BLE_ATT_HEADER_SIZE;
  return defineCase({
    id,
    group: 'ble',
    title: `PING at ATT_MTU ${mtu} (fragments of up to ${fragmentSize} bytes) is echoed in full fragments`,
    spec: '§2.3, §2.4, §2.5',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, mtu);
      checkEqual(raw.fragmentSize, Math.min(raw.controlPointLength, fragmentSize), 'fragment size min(control point length, ATT_MTU - 3)');
      for (const size of [0, 1, 100, 1000]) await checkBlePing(raw, size);
    },
  });
}

/** Message lengths that end exactly at a fragment's end, and one byte past it. */
function boundarySizes(fragmentSize: number): number[] {
  const first = fragmentSize - BLE_INIT_HEADER_SIZE;
  const continuation = fragmentSize - 1;
  return [first, first + 1, first + continuation, first + continuation + 1, first + 3 * continuation];
}

export const gattCases = [
  defineCase({
    id: 'BLE-01',
    group: 'ble',
    title: 'A new connection (whose service revision "1.0" the host checks) has ATT_MTU 23 and a control point length of 20..512',
    spec: '§2.2, §2.3',
    needs,
    async run(ctx) {
      // Opening the raw link reads the control point length and checks its range; connecting checked the revision.
      const raw = await ctx.ble(BLE_DEFAULT_ATT_MTU);
      checkEqual(raw.mtu, BLE_DEFAULT_ATT_MTU, 'ATT_MTU of a connection without an MTU exchange');
      checkEqual(raw.fragmentSize, 20, 'fragment size at the default ATT_MTU, whatever the control point length');
      await checkBlePing(raw, 40);
    },
  }),
  pingAtMtu('BLE-02', 23),
  pingAtMtu('BLE-03', 185),
  pingAtMtu('BLE-04', 512),
  defineCase({
    id: 'BLE-05',
    group: 'ble',
    title: 'Messages that end exactly at a fragment boundary, or one byte past it, travel both ways intact',
    spec: '§2.4',
    needs,
    async run(ctx) {
      for (const mtu of [23, 185]) {
        const raw = await bleAtMtu(ctx, mtu);
        for (const size of boundarySizes(raw.fragmentSize)) await checkBlePing(raw, size);
      }
    },
  }),
  defineCase({
    id: 'BLE-06',
    group: 'ble',
    title: 'SEQ wraps from 0x7F to 0x00: a 7609-byte PING in 401 fragments of 20 bytes, both ways',
    spec: '§2.4',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      checkEqual(bleFragmentCount(7609, raw.fragmentSize), 401, 'fragments of a 7609-byte message at fragment size 20');
      await checkBlePing(raw, 7609);
    },
  }),
  defineCase({
    id: 'BLE-07',
    group: 'ble',
    title: 'A control point write longer than the fragment size is refused; one of exactly the fragment size is accepted',
    spec: '§2.3',
    needs,
    async run(ctx) {
      for (const mtu of [23, 512]) {
        const raw = await bleAtMtu(ctx, mtu);
        const size = raw.fragmentSize;
        const tooLong = encodeBleMessage(BleCommand.PING, patternBytes(size - BLE_INIT_HEADER_SIZE + 1), size + 1)[0] as Uint8Array;
        check(!(await raw.writeRequest(tooLong)), `a ${size + 1}-byte Write Request refused with an ATT error at ATT_MTU ${mtu}`, () => 'it was accepted');
        const exact = encodeBleMessage(BleCommand.PING, patternBytes(size - BLE_INIT_HEADER_SIZE), size)[0] as Uint8Array;
        check(await raw.writeRequest(exact), `a ${size}-byte Write Request accepted at ATT_MTU ${mtu}`, () => 'it was refused');
        const echo = await expectBleAnswer(raw, BleCommand.PING, `PING echoing the ${size - BLE_INIT_HEADER_SIZE} bytes of the accepted write`);
        checkEqual(echo.payload.length, size - BLE_INIT_HEADER_SIZE, 'echoed length');
        await raw.close();
      }
    },
  }),
];
