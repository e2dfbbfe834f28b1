#!/usr/bin/env node
// The start-up build (npm install runs it; `npm run build` by hand), two things bin/shenbao.js uses when present:
//   dist/cli.js                     the sources bundled into one ES module by esbuild (tsx's own copy), so that a start
//                                   does not transpile TypeScript; bin/shenbao.js falls back to tsx when it is missing
//                                   or older than any file under src/.
//   dist/pglite-template-<version>/ a freshly initialised embedded database, copied for every new one instead of running
//                                   PGlite's initdb (seconds, ~900 MB) at the first start.
// Both are in .gitignore. Without src/ (Docker's dependency layer installs before copying the sources) it does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli.ts');

if (!existsSync(entry) || !existsSync(join(root, 'src', 'generated', 'prisma', 'client.ts'))) {
  console.log('[build] no sources or no generated Prisma client yet: nothing to build');
  process.exit(0);
}

// esbuild as tsx ships it, so the build needs no dependency of its own.
const fromTsx = createRequire(createRequire(join(root, 'package.json')).resolve('tsx/package.json'));
const { build } = fromTsx('esbuild');

const started = Date.now();
await build({
  entryPoints: [entry],
  outfile: join(root, 'dist', 'cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // node_modules stay where they are; only our TypeScript (src/, including the generated Prisma client) is bundled.
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`[build] dist/cli.js in ${Date.now() - started} ms`);

// The template is made by the same code that uses it (src/store/pglite.ts), run through tsx.
const template = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--input-type=module', '-e', "const { ensureTemplate } = await import('./src/store/pglite.ts'); console.log('[build] ' + (await ensureTemplate()));"],
  { cwd: root, stdio: 'inherit' },
);
if (template.status !== 0) {
  // Not fatal: the first start makes the template itself, only slower.
  console.error('[build] could not prepare the embedded database template; the first start will make it');
}
