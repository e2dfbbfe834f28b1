#!/usr/bin/env node
// Runs the build in dist/ (made by `npm install` through scripts/build.js) when it is there and no file under src/ is
// newer; otherwise the TypeScript sources through tsx's loader, so a fresh clone, or a source just edited, needs no
// build step. Transpiling at every start costs ~0.3 s and ~80 MB of memory.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { currentBuild } from '../scripts/build-freshness.js';

// WebAssembly (PGlite, Prisma's query compiler) stays in V8's baseline compiler: optimising PGlite's hot functions
// in the background costs ~60 MB of memory, and our queries are small enough not to gain from it.
setFlagsFromString('--liftoff-only');

const built = process.env.SHENBAO_NO_BUILD === '1' ? null : currentBuild(fileURLToPath(new URL('..', import.meta.url)));

if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
