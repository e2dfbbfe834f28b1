import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOWS_DIR, listFlowIds, loadFlow } from '../../src/flow/loader.ts';
import { openDatabase } from '../../src/store/database.ts';
import { applyMigrations, defaultMigrationsDir, NO_FILTERS, pendingMigrations, readMigrationFiles, readMigrations } from '../../src/store/migrate.ts';
import { packageRoot } from '../../src/package-root.ts';
import { openEmbeddedDatabase, pgliteSession } from '../../src/store/pglite.ts';
import { createSchemaEngine } from '../../src/store/schema-engine.ts';
import { spawnCli, type CliProcess } from '../support/cli-process.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

/**
 * A first start killed (kill -9) at any moment starts cleanly the next time, on the embedded database and on PostgreSQL.
 * The kill points are made exact by the test-only hook SHENBAO_TEST_PAUSE_AT (src/store/migrate.ts: pauseForTest): the
 * process prints `SHENBAO_TEST_PAUSED <point>` and waits there to be killed.
 */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-first-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newFolder = () => join(tmp, `db-${++n}`, 'pglite');

/** Every table the migrations create, and Prisma's bookkeeping. */
const TABLES = [
  '_prisma_migrations',
  ...readdirSync(defaultMigrationsDir(), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [...readFileSync(join(defaultMigrationsDir(), e.name, 'migration.sql'), 'utf8').matchAll(/CREATE TABLE "(\w+)"/g)].map((m) => m[1]!)),
].sort();

const TABLES_SQL = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";

/** Starts `shenbao chat` and kills it with SIGKILL once it pauses at `point`. */
async function killAt(point: string, env: Record<string, string>): Promise<string> {
  const cli = spawnCli(['chat', '--user', 'first-start'], { ...env, SHENBAO_TEST_PAUSE_AT: point });
  await cli.waitFor(new RegExp(`SHENBAO_TEST_PAUSED ${point}`), 0, 60_000);
  cli.child.kill('SIGKILL');
  expect(await cli.exited).toBeNull();
  return cli.output();
}

/** A normal start: greets, takes an organisation name, asks the first question, exits at the end of input. */
async function converse(env: Record<string, string>): Promise<CliProcess> {
  const cli = spawnCli(['chat', '--user', 'first-start'], env);
  await cli.waitFor(/请先发送贵单位名称/, 0, 60_000);
  const mark = cli.output().length;
  cli.send('首冶新元');
  await cli.waitFor(/【一】1 单位名称/, mark);
  cli.child.stdin.end();
  expect(await cli.exited).toBe(0);
  return cli;
}

async function embeddedTables(dataDir: string): Promise<string[]> {
  const db = await openDatabase({ dataDir, migrate: false });
  try {
    const rows = await db.prisma.$queryRawUnsafe<{ table_name: string }[]>(TABLES_SQL);
    return rows.map((r) => r.table_name);
  } finally {
    await db.close();
  }
}

describe('the embedded database’s first start, killed', () => {
  it.each(['initdb', 'migration', 'rename'])('at %s: nothing is in place, and the next start makes the database and converses', async (point) => {
    const dataDir = newFolder();
    await killAt(point, { SHENBAO_DATA_DIR: dataDir });
    // Only the temporary folder (and the dead process's lock) is left; the target never appears half-made.
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(`${dataDir}.creating`)).toBe(true);

    await converse({ SHENBAO_DATA_DIR: dataDir });
    expect(existsSync(`${dataDir}.creating`)).toBe(false);
    expect(await embeddedTables(dataDir)).toEqual(TABLES);
  });

  it('while making the template (PGlite’s initdb, when none was made at install): the next run makes it again', async () => {
    const parent = join(tmp, 'template');
    mkdirSync(parent);
    const script = `const { ensureTemplate } = await import('./src/store/pglite.ts'); console.log('TEMPLATE ' + (await ensureTemplate(${JSON.stringify(parent)})));`;
    const run = (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: packageRoot(),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += String(chunk)));
      child.stderr.on('data', (chunk) => (out += String(chunk)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, exited, output: () => out };
    };

    const killed = run({ SHENBAO_TEST_PAUSE_AT: 'template' });
    await expect.poll(killed.output, { timeout: 60_000, interval: 100 }).toContain('SHENBAO_TEST_PAUSED template');
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(readdirSync(parent)).toEqual([expect.stringMatching(/^pglite-template-.+\.building-\d+$/)]);

    const again = run({});
    expect(await again.exited).toBe(0);
    const template = /TEMPLATE (\S+)/.exec(again.output())![1]!;
    // The dead process's half-made template is gone; the new one is whole.
    expect(readdirSync(parent)).toEqual([template.split('/').pop()]);
    expect(existsSync(join(template, 'PG_VERSION'))).toBe(true);
  });

  it('a folder that holds something else is refused in Chinese, and left alone', async () => {
    const dataDir = newFolder();
    mkdirSync(dataDir, { recursive: true });
    const precious = join(dataDir, '重要文件.txt');
    writeFileSync(precious, '别删');
    const cli = spawnCli(['chat'], { SHENBAO_DATA_DIR: dataDir });
    expect(await cli.exited).toBe(3);
    expect(cli.output()).toContain('不是空文件夹，也不是内嵌数据库');
    expect(readFileSync(precious, 'utf8')).toBe('别删');
  });
});

describe('PostgreSQL’s first start, killed during the migration', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  async function tables(): Promise<string[]> {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query<{ table_name: string }>(TABLES_SQL)).rows.map((r) => r.table_name);
    } finally {
      await client.end();
    }
  }

  it('leaves no table and no failed-migration record, and the next start migrates and converses', async () => {
    await killAt('migration', { DATABASE_URL: server.url });
    // The whole migration, its record and the bookkeeping table were one transaction: all rolled back.
    expect(await tables()).toEqual([]);

    await converse({ DATABASE_URL: server.url });
    expect(await tables()).toEqual(TABLES);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const records = await client.query('SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations');
    await client.end();
    expect(records.rows).toEqual((await readMigrationFiles()).map((f) => ({ migration_name: f.name, finished: true, rolled_back: false })));
  });
});

describe('bookkeeping shared with Prisma', () => {
  it('a migration Prisma’s engine left unfinished (P3009) is marked rolled back and applied again', async () => {
    const db = await openEmbeddedDatabase(newFolder());
    try {
      const session = pgliteSession(db.client);
      const files = await readMigrationFiles();
      const [init] = files;
      // What an interrupted `prisma migrate deploy` (or an earlier Shenbao) leaves: a started record, no tables.
      await db.client.exec(`CREATE TABLE "_prisma_migrations" (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL,
        finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)`);
      await db.client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)', ['interrupted', init!.checksum, init!.name]);

      expect((await applyMigrations(session)).applied).toEqual(files.map((f) => f.name));
      const rows = await db.client.query<{ id: string; finished: boolean; rolled_back: boolean }>(
        'SELECT id, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" ORDER BY started_at, id',
      );
      expect(rows.rows.find((r) => r.id === 'interrupted')).toEqual({ id: 'interrupted', finished: false, rolled_back: true });
      expect(rows.rows.filter((r) => r.finished && !r.rolled_back)).toHaveLength(files.length);

      // Prisma's own engine reads our records as complete: it has nothing to apply.
      const engine = await createSchemaEngine(db.adapter);
      try {
        expect(await engine.applyMigrations({ migrationsList: await readMigrations(), filters: NO_FILTERS })).toEqual({ appliedMigrationNames: [] });
      } finally {
        engine.free();
      }
    } finally {
      await db.close();
    }
  });

  it('a database migrated by Prisma’s engine (earlier versions of Shenbao) is up to date in one query', async () => {
    const db = await openEmbeddedDatabase(newFolder());
    try {
      const engine = await createSchemaEngine(db.adapter);
      try {
        await engine.applyMigrations({ migrationsList: await readMigrations(), filters: NO_FILTERS });
      } finally {
        engine.free();
      }
      const session = pgliteSession(db.client);
      expect(await pendingMigrations(session, await readMigrationFiles())).toEqual([]);
      expect(await applyMigrations(session)).toEqual({ applied: [], total: (await readMigrationFiles()).length });
    } finally {
      await db.close();
    }
  });
});

describe('flows at start-up', () => {
  it('a flow read from the validation cache is exactly the flow validated from its YAML', () => {
    // A copy outside flows/ is never cached: validated from the YAML every time.
    const copy = join(tmp, 'flows');
    cpSync(FLOWS_DIR, copy, { recursive: true });
    for (const id of listFlowIds()) {
      loadFlow(join(FLOWS_DIR, id)); // fills the cache if needed
      const cached = loadFlow(join(FLOWS_DIR, id));
      const fresh = loadFlow(join(copy, id));
      expect({ ...cached, dir: '' }).toStrictEqual({ ...fresh, dir: '' });
    }
    expect(readdirSync(join(packageRoot(), 'dist', 'flow-cache')).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(listFlowIds().length);
  });
});
