/**
 * How a provisioning run shows its progress: live bars with per-key status on a terminal (cli-progress), one line
 * per event on a pipe, or JSON events on stdout with --json. Prompts to swap keys always reach the person at
 * the terminal (Output.prompt).
 */
import type { MultiBar, SingleBar } from 'cli-progress';
import type { Output } from '../output.js';
import { terminalLines, terminalText } from '../terminal-text.js';
import type { ProvisionEvents, RowResult } from './runner.js';

export interface ProvisionView extends ProvisionEvents {
  close(): void;
}

type WaitingNeed = Parameters<ProvisionEvents['waiting']>[0];

function waitingText({ row, position, total, serial, present }: WaitingNeed): string {
  if (serial !== undefined) return `Row ${row} (${position} of ${total}) is for key ${serial}: connect it.`;
  const done =
    present.length === 0 ? '' : ` ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} done: remove ${present.length === 1 ? 'it' : 'them'}, and`;
  return `Row ${row} (${position} of ${total}) needs the next key:${done} connect a key not yet provisioned.`;
}

function resultText(result: RowResult): string {
  const detail = result.code === undefined ? '' : ` (${result.code}): ${result.message ?? ''}`;
  return `Row ${result.row} ${result.serial ?? '-'} ${result.account}: ${result.result}${detail}`;
}

class JsonView implements ProvisionView {
  constructor(private readonly output: Output) {}
  keyReady(serial: string, address: string): void {
    this.output.event({ event: 'key', serial, address }, () => '');
  }
  waiting(need: WaitingNeed): void {
    this.output.event({ event: 'waiting', ...need }, () => '');
    this.output.prompt(waitingText(need));
  }
  rowStarted(row: number, account: string, serial: string): void {
    this.output.event({ event: 'row-started', row, serial, account }, () => '');
  }
  rowFinished(result: RowResult): void {
    this.output.event({ event: 'row', ...result }, () => '');
  }
  suspend<T>(ask: () => Promise<T>): Promise<T> {
    return ask();
  }
  close(): void {}
}

class LineView implements ProvisionView {
  constructor(private readonly output: Output) {}
  keyReady(serial: string, address: string): void {
    this.output.info(`Key ${serial} at ${address} is ready.`);
  }
  waiting(need: WaitingNeed): void {
    this.output.prompt(waitingText(need));
  }
  rowStarted(): void {}
  rowFinished(result: RowResult): void {
    this.output.info(resultText(result));
  }
  suspend<T>(ask: () => Promise<T>): Promise<T> {
    return ask();
  }
  close(): void {}
}

/**
 * Live bars: one for the whole batch, and one per key with its current row. cli-progress writes to the terminal
 * itself, so names and serials are escaped here.
 */
class BarsView implements ProvisionView {
  private bars: MultiBar | undefined;
  private overall: SingleBar | undefined;
  private readonly keyBars = new Map<string, SingleBar>();
  private done = 0;
  private status = 'looking for keys';
  private readonly perKey = new Map<string, { done: number; total: number; status: string }>();

  constructor(
    private readonly progress: typeof import('cli-progress'),
    private readonly total: number,
  ) {
    this.draw();
  }

  private draw(): void {
    const { MultiBar, Presets } = this.progress;
    this.bars = new MultiBar(
      {
        format: '{label} {bar} {value}/{total}  {status}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 24,
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    this.overall = this.bars.create(this.total, this.done, { label: 'all rows'.padEnd(16), status: this.status });
    this.keyBars.clear();
    for (const [serial, state] of this.perKey)
      this.keyBars.set(serial, this.bars.create(state.total, state.done, { label: terminalText(serial).padEnd(16), status: state.status }));
  }

  private keyState(serial: string): { done: number; total: number; status: string } {
    let state = this.perKey.get(serial);
    if (state === undefined) {
      state = { done: 0, total: 0, status: 'ready' };
      this.perKey.set(serial, state);
      this.keyBars.set(serial, this.bars!.create(0, 0, { label: terminalText(serial).padEnd(16), status: state.status }));
    }
    return state;
  }

  keyReady(serial: string): void {
    this.keyState(serial);
  }

  waiting(need: WaitingNeed): void {
    this.status = `waiting for a key for row ${need.row}`;
    this.bars?.log(`${terminalLines(waitingText(need))}\n`);
    this.overall?.update({ status: this.status });
  }

  rowStarted(row: number, account: string, serial: string): void {
    const state = this.keyState(serial);
    state.total += 1;
    state.status = `row ${row} ${terminalText(account)}: writing`;
    this.status = `row ${row}`;
    this.keyBars.get(serial)?.setTotal(state.total);
    this.keyBars.get(serial)?.update({ status: state.status });
    this.overall?.update({ status: this.status });
  }

  rowFinished(result: RowResult): void {
    this.done += 1;
    this.overall?.update(this.done, { status: this.status });
    if (result.serial !== null && this.perKey.has(result.serial)) {
      const state = this.keyState(result.serial);
      state.done += 1;
      state.status = `row ${result.row} ${terminalText(result.account)}: ${result.result}`;
      this.keyBars.get(result.serial)?.update(state.done, { status: state.status });
    }
    if (result.result !== 'ok') this.bars?.log(`${terminalLines(resultText(result))}\n`);
  }

  async suspend<T>(ask: () => Promise<T>): Promise<T> {
    this.bars?.stop();
    try {
      return await ask();
    } finally {
      this.draw();
    }
  }

  close(): void {
    this.bars?.stop();
  }
}

export async function createView(output: Output, total: number): Promise<ProvisionView> {
  if (output.options.json) return new JsonView(output);
  if (!output.interactiveProgress) return new LineView(output);
  return new BarsView(await import('cli-progress'), total);
}
