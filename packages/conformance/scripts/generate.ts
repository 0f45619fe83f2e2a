/**
 * Writes the published vectors and the case list of docs/conformance.md (`npm run generate -w packages/conformance`),
 * from the sources: the root tsconfig maps the @hkey packages to their src, so a stale build never leaks in.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../src/generated/files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = await generatedFiles(await readFile(`${root}docs/conformance.md`, 'utf8'));
for (const [path, content] of Object.entries(files)) {
  await mkdir(dirname(`${root}${path}`), { recursive: true });
  await writeFile(`${root}${path}`, content);
  console.log(`wrote ${path}`);
}
