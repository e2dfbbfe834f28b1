#!/usr/bin/env node
// Runs the build in dist/ (made by `npm install` through scripts/build.js) when it is there and no file under src/ is
// newer; otherwise the TypeScript sources through tsx's loader, so a fresh clone, or a source just edited, needs no
// build step. Transpiling at every start costs ~0.3 s and ~80 MB of memory.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// WebAssembly (PGlite, Prisma's query compiler) stays in V8's baseline compiler: optimising PGlite's hot functions
// in the background costs ~60 MB of memory, and our queries are small enough not to gain from it.
setFlagsFromString('--liftoff-only');

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli.js');

/** The newest modification time of any file under `dir` (none when there are no sources: the build is all there is). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (process.env.SHENBAO_NO_BUILD !== '1' && existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
