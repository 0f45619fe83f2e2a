import type { Output } from './output.js';

export interface GlobalOptions {
  transport?: string[];
  device?: string;
  pinStdin: boolean;
  stayUnlocked: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  timeout: number;
}

/** What every command action receives (built by program.ts): the output layer and the global options. */
export interface RunContext {
  readonly output: Output;
  readonly globals: GlobalOptions;
}
