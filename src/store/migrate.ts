// Applies prisma/migrations/*/migration.sql the way `prisma migrate deploy` does (same engine, same
// `_prisma_migrations` bookkeeping), without the Prisma CLI's native binary.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { createSchemaEngine } from './schema-engine.ts';

export interface MigrationResult {
  /** Migrations applied by this call, oldest first; empty when the database was up to date. */
  applied: string[];
  /** Migrations in the folder, all of which are now applied. */
  total: number;
}

/** The package's root folder (the one with package.json), found from this file rather than the cwd. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'prisma', 'migrations');
}

/** Reads a migrations folder into the engine's input, in name (= timestamp) order. */
export async function readMigrations(migrationsDir = defaultMigrationsDir()): Promise<MigrationList> {
  const entries = existsSync(migrationsDir) ? await readdir(migrationsDir, { withFileTypes: true }) : [];
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => {
        const file = join(migrationsDir, name, 'migration.sql');
        const content = await readFile(file, 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        );
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
    ),
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * Applies the migrations not yet recorded in the database's `_prisma_migrations` table.
 * Idempotent: a second call applies nothing. On PostgreSQL the engine takes an advisory lock,
 * so several processes starting at once apply each migration once.
 */
export async function applyMigrations(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  options: { migrationsDir?: string } = {},
): Promise<MigrationResult> {
  const migrationsList = await readMigrations(options.migrationsDir);
  const engine = await createSchemaEngine(adapter);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: appliedMigrationNames, total: migrationsList.migrationDirectories.length };
  } finally {
    engine.free();
  }
}
