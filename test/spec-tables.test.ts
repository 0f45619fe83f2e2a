import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderSpecTables } from '@hkey/protocol';
import { applyGeneratedBlocks } from '../scripts/generated-blocks.js';

test('docs/protocol.md tables match the schemas (run `npm run docs` after changing a schema)', () => {
  const spec = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
  expect(applyGeneratedBlocks(spec, renderSpecTables())).toBe(spec);
});
