/** `hkey conformance`: runs the HKP/1 conformance suite against a key, virtual or real (docs/conformance.md). */
import { writeFile } from 'node:fs/promises';
import {
  type ConformanceTarget,
  type DeviceController,
  bleLinkTarget,
  combineTargets,
  formatCaseList,
  formatCaseResult,
  formatJsonReport,
  formatJunitReport,
  formatSummary,
  hidPortTarget,
  listCases,
  noController,
  operatorController,
  runConformance,
  simulatorController,
  transportTarget,
  udpTarget,
} from '@hkey/conformance';
import { CliError } from '../cli-error.js';
import { openTransport, parseTransport } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import type { RunContext } from '../context.js';

export interface ConformanceCommandOptions {
  control?: string;
  controlToken?: string;
  bleLink?: string;
  jsonReport?: string;
  junit?: string;
  only?: string[];
  list: boolean;
  destructive: boolean;
  interactive?: boolean;
  timingTolerance: number;
  bail: boolean;
}

async function target(url: string | undefined, bleLink: string | undefined): Promise<ConformanceTarget> {
  const ble = bleLink === undefined ? undefined : bleLinkTarget(bleLink);
  if (url === undefined) {
    if (ble === undefined) throw new CliError('USAGE_TARGET', 'Name the key to test: --transport udp://HOST:PORT, --transport virtual, or --ble-link URL.');
    return ble;
  }
  const primary = await targetAt(url);
  return ble === undefined ? primary : combineTargets(primary, ble);
}

async function targetAt(url: string): Promise<ConformanceTarget> {
  switch (parseTransport(url).scheme) {
    case 'udp':
      return udpTarget(url);
    case 'ble-link':
    case 'tcp':
      return bleLinkTarget(url);
    case 'virtual': {
      const { VirtualKey, connectInProcess } = await import('@hkey/firmware-sim');
      const key = await VirtualKey.start();
      return hidPortTarget('virtual', async () => connectInProcess(key), 'virtual');
    }
    default:
      // USB, Bluetooth and bridge keys: message and semantics cases run; framing cases need a raw link and are skipped.
      return transportTarget(url, () => openTransport(url));
  }
}

function controller(options: ConformanceCommandOptions): DeviceController {
  if (options.control !== undefined) return simulatorController({ url: options.control, token: options.controlToken || undefined });
  const interactive = options.interactive ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  return interactive ? operatorController({ input: process.stdin, output: process.stderr }) : noController();
}

export async function conformance({ output, globals }: RunContext, options: ConformanceCommandOptions): Promise<number> {
  if (options.list) {
    const cases = listCases();
    output.result(cases, () => formatCaseList(cases));
    return ExitCode.OK;
  }
  if ((globals.transport?.length ?? 0) > 1) throw new CliError('USAGE_TRANSPORT', 'The conformance suite tests one key at a time: give one --transport.');
  const report = await runConformance({
    target: await target(globals.transport?.[0], options.bleLink),
    controller: controller(options),
    destructive: options.destructive,
    only: options.only,
    pin: process.env.HKEY_PIN || undefined,
    timingToleranceMs: options.timingTolerance,
    bail: options.bail,
    onCaseResult: (result) => output.info(formatCaseResult(result)),
  });
  if (options.jsonReport !== undefined) await writeFile(options.jsonReport, formatJsonReport(report));
  if (options.junit !== undefined) await writeFile(options.junit, formatJunitReport(report));
  output.result(report, () => formatSummary(report));
  return report.counts.fail > 0 ? ExitCode.FAILURE : ExitCode.OK;
}
