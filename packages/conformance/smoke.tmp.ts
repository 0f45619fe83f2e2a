import { Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { runConformance, udpTarget, bleLinkTarget, simulatorController, formatCaseResult, formatSummary } from '@hkey/conformance';

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const ble = process.argv.includes('--ble');
const sim = await Simulator.start({ udpPort: 0, blePort: 0 });
const control = await startControlServer(sim, { port: 0 });
const device = sim.devices[0]!;
const target = ble ? bleLinkTarget(`tcp://127.0.0.1:${sim.bleLink!.port}`) : udpTarget(`udp://127.0.0.1:${device.udp.port}`);
const report = await runConformance({
  target,
  controller: simulatorController({ url: control.url }),
  destructive: true,
  only,
  onCaseResult: (r) => console.log(formatCaseResult(r)),
});
console.log(report.notes.join('\n'));
console.log(formatSummary(report));
await control.close();
await sim.close();
