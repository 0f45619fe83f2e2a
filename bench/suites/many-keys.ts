/** Memory of 10,000 idle virtual keys in one process, each having answered INIT + GetInfo, against one key. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { markdownRow } from '../harness.js';

const CHILD = fileURLToPath(new URL('../children/many-keys.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

interface Usage {
  rss: number;
  heapUsed: number;
}

function run(count: number, fido = false): Usage {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, String(count), ...(fido ? ['fido'] : [])], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
  });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as Usage;
}

function row(count: number, fido: boolean): string {
  const one = run(1, fido);
  const many = run(count, fido);
  const perKeyKb = (many.rss - one.rss) / (count - 1) / 1024;
  const rssMb = many.rss / 2 ** 20;
  const what = fido ? 'INIT + GetInfo + a discoverable FIDO credential' : 'INIT + GetInfo';
  return markdownRow([
    `${count.toLocaleString('en-US')} virtual keys, each answered ${what}`,
    `${rssMb.toFixed(0)} MB`,
    `${perKeyKb.toFixed(1)} KB`,
    `${(one.rss / 2 ** 20).toFixed(0)} MB`,
    'RSS <= 300 MB, <= 30 KB per key',
    rssMb <= 300 && perKeyKb <= 30 ? 'yes' : 'NO',
  ]);
}

export function renderManyKeys(count = 10_000): string {
  return [
    '### Many keys in one process',
    '',
    '| benchmark | RSS | per idle key | reference: one key | target | met |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    row(count, false),
    row(count, true),
    '',
  ].join('\n');
}
