/**
 * Everything the CLI prints goes through here: human text or JSON (`--json`), quiet and verbose modes,
 * and errors as one sentence (a stack trace only with --verbose). Secrets never reach this module, with one
 * deliberate exception: `hkey enroll` prints the otpauth URI it generated, once, as its result. Text from a key
 * or a file is shown with its terminal controls escaped (terminal-text.ts), whichever method prints it.
 */
import { errorCode, errorMessage, exitCodeFor } from './cli-error.js';
import { terminalJson, terminalLines, terminalText } from './terminal-text.js';

export interface OutputOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

const toJson = (value: unknown): string => terminalJson(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

export class Output {
  constructor(
    readonly options: OutputOptions,
    private readonly stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly stderr: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {}

  private print(stream: NodeJS.WritableStream, text: string): void {
    stream.write(`${terminalLines(text)}\n`);
  }

  /** The result of a command: `human` renders it for people, JSON mode prints `data` as one line. */
  result(data: unknown, human: () => string): void {
    if (this.options.json) this.stdout.write(`${toJson(data)}\n`);
    else if (!this.options.quiet) this.print(this.stdout, human());
  }

  /**
   * A one-value result that programs read byte for byte (a password piped to a clipboard tool): exact on a pipe or in a
   * file, with its controls escaped only when stdout is a terminal, where they would act.
   */
  exactResult(data: unknown, text: string): void {
    if (this.options.json) this.stdout.write(`${toJson(data)}\n`);
    else if (!this.options.quiet) this.stdout.write(`${this.stdout.isTTY === true ? terminalText(text) : text}\n`);
  }

  /** One JSON event per line in JSON mode (streams such as `hkey sim --json`), text otherwise. */
  event(data: Record<string, unknown>, human: () => string): void {
    if (this.options.json) this.stdout.write(`${toJson(data)}\n`);
    else if (!this.options.quiet) this.print(this.stdout, human());
  }

  /** Progress: stderr, so stdout stays machine-readable. */
  info(message: string): void {
    if (!this.options.quiet && !this.options.json) this.print(this.stderr, message);
  }

  /**
   * Something the user must act on (press the button, swap keys): stderr, also in JSON mode when a person
   * watches the terminal, since JSON consumers read stdout and stderr of a pipe stays pure JSON errors.
   */
  prompt(message: string): void {
    if (this.options.quiet) return;
    if (!this.options.json || this.stderr.isTTY === true) this.print(this.stderr, message);
  }

  /** Whether live progress bars may be drawn: a person watches stderr and wants human output. */
  get interactiveProgress(): boolean {
    return this.stderr.isTTY === true && !this.options.json && !this.options.quiet;
  }

  /** Details of an error that follows (e.g. every bad row of a file): stderr, even with --quiet; JSON mode puts them in its result. */
  problem(message: string): void {
    if (!this.options.json) this.print(this.stderr, message);
  }

  warn(message: string): void {
    this.print(this.stderr, `warning: ${message}`);
  }

  debug(message: string): void {
    if (this.options.verbose) this.print(this.stderr, `debug: ${message}`);
  }

  /** Reports an error and returns the exit code to use. */
  error(error: unknown): number {
    const message = errorMessage(error);
    if (this.options.json) this.stderr.write(`${toJson({ error: { code: errorCode(error) ?? 'UNEXPECTED', message } })}\n`);
    else this.print(this.stderr, `error: ${message}`);
    if (this.options.verbose && error instanceof Error && error.stack) this.print(this.stderr, error.stack);
    return exitCodeFor(error);
  }
}

/** A plain text table for terminals; cells are values, so every control in them is escaped, line feeds too. */
export function table(headers: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((row) => row.map(terminalText));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
