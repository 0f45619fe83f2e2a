// Fails when a source line runs past the width Prettier formats to (.prettierrc.json printWidth): Prettier wraps code
// but not long strings and comments, which this catches.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const width = JSON.parse(readFileSync('.prettierrc.json', 'utf8')).printWidth;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs', '*.cjs', '*.js'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !file.includes('/dist/'));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, index) => {
    if (line.length > width) long.push(`${file}:${index + 1}: ${line.length} characters`);
  });
}
if (long.length > 0) {
  console.error(`${long.length} source line(s) are longer than ${width} characters:\n${long.join('\n')}`);
  process.exit(1);
}
