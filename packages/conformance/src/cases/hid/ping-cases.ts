/** PING echoes 0 to 7609 bytes in exactly the packets §1.3 prescribes (1, 2, 17 and 129 packets among them). */
import { HidCommand, hidPacketCount } from '@hkey/protocol';
import { check, checkEqual, firstDifference, patternBytes, sameBytes } from '../../checks.js';
import { type ConformanceCase, defineCase } from '../../case.js';
import { expectHidAnswer } from './checks.js';

/** Sizes at the packet boundaries: empty, one byte, a full init packet, one byte into the first continuation, two full packets, 17 and 129 packets. */
const PING_SIZES = [0, 1, 57, 58, 116, 1000, 7609] as const;

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

export const pingCases: ConformanceCase[] = PING_SIZES.map((size, index) =>
  defineCase({
    id: `HID-${String(5 + index).padStart(2, '0')}`,
    group: 'hid',
    title: `PING of ${plural(size, 'byte')} is echoed in ${plural(hidPacketCount(size), 'packet')}`,
    spec: '§1.3, §1.5',
    needs: ['hid-port'],
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      const data = patternBytes(size);
      await link.sendMessage(cid, HidCommand.PING, data);
      const echo = await expectHidAnswer(link, cid, HidCommand.PING, `PING with the ${size} bytes`);
      checkEqual(echo.payload.length, size, 'echoed length');
      check(sameBytes(echo.payload, data), 'the same bytes echoed', () => `a difference at byte ${firstDifference(echo.payload, data)}`);
      checkEqual(echo.reports.length, hidPacketCount(size), 'packets in the echo');
    },
  }),
);
