/**
 * One life of the crash tests' child (crash-child.ts, docs/reliability.md): start it on a state file, send it
 * requests once it is ready, and SIGKILL it at the moment a KillPlan says; what it answered until then comes back.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 15_000;

export interface Life {
  /** Answers to the requests, in order, up to the kill; undefined for "-" (no answer). */
  readonly answers: (Uint8Array | undefined)[];
  /** Whether the requests were sent (a kill during start-up sends none). */
  readonly sent: boolean;
  /** Milliseconds from sending the requests to the last answer. */
  readonly answeredMs: number;
}

/** When to kill: `delayMs` after spawning (during start-up), or `delayMs` after the `answers`-th answer (or the send). */
export type KillPlan = { readonly early: true; readonly delayMs: number } | { readonly early: false; readonly answers: number; readonly delayMs: number };

/**
 * One kill in ten during start-up (loading, or creating the first state); the rest after a random number of the
 * `requests` answers and a random part of the next write, which takes about `writeMs`.
 */
export function drawKillPlan(next: () => number, requests: number, writeMs: number): KillPlan {
  return next() < 0.1
    ? { early: true, delayMs: Math.floor(next() * 250) }
    : { early: false, answers: Math.floor(next() * requests), delayMs: next() * writeMs };
}

/** How long one write takes (fsync included), learnt as a test goes from a life's `answers` in `elapsedMs`: kills aim inside a write. */
export function learnWriteMs(writeMs: number, answers: number, elapsedMs: number): number {
  return answers > 1 ? 0.8 * writeMs + (0.2 * elapsedMs) / answers : writeMs;
}

/** Starts the bundled `child` on `path`, sends `lines` (requests in crash-child.ts's form) once it is ready and kills it as `plan` says. */
export function live(child: string, path: string, lines: readonly string[], plan: KillPlan): Promise<Life> {
  return new Promise((resolve, reject) => {
    const process_: ChildProcessWithoutNullStreams = spawn(process.execPath, [child, path]);
    const answers: (Uint8Array | undefined)[] = [];
    let ready = false;
    let sent = 0;
    let answered = 0;
    let stderr = '';
    const kill = (): void => {
      process_.kill('SIGKILL');
    };
    const startup = setTimeout(() => {
      kill();
      reject(new Error(`the child did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    if (plan.early) setTimeout(kill, plan.delayMs);
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: process_.stdout }).on('line', (line) => {
      if (!ready) {
        if (line !== 'ready') reject(new Error(`the child said "${line}" instead of ready`));
        ready = true;
        clearTimeout(startup);
        if (plan.early) return;
        process_.stdin.write(lines.map((request) => `${request}\n`).join(''));
        sent = performance.now();
        if (plan.answers === 0) setTimeout(kill, plan.delayMs);
        return;
      }
      answers.push(line === '-' ? undefined : new Uint8Array(Buffer.from(line, 'hex')));
      answered = performance.now();
      if (!plan.early && answers.length === plan.answers) setTimeout(kill, plan.delayMs);
    });
    process_.stdin.on('error', () => undefined);
    process_.on('exit', (code, signal) => {
      clearTimeout(startup);
      // Only SIGKILL ends the child; exiting by itself means it could not load its state or crashed.
      if (signal !== 'SIGKILL') reject(new Error(`the child exited with ${code ?? signal}: ${stderr}`));
    });
    process_.on('close', () => resolve({ answers, sent: sent > 0, answeredMs: Math.max(0, answered - sent) }));
  });
}
