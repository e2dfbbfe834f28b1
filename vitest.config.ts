import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // PGlite takes ~3 s to start and the PostgreSQL tests start a cluster: generous limits.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file in its own process: PGlite and the WASM engines keep per-process state.
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
  },
});
