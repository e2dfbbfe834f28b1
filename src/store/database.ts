// Opens Shenbao's database: PostgreSQL when DATABASE_URL says so (any number of processes can share
// it), otherwise the embedded PGlite in a local folder (one process, nothing to install).
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { releaseOutboxLeases } from './outbox-store.ts';
import { releaseJobLeases } from './job-store.ts';
import { applyMigrations, type MigrationResult, type MigrationSession } from './migrate.ts';
import { IN_MEMORY, openEmbeddedDatabase, pgliteSession } from './pglite.ts';
import { DatabaseUnavailableError, waitForPostgres } from './connect-postgres.ts';
import { pgliteSql, postgresSql, type SqlDatabase } from './sql.ts';

export { Prisma };
export type { PrismaClient };
export type { MigrationResult };
/** The client handed to `prisma.$transaction(async (tx) => …)`. */
export type TransactionClient = Prisma.TransactionClient;

export const DEFAULT_DATA_DIR = './data/pglite';

export interface Database {
  prisma: PrismaClient;
  /** Plain SQL on the same driver: the message path's reads and writes. */
  sql: SqlDatabase;
  kind: 'pglite' | 'postgres';
  /** Human-readable place of the data, without credentials: a folder, `memory://`, or host:port/db. */
  location: string;
  /** Applies pending migrations (done at open unless `migrate: false`). */
  migrate(): Promise<MigrationResult>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// or postgresql:// URL; defaults to env DATABASE_URL. Without one, PGlite is used. */
  databaseUrl?: string;
  /** PGlite folder, relative to the cwd; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.databaseUrl || process.env.DATABASE_URL || undefined;
  if (url && !POSTGRES_URL.test(url)) {
    // Falling back to PGlite here would quietly put the data somewhere nobody looks.
    throw new DatabaseUnavailableError(`DATABASE_URL 应以 postgres:// 或 postgresql:// 开头（现在是“${url.split(':')[0]}:…”）；不设置 DATABASE_URL 则使用内嵌数据库。`);
  }
  const opened = url ? await openPostgres(url) : await openPGlite(options.dataDir ?? DEFAULT_DATA_DIR, options.migrate !== false);
  try {
    const prisma = new PrismaClient({ adapter: opened.adapter });
    const database: Database = {
      prisma,
      sql: opened.sql,
      kind: opened.kind,
      location: opened.location,
      migrate: opened.migrate,
      close: async () => {
        await prisma.$disconnect();
        await opened.close();
      },
    };
    if (options.migrate !== false) {
      await database.migrate();
      // The embedded database is this process's alone (its lock): an outbox lease found now was held by a process
      // that died mid-send, and its entry goes out at once instead of when the lease would have run out.
      if (opened.sql.inProcess) {
        await releaseOutboxLeases(opened.sql);
        await releaseJobLeases(opened.sql);
      }
    }
    return database;
  } catch (error) {
    await opened.close();
    throw error;
  }
}

interface Opened {
  kind: Database['kind'];
  adapter: SqlMigrationAwareDriverAdapterFactory;
  sql: SqlDatabase;
  location: string;
  migrate(): Promise<MigrationResult>;
  close(): Promise<void>;
}

async function openPostgres(url: string): Promise<Opened> {
  // One pool shared by the client and the migration engine, ended once at close.
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', (error) => console.error('[store] idle PostgreSQL connection failed:', error.message));
  try {
    await waitForPostgres(pool, url);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const parsed = new URL(url);
  return {
    kind: 'postgres',
    adapter: new PrismaPg(pool),
    sql: postgresSql(pool),
    location: `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`,
    migrate: async () => {
      // One connection for the whole run: each migration is a transaction on it.
      const client = await pool.connect();
      let failed = false;
      try {
        return await applyMigrations(postgresSession(client));
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        client.release(failed);
      }
    },
    close: () => pool.end(),
  };
}

async function openPGlite(dataDir: string, migrateAtOpen: boolean): Promise<Opened> {
  const embedded = await openEmbeddedDatabase(dataDir.startsWith(IN_MEMORY) ? dataDir : resolve(dataDir), {
    // A new database is migrated before it is moved into place; the migrate() at open then finds nothing to do.
    initialise: migrateAtOpen ? (client) => applyMigrations(pgliteSession(client)) : undefined,
  });
  return {
    kind: 'pglite',
    adapter: embedded.adapter,
    sql: pgliteSql(embedded.client),
    location: embedded.location,
    migrate: () => applyMigrations(pgliteSession(embedded.client)),
    close: embedded.close,
  };
}

function postgresSession(client: pg.PoolClient): MigrationSession {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    exec: async (script: string) => void (await client.query(script)),
  };
}
