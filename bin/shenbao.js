#!/usr/bin/env node
// Runs the build in dist/ (made by `npm install` through scripts/build.js) when it is there and no file under src/ is
// newer; otherwise the TypeScript sources through tsx's loader, so a fresh clone, or a source just edited, needs no
// build step. Transpiling at every start costs ~0.3 s and ~80 MB of memory.
import '../scripts/runtime-flags.js';
import { fileURLToPath } from 'node:url';
import { currentBuild } from '../scripts/build-freshness.js';

const built = process.env.SHENBAO_NO_BUILD === '1' ? null : currentBuild(fileURLToPath(new URL('..', import.meta.url)));

if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
