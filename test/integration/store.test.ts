// The persistence layer against every database it can run on: PGlite in memory, PGlite in a folder,
// and a real PostgreSQL server. Same migrations, same client, same behaviour.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, Prisma, type Database, type OpenDatabaseOptions } from '../../src/store/database.ts';
import { isUniqueViolation } from '../../src/store/errors.ts';
import { packageRoot } from '../../src/package-root.ts';
import { runMigrateCommand } from '../../src/store/migrate-command.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

/** The migrations in prisma/migrations, oldest first. */
const MIGRATIONS = readdirSync(join(import.meta.dirname, '../../prisma/migrations'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Backend {
  name: string;
  kind: Database['kind'];
  /** Whether the data outlives the connection. */
  persistent: boolean;
  /** Options reaching a database nobody has migrated yet. */
  setup(): Promise<OpenDatabaseOptions>;
  teardown(): Promise<void>;
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shenbao-store-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

let server: TestPostgres | undefined;
const backends: Backend[] = [
  { name: 'PGlite in memory', kind: 'pglite', persistent: false, setup: async () => ({ dataDir: 'memory://' }), teardown: async () => undefined },
  {
    name: 'PGlite in a folder',
    kind: 'pglite',
    persistent: true,
    // A folder that does not exist yet: openDatabase creates it.
    setup: async () => ({ dataDir: join(await tempDir(), 'nested', 'pglite') }),
    teardown: async () => undefined,
  },
  {
    name: 'PostgreSQL',
    kind: 'postgres',
    persistent: true,
    setup: async () => {
      server = await startPostgres();
      return { databaseUrl: server.url };
    },
    teardown: async () => server?.stop(),
  },
];

describe.each(backends)('store on $name', (backend) => {
  let options: OpenDatabaseOptions;
  let db: Database;

  beforeAll(async () => {
    options = await backend.setup();
    db = await openDatabase({ ...options, migrate: false });
  });
  afterAll(async () => {
    await db?.close();
    await backend.teardown();
  });

  it('applies the migrations once and records them', async () => {
    expect(db.kind).toBe(backend.kind);
    const first = await db.migrate();
    expect(first.applied).toEqual(MIGRATIONS);
    expect(first.applied[0]).toMatch(/^\d{14}_init$/);
    expect(await db.migrate()).toEqual({ applied: [], total: MIGRATIONS.length });

    const recorded = await db.prisma.$queryRaw<{ migration_name: string; finished: boolean }[]>`
      SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name`;
    expect(recorded).toEqual(MIGRATIONS.map((name) => ({ migration_name: name, finished: true })));
  });

  // An in-memory database is gone once closed: there is nothing to reopen.
  it.skipIf(!backend.persistent)('the migrate command finds the database up to date and says so in Chinese', async () => {
    // PGlite serves one process at a time, so the suite's own connection lets go of the folder first.
    if (backend.kind === 'pglite') await db.close();
    expect(await runMigrateCommand(options)).toContain(`数据库已是最新（已应用 ${MIGRATIONS.length} 个迁移）`);
    if (backend.kind === 'pglite') db = await openDatabase(options);
  });

  it('stores and reads back every model, JSON with Chinese text and nesting included', async () => {
    const { prisma } = db;
    const organisation = await prisma.organisation.create({
      data: {
        flowId: 'beijing-base-2023',
        seq: 7,
        unitName: '北京创新创业示范基地',
        district: '海淀区',
        category: '示范基地',
        extra: { 联系人: '张三', 电话: ['010-12345678'], 地址: { 区: '海淀', 门牌: 12 } },
      },
    });
    const user = await prisma.user.create({ data: { displayName: '李四' } });
    expect(user.role).toBe('operator');
    const identity = await prisma.chatIdentity.create({
      data: { channel: 'telegram', externalId: '42', userId: user.id, chatState: { 步骤: '选择单位', 候选: [1, 2] } },
    });
    const declaration = await prisma.declaration.create({
      data: { organisationId: organisation.id, flowId: 'beijing-base-2023', createdById: user.id, currentSectionId: 'basic' },
    });
    await prisma.chatIdentity.update({ where: { id: identity.id }, data: { activeDeclarationId: declaration.id } });
    await prisma.answer.create({
      data: { declarationId: declaration.id, questionId: 'revenue', value: { amount: '1234.50', 单位: '万元' }, updatedById: user.id },
    });
    await prisma.answer.create({ data: { declarationId: declaration.id, questionId: 'website', value: Prisma.DbNull, skipped: true, note: '暂无网站' } });
    await prisma.answerHistory.create({
      data: { declarationId: declaration.id, questionId: 'revenue', oldValue: Prisma.DbNull, newValue: { amount: '1234.50' }, userId: user.id, channel: 'telegram', note: '首次填写' },
    });
    await prisma.sectionProgress.create({
      data: { declarationId: declaration.id, sectionId: 'basic', status: 'in_progress', snapshot: { value: 'asking', context: { 问题: ['revenue'] } } },
    });
    await prisma.processedMessage.create({ data: { key: 'telegram:1001', channel: 'telegram', declarationId: declaration.id } });
    await prisma.outbox.create({ data: { channel: 'telegram', chatId: '42', inboundKey: 'telegram:1001', views: [{ kind: 'text', text: '已保存' }] } });

    const loaded = await prisma.declaration.findUniqueOrThrow({
      where: { organisationId_flowId: { organisationId: organisation.id, flowId: 'beijing-base-2023' } },
      include: { organisation: true, answers: { orderBy: { questionId: 'asc' } }, history: true, sections: true },
    });
    expect(loaded.status).toBe('in_progress');
    expect(loaded.organisation.extra).toEqual({ 联系人: '张三', 电话: ['010-12345678'], 地址: { 区: '海淀', 门牌: 12 } });
    expect(loaded.answers.map((a) => [a.questionId, a.value, a.skipped, a.note])).toEqual([
      ['revenue', { amount: '1234.50', 单位: '万元' }, false, null],
      ['website', null, true, '暂无网站'],
    ]);
    expect(loaded.history[0]).toMatchObject({ oldValue: null, newValue: { amount: '1234.50' }, channel: 'telegram', note: '首次填写' });
    expect(loaded.sections[0]?.snapshot).toEqual({ value: 'asking', context: { 问题: ['revenue'] } });
    expect(loaded.updatedAt).toBeInstanceOf(Date);

    const who = await prisma.chatIdentity.findUniqueOrThrow({
      where: { channel_externalId: { channel: 'telegram', externalId: '42' } },
      include: { user: true },
    });
    expect(who.user.displayName).toBe('李四');
    expect(who.chatState).toEqual({ 步骤: '选择单位', 候选: [1, 2] });
    expect(who.activeDeclarationId).toBe(declaration.id);
    expect((await prisma.outbox.findFirstOrThrow({ where: { inboundKey: 'telegram:1001' } })).views).toEqual([{ kind: 'text', text: '已保存' }]);

    // Prisma.DbNull is SQL NULL; Prisma.JsonNull is the JSON value null. Both read back as null,
    // but only a filter tells them apart.
    await prisma.answer.create({ data: { declarationId: declaration.id, questionId: 'json-null', value: Prisma.JsonNull } });
    expect((await prisma.answer.findFirstOrThrow({ where: { questionId: 'json-null' } })).value).toBeNull();
    const sqlNulls = await prisma.answer.findMany({ where: { declarationId: declaration.id, value: { equals: Prisma.DbNull } } });
    expect(sqlNulls.map((a) => a.questionId)).toEqual(['website']);
  });

  it('a redelivered message is detectable as a unique violation, other errors are not', async () => {
    const { prisma } = db;
    await prisma.processedMessage.create({ data: { key: 'feishu:evt-1', channel: 'feishu' } });
    const again = await prisma.processedMessage.create({ data: { key: 'feishu:evt-1', channel: 'feishu' } }).catch((e: unknown) => e);
    expect(isUniqueViolation(again)).toBe(true);
    const raw = await prisma.$executeRaw`INSERT INTO "ProcessedMessage" (key, channel) VALUES ('feishu:evt-1', 'feishu')`.catch((e: unknown) => e);
    expect(isUniqueViolation(raw)).toBe(true);

    const missingParent = await prisma.answer
      .create({ data: { declarationId: 'no-such-declaration', questionId: 'q', value: 1 } })
      .catch((e: unknown) => e);
    expect(missingParent).toBeInstanceOf(Error);
    expect(isUniqueViolation(missingParent)).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
  });

  it('a transaction that throws leaves nothing behind', async () => {
    const { prisma } = db;
    const organisation = await prisma.organisation.create({ data: { flowId: 'tx', seq: 1, unitName: '回滚测试单位' } });
    const declaration = await prisma.declaration.create({ data: { organisationId: organisation.id, flowId: 'tx' } });

    const failure = await prisma
      .$transaction(async (tx) => {
        await tx.$executeRaw`SELECT id FROM "Declaration" WHERE id = ${declaration.id} FOR UPDATE`;
        await tx.answer.create({ data: { declarationId: declaration.id, questionId: 'q1', value: '不应保存' } });
        await tx.processedMessage.create({ data: { key: 'tx:1', channel: 'console', declarationId: declaration.id } });
        await tx.declaration.update({ where: { id: declaration.id }, data: { status: 'submitted' } });
        throw new Error('校验失败');
      })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe('校验失败');

    expect(await prisma.answer.count({ where: { declarationId: declaration.id } })).toBe(0);
    expect(await prisma.processedMessage.findUnique({ where: { key: 'tx:1' } })).toBeNull();
    expect((await prisma.declaration.findUniqueOrThrow({ where: { id: declaration.id } })).status).toBe('in_progress');

    // The same work without the throw commits, and the connection is healthy after the rollback.
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT id FROM "Declaration" WHERE id = ${declaration.id} FOR UPDATE`;
      await tx.answer.create({ data: { declarationId: declaration.id, questionId: 'q1', value: '已保存' } });
    });
    expect((await prisma.answer.findFirstOrThrow({ where: { declarationId: declaration.id } })).value).toBe('已保存');
  });

  it('FOR UPDATE serialises concurrent read-modify-write transactions on one declaration', async () => {
    const { prisma } = db;
    const organisation = await prisma.organisation.create({ data: { flowId: 'lock', seq: 1, unitName: '并发测试单位' } });
    const declaration = await prisma.declaration.create({ data: { organisationId: organisation.id, flowId: 'lock' } });
    await prisma.answer.create({ data: { declarationId: declaration.id, questionId: 'counter', value: 0 } });
    const where = { declarationId_questionId: { declarationId: declaration.id, questionId: 'counter' } };

    await Promise.all(
      Array.from({ length: 5 }, () =>
        prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT id FROM "Declaration" WHERE id = ${declaration.id} FOR UPDATE`;
          const current = (await tx.answer.findUniqueOrThrow({ where })).value as number;
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.answer.update({ where, data: { value: current + 1 } });
        }),
      ),
    );
    expect((await prisma.answer.findUniqueOrThrow({ where })).value).toBe(5);
  });
});

describe('PGlite in a folder, across processes', () => {
  it('keeps data written before a kill -9, and the next process opens the folder normally', async () => {
    const dataDir = join(await tempDir(), 'pglite');
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'crash-writer.ts'), dataDir], {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /WRITTEN (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
    });

    // While the writer is alive, a second process is refused rather than corrupting the folder.
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by process/);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = await openDatabase({ dataDir });
    try {
      const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { id } });
      expect(organisation.unitName).toBe('崩溃前写入的单位');
      expect(organisation.extra).toEqual({ 备注: '写入后进程被 kill -9' });
      await db.prisma.organisation.create({ data: { flowId: 'crash-test', seq: 2, unitName: '重启后写入' } });
      expect(await db.prisma.organisation.count({ where: { flowId: 'crash-test' } })).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('the migrate command reports what it applied on a new folder', async () => {
    const dataDir = join(await tempDir(), 'fresh');
    expect(await runMigrateCommand({ dataDir })).toContain(`已应用 ${MIGRATIONS.length} 个新迁移（${MIGRATIONS.join('、')}），共 ${MIGRATIONS.length} 个迁移`);
    expect(await runMigrateCommand({ dataDir })).toContain(`数据库已是最新（已应用 ${MIGRATIONS.length} 个迁移）`);
  });
});

describe('PostgreSQL permissions', () => {
  it('migrations apply for a role that may create tables but not schemas (usual on managed servers)', async () => {
    const cluster = await startPostgres();
    try {
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query('CREATE ROLE app LOGIN; GRANT ALL ON SCHEMA public TO app; REVOKE CREATE ON DATABASE shenbao FROM PUBLIC');
      await admin.end();
      const summary = await runMigrateCommand({ databaseUrl: cluster.url.replace('postgres@', 'app@') });
      expect(summary).toMatch(new RegExp(`^PostgreSQL（127\\.0\\.0\\.1:\\d+/shenbao）：已应用 ${MIGRATIONS.length} 个新迁移`));
    } finally {
      await cluster.stop();
    }
  });

  it('openDatabase refuses a DATABASE_URL that is not PostgreSQL instead of silently using PGlite', async () => {
    await expect(openDatabase({ databaseUrl: 'mysql://localhost/shenbao' })).rejects.toThrow(/postgres:\/\//);
  });
});
