/** HIDDevice.collections of the HKP interface, as its report descriptor (docs/protocol.md §1.2) declares them. */
import { HID_REPORT_SIZE, HKP_HID_USAGE, HKP_HID_USAGE_PAGE } from '@hkey/protocol';

/** One 64-byte report without ID, as the report descriptor of docs/protocol.md §1.2 declares it. */
function reportInfo(usage: number) {
  const item = {
    isAbsolute: true,
    isArray: false,
    isBufferedBytes: false,
    isConstant: false,
    isLinear: true,
    isRange: false,
    isVolatile: false,
    hasNull: false,
    hasPreferredState: true,
    wrap: false,
    // Extended usages: page in the high 16 bits, as an unsigned number (a shift would turn it negative).
    usages: [HKP_HID_USAGE_PAGE * 0x10000 + usage],
    reportSize: 8,
    reportCount: HID_REPORT_SIZE,
    unitExponent: 0,
    unitSystem: 'none',
    logicalMinimum: 0,
    logicalMaximum: 255,
    physicalMinimum: 0,
    physicalMaximum: 0,
    strings: [],
  };
  return [{ reportId: 0, items: [item] }];
}

export const COLLECTIONS = Object.freeze([
  {
    usagePage: HKP_HID_USAGE_PAGE,
    usage: HKP_HID_USAGE,
    type: 1,
    children: [],
    inputReports: reportInfo(0x20),
    outputReports: reportInfo(0x21),
    featureReports: [],
  },
]);
