#!/usr/bin/env node
// npm links package bins before the root "prepare" script builds dist/, so the bin is this committed file,
// which loads the build when run.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const build = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(build)) {
  process.stderr.write('hkey is not built yet: run `npm run build` in the repository root, then try again.\n');
  process.exit(1);
}
await import(build.href);
