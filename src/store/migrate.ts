// Applies prisma/migrations/*/migration.sql with Prisma's own bookkeeping (`_prisma_migrations`, same columns, same
// checksums), so `prisma migrate deploy` and `prisma migrate status` agree with us wherever the CLI can run.
//
// Unlike Prisma's engine, each migration runs in one transaction together with its bookkeeping row: a process killed
// half-way leaves neither tables nor a "failed migration" record behind, and the next start simply applies it again.
// A migration script must therefore be able to run inside a transaction (no CREATE INDEX CONCURRENTLY, no BEGIN/COMMIT
// of its own) — Prisma's generated scripts are. Checking that everything is applied is one query, so a start-up on a
// migrated database does not load Prisma's schema engine (WASM) at all.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { packageRoot } from '../package-root.ts';
import { DatabaseUnavailableError } from './connect-postgres.ts';

export interface MigrationResult {
  /** Migrations applied by this call, oldest first; empty when the database was up to date. */
  applied: string[];
  /** Migrations in the folder, all of which are now applied. */
  total: number;
}

/** One database session to migrate on: a PostgreSQL connection of its own, or PGlite (which is one session). */
export interface MigrationSession {
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements in one round trip (simple query protocol). */
  exec(script: string): Promise<void>;
}

export interface MigrationFile {
  /** Folder name: a UTC timestamp and a name, e.g. 20261121090706_init. */
  name: string;
  script: string;
  /** As Prisma computes it: SHA-256 of the file, hex. */
  checksum: string;
}

export function defaultMigrationsDir(): string {
  return join(packageRoot(), 'prisma', 'migrations');
}

/** The migrations folder, in name (= timestamp) order. */
export async function readMigrationFiles(migrationsDir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const entries = existsSync(migrationsDir) ? await readdir(migrationsDir, { withFileTypes: true }) : [];
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: createHash('sha256').update(script).digest('hex') };
    }),
  );
}

/** Reads a migrations folder into the schema engine's input (for scripts/make-migration.ts), in name order. */
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

/** The key of Prisma's migration advisory lock, so that we and `prisma migrate deploy` never migrate at once. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Prisma's table, as its engine creates it on PostgreSQL. */
const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

/** Migrations of `files` not yet applied, in one query; a database without the bookkeeping table has all pending. */
export async function pendingMigrations(session: MigrationSession, files: MigrationFile[]): Promise<MigrationFile[]> {
  let rows: AppliedRow[];
  try {
    rows = await session.query<AppliedRow>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return files; // undefined_table: a new database
    throw error;
  }
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  for (const file of files) {
    const checksum = applied.get(file.name);
    // Prisma only warns about this too: the database keeps what the original file did.
    if (checksum && checksum !== file.checksum) {
      console.error(`[store] migration ${file.name} was changed after it was applied; the database keeps the applied version`);
    }
  }
  return files.filter((file) => !applied.has(file.name));
}

/**
 * Applies the migrations not yet recorded as finished in `_prisma_migrations`, oldest first, each in one transaction
 * with its record. Idempotent; several processes starting at once apply each migration once (Prisma's advisory lock,
 * taken per transaction). A record of a migration that never finished (left by Prisma's engine or an older version
 * of Shenbao) is marked rolled back, as `prisma migrate resolve --rolled-back` would, and the migration applied again.
 */
export async function applyMigrations(
  session: MigrationSession,
  options: { migrationsDir?: string; files?: MigrationFile[] } = {},
): Promise<MigrationResult> {
  const files = options.files ?? (await readMigrationFiles(options.migrationsDir));
  const pending = await pendingMigrations(session, files);
  const applied: string[] = [];
  for (const file of pending) {
    if (await applyOne(session, file)) applied.push(file.name);
  }
  return { applied, total: files.length };
}

/** One migration and its record in one transaction; false when another process applied it meanwhile. */
async function applyOne(session: MigrationSession, file: MigrationFile): Promise<boolean> {
  await session.exec('BEGIN');
  try {
    await session.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await session.exec(CREATE_BOOKKEEPING);
    const done = await session.query(
      'SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL',
      [file.name],
    );
    if (done.length > 0) {
      await session.exec('COMMIT');
      return false;
    }
    await session.query(
      'UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL',
      [file.name],
    );
    const id = randomUUID();
    await session.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, file.checksum, file.name],
    );
    try {
      await session.exec(file.script);
    } catch (error) {
      const e = error as { message?: string };
      throw new DatabaseUnavailableError(
        `数据库迁移 ${file.name} 执行失败，已回滚，数据库保持迁移前的状态：${e.message ?? String(error)}。` +
          '请检查数据库（例如是否有同名的表是以前手工建的），处理后重新启动或运行 shenbao db migrate。',
      );
    }
    await pauseForTest('migration');
    await session.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
    await session.exec('COMMIT');
    return true;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * TEST-ONLY hook: with SHENBAO_TEST_PAUSE_AT=<point>, the process prints `SHENBAO_TEST_PAUSED <point>` on stderr and
 * waits there forever, so that test/integration/first-start.test.ts can kill it at exactly that moment. Points:
 * `template` (PGlite's initdb has written the template folder, not yet closed: only when there was no template),
 * `initdb` (a new embedded database copied into its temporary folder, not yet migrated), `migration` (a migration
 * executed but not committed), `rename` (a new embedded database complete, not yet moved into place), `deliver:<n>`
 * (a sender's n-th delivery: its outbox entry committed, not yet sent). Never set it
 * in production.
 */
export async function pauseForTest(point: string): Promise<void> {
  if (process.env.SHENBAO_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`SHENBAO_TEST_PAUSED ${point}\n`);
  setInterval(() => undefined, 1 << 30);
  await new Promise(() => undefined);
}
