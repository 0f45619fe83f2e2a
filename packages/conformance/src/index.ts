/**
 * @hkey/conformance: the HKP/1 conformance suite. Numbered cases citing docs/protocol.md run against any key,
 * virtual or real, over any transport of @hkey/bridge, and report pass, fail or skip with what was expected
 * and what was seen.
 */
import { describeCase, type CaseDescriptor } from './case.js';
import { allCases } from './cases/index.js';

export { GROUPS, type CaseDescriptor, type CaseOutcome, type CaseResult, type GroupId, type Requirement } from './case.js';
export { runConformance, type ConformanceLane, type ConformanceOptions, type ConformanceReport, type DeviceIdentity } from './runner/run-conformance.js';
export { selectCases } from './runner/select-cases.js';
export { ConformanceError } from './failures.js';
export { type RevisionWriteOutcome, selectRevision } from './ble/fido-gatt-port.js';
export {
  type ConformanceTarget,
  type CtapTransport,
  bleGattTarget,
  bleLinkTarget,
  combineTargets,
  hidPortTarget,
  transportTarget,
  udpTarget,
} from './target.js';
export { type ControlledDevice, type ControllerCapability, type DeviceController, type PresenceAction, noController } from './controller/device-controller.js';
export { type SimulatorControllerOptions, simulatorController } from './controller/simulator-controller.js';
export { type OperatorControllerOptions, operatorController } from './controller/operator-controller.js';
export { formatCaseList, formatCaseResult, formatSummary, formatTextReport } from './report/text-report.js';
export { formatJsonReport } from './report/json-report.js';
export { formatJunitReport } from './report/junit-report.js';

/** Every case in run order, without the code that runs it: for --list, docs and tools. */
export function listCases(): CaseDescriptor[] {
  return allCases.map(describeCase);
}
