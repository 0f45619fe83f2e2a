/**
 * The benchmark harness: every subject is measured next to a reference in the same run, samples interleaved
 * so that machine noise hits both alike; results are medians with their spread, and the ratio is what counts.
 */
import { performance } from 'node:perf_hooks';

export interface Operation {
  readonly name: string;
  /** Runs the operation once; its return value is kept so the work cannot be optimised away. */
  readonly run: () => unknown;
}

export interface Comparison {
  readonly benchmark: string;
  readonly subject: Operation;
  readonly reference: Operation;
  /** Minimum subject/reference ratio the target asks for, if any. */
  readonly target?: number;
  readonly targetText?: string;
}

export interface Measurement {
  readonly median: number;
  /** Half the min-max range as a fraction of the median. */
  readonly spread: number;
}

export interface ComparisonResult {
  readonly comparison: Comparison;
  readonly subject: Measurement;
  readonly reference: Measurement;
  readonly ratio: number;
}

export const settings = { warmupMs: 300, samples: 9, sampleMs: 150 };
let sink: unknown;

function calibrate(operation: Operation): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink = operation.run();
    const elapsed = performance.now() - start;
    if (elapsed >= 20) return Math.max(1, Math.round((iterations * settings.sampleMs) / elapsed));
    iterations *= 2;
  }
}

function sample(operation: Operation, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink = operation.run();
  return (iterations * 1000) / (performance.now() - start);
}

function summarise(samples: number[]): Measurement {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return { median, spread: ((sorted[sorted.length - 1] as number) - (sorted[0] as number)) / 2 / median };
}

export function compare(comparison: Comparison): ComparisonResult {
  const { subject, reference } = comparison;
  const warmUntil = performance.now() + settings.warmupMs;
  while (performance.now() < warmUntil) {
    sink = subject.run();
    sink = reference.run();
  }
  const subjectIterations = calibrate(subject);
  const referenceIterations = calibrate(reference);
  const subjectSamples: number[] = [];
  const referenceSamples: number[] = [];
  for (let i = 0; i < settings.samples; i++) {
    subjectSamples.push(sample(subject, subjectIterations));
    referenceSamples.push(sample(reference, referenceIterations));
  }
  void sink;
  const s = summarise(subjectSamples);
  const r = summarise(referenceSamples);
  return { comparison, subject: s, reference: r, ratio: s.median / r.median };
}

/** One Markdown table row: `| a | b |`. */
export const markdownRow = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

const rate = (m: Measurement): string => `${Math.round(m.median).toLocaleString('en-US')} ±${(m.spread * 100).toFixed(0)}%`;

export function renderTable(title: string, results: readonly ComparisonResult[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| benchmark | hkey | ops/s | reference | ops/s | ratio | target | met |',
    '| --- | --- | ---: | --- | ---: | ---: | --- | --- |',
  ];
  for (const { comparison, subject, reference, ratio } of results) {
    const target = comparison.targetText ?? (comparison.target === undefined ? '' : `>= ${comparison.target}x`);
    const met = comparison.target === undefined ? '' : ratio >= comparison.target ? 'yes' : 'NO';
    lines.push(
      markdownRow([
        comparison.benchmark,
        comparison.subject.name,
        rate(subject),
        comparison.reference.name,
        rate(reference),
        `${ratio.toFixed(2)}x`,
        target,
        met,
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
