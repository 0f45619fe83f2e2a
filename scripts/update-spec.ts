/**
 * Rewrites the generated tables of docs/protocol.md from the protocol package's schemas (`npm run docs`).
 * test/spec-tables.test.ts fails while the committed spec differs from what this would write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSpecTables } from '../protocol/src/messages/spec-tables.js';
import { applyGeneratedBlocks } from './generated-blocks.js';

const path = new URL('../docs/protocol.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = applyGeneratedBlocks(before, renderSpecTables());
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'docs/protocol.md is up to date' : 'docs/protocol.md tables rewritten');
