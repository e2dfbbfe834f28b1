import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFeishuStandin, type FeishuStandin } from '../support/feishu-standin.ts';
import { createDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { feishuConfig, startFeishu, type RunningFeishu } from '../../src/channels/feishu/start.ts';
import { openChat, SECTION_ONE, TODAY } from '../support/chat.ts';

/**
 * Two assistants on one PostgreSQL, each holding a long connection: Feishu gives each event to one of them at random
 * (the stand-in does the same), so one chat's messages are split between them. The answers must be those one process
 * gives, every reply sent once.
 */

const UNIT = '北京首冶新元科技发展有限公司';

let server: TestPostgres;
let standin: FeishuStandin;
let dir: string;
const running: RunningFeishu[] = [];
const databases: Database[] = [];
const handled = [0, 0];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-feishu-2p-'));
  server = await startPostgres();
  const url = await createDatabase(server, 'feishu');
  standin = await startFeishuStandin();
  for (const i of [0, 1]) {
    const db = await openDatabase({ databaseUrl: url });
    databases.push(db);
    const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
    const handle = router.handle.bind(router);
    router.handle = (inbound) => {
      handled[i]++;
      return handle(inbound);
    };
    const config = feishuConfig({ FEISHU_APP_ID: standin.appId, FEISHU_APP_SECRET: standin.appSecret, FEISHU_DOMAIN: standin.domain, FEISHU_CHAT_PER_SECOND: '50' });
    running.push(await startFeishu(config, { router, sql: db.sql, store: new FileStore(join(dir, `files-${i}`)), log: () => undefined }));
  }
  for (const deadline = Date.now() + 5000; standin.connections() < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
}, 60_000);

afterAll(async () => {
  for (const r of running) await r.stop();
  await standin?.close();
  for (const db of databases) await db.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Row = { questionId: string; value: unknown };
const answersOf = (db: Database) => db.sql.query<Row>(`SELECT "questionId", "value" FROM "Answer" ORDER BY "questionId"`);

describe('two processes, one chat', () => {
  it('split one chat’s messages between them and save what one process saves, each reply once', async () => {
    expect(standin.connections()).toBe(2);
    const user = standin.user({ name: '张三' });
    const messages = [UNIT, ...SECTION_ONE, '确认'];
    for (const text of messages) expect((await user.sendText(text)).code).toBe(200);
    for (const r of running) r.channel.sender.kick();
    await user.waitForMessages(messages.length, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(user.messages()).toHaveLength(messages.length);
    expect(handled[0]).toBeGreaterThan(0);
    expect(handled[1]).toBeGreaterThan(0);

    const one = await openChat();
    try {
      await one.sayAll(messages);
      expect(await answersOf(databases[0])).toEqual(await answersOf(one.db));
    } finally {
      await one.close();
    }
  }, 60_000);
});
