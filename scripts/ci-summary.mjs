// Sums every suite's results (vitest JSON reports and JUnit XML files) into the one line CI reads.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'test-results';
let passed = 0;
let failed = 0;
let skipped = 0;

// Only the reports: test-results also holds folders of traces and screenshots.
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json') || name.endsWith('.xml'))) {
  const text = readFileSync(join(dir, file), 'utf8');
  if (file.endsWith('.json')) {
    const report = JSON.parse(text);
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
    skipped += report.numPendingTests + report.numTodoTests;
  } else if (file.endsWith('.xml')) {
    const suites = [...text.matchAll(/<testsuites?\b[^>]*>/g)].map((m) => m[0]);
    const top = suites[0] ?? '';
    const read = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(top)?.[1] ?? 0);
    const tests = read('tests');
    const fail = read('failures') + read('errors');
    const skip = read('skipped');
    passed += tests - fail - skip;
    failed += fail;
    skipped += skip;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
