import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openChat, SECTION_ONE, TODAY, type ChatHarness } from '../support/chat.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';
import { Router } from '../../src/bot/router.ts';
import { OutboxSender } from '../../src/bot/sender.ts';
import { plainText } from '../../src/bot/views.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { openDatabase } from '../../src/store/database.ts';
import { enqueuePush } from '../../src/store/outbox-store.ts';

/**
 * The message path every channel shares: one chat at a time across processes, each reply through the outbox once, each
 * operator's own place in a declaration, and an ordinary message in at most five round trips to the database.
 */

let server: TestPostgres;
const freshDatabase = () => createDatabase(server, 'path');

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());

const backends = [
  // Delivering a reply is a claim and a mark, one round trip each.
  { name: 'PGlite', open: () => openChat(), deliveryTrips: 2 },
  { name: 'PostgreSQL', open: async () => openChat({ databaseUrl: await freshDatabase() }), deliveryTrips: 2 },
];

/** 王五 opens the declaration and answers its first four questions; 李四 joins it. */
async function twoOperators(chat: ChatHarness) {
  const [a, b] = [{ user: '王五' }, { user: '李四' }];
  await chat.say('/start', a);
  await chat.say('首冶新元', a);
  await chat.sayAll(SECTION_ONE.slice(0, 4), a);
  await chat.say('/start', b);
  return { a, b, joined: await chat.say('首冶新元', b) };
}

describe.each(backends)('on $name', ({ open, deliveryTrips }) => {
  it('an answer, 返回, 修改 and a section 确认 each cost at most five round trips', async () => {
    const chat = await open();
    const trips = async (text: string) => {
      const reply = await chat.say(text);
      // Delivering the reply is the sender's work, after the commit: claim it, mark it sent.
      expect(chat.lastTrips.delivery).toBe(deliveryTrips);
      return { reply, trips: chat.lastTrips.handle };
    };
    await chat.say('/start');
    await chat.say('首冶新元');
    const answer = await trips('是');
    expect(answer.reply).toContain('【一】2 基地名称');
    expect(answer.trips).toBeLessThanOrEqual(5);
    const back = await trips('返回');
    expect(back.reply).toContain('【一】1 单位名称');
    expect(back.trips).toBeLessThanOrEqual(5);
    await chat.sayAll(SECTION_ONE);
    const edit = await trips('修改 2');
    expect(edit.reply).toContain('【一】2 基地名称');
    expect(edit.trips).toBeLessThanOrEqual(5);
    await chat.say('首冶新元创新基地二期');
    const confirm = await trips('确认');
    expect(confirm.reply).toContain('✅ 【一】基本情况 已完成');
    expect(confirm.trips).toBeLessThanOrEqual(5);
    await chat.close();
  });

  it('two operators of one organisation answer different questions at the same moment: each answer lands where its operator meant it', async () => {
    const chat = await open();
    const { a, b, joined } = await twoOperators(chat);
    // 李四 joins where the declaration stands: the first question nobody has answered.
    expect(joined).toContain('第 5/26 题\n四（一）1 是否具有独立法人资格');
    // 王五 goes back to correct the 注册时间 while 李四 answers the next question.
    expect(await chat.say('返回', a)).toContain('第 4/26 题');
    const [ra, rb] = await Promise.all([chat.say('2016-03-01', a), chat.say('是', b)]);
    const d = await chat.db.prisma.declaration.findFirstOrThrow();
    const answers = await loadAnswers(chat.db.prisma, d.id);
    expect(answers.reg_date?.value).toBe('2016-03-01');
    expect(answers.legal_person?.value).toBe(true);
    // Each goes on from their own place, past what the other answered — or, if 王五's answer was decided first, at
    // the question 李四 was answering in that moment.
    expect(rb).toContain('第 6/26 题');
    expect(ra).toMatch(/第 [56]\/26 题/);
    const history = await chat.db.prisma.answerHistory.findMany({ where: { questionId: { in: ['reg_date', 'legal_person'] } }, orderBy: { createdAt: 'asc' } });
    expect(history.map((h) => [h.questionId, h.newValue])).toEqual(expect.arrayContaining([['reg_date', '2016-03-01'], ['legal_person', true]]));
    await chat.close();
  });

  it('when one operator changes the answer the other is looking at, the other is told who and what it is now', async () => {
    const chat = await open();
    const { a, b } = await twoOperators(chat);
    // Both are at the fifth question; 王五 answers it, then 李四 comes back to the chat.
    await chat.say('是', a);
    const told = await chat.say('/start', b);
    expect(told).toContain('注意：王五 刚刚修改了本题（四（一）1 是否具有独立法人资格），当前答案：是。');
    // Said once: the next message carries no notice.
    expect(await chat.say('/start', b)).not.toContain('刚刚修改了本题');
    await chat.close();
  });
});

describe.each(backends)('a transaction whose last batch fails, on $name', ({ open }) => {
  it('leaves no transaction open: the next message on that connection is handled', async () => {
    const chat = await open();
    await chat.say('/start');
    // Every pooled connection fails at once in the batch that was to commit (as the outbox's bookkeeping could).
    const failing = Array.from({ length: 12 }, () => chat.db.sql.transaction((tx) => tx.commitWith([{ text: 'SELECT 1/0' }])).catch((e: unknown) => e));
    for (const error of await Promise.all(failing)) expect(String(error)).toMatch(/division by zero/);
    expect(await chat.say('首冶新元')).toContain('已确认');
    expect(await chat.db.prisma.declaration.count()).toBe(1);
    await chat.close();
  });
});

describe('text the database must store as it was typed', () => {
  it('quotes, backslashes, SQL and a NUL character in an answer are saved as text, and nothing breaks', async () => {
    const chat = await openChat();
    await chat.say('/start');
    await chat.say('首冶新元');
    await chat.say('是');
    const name = "首冶'新元\\基地\"; DROP TABLE \"Answer\"; --";
    const reply = await chat.say(`${name.slice(0, 4)}\u0000${name.slice(4)}`);
    expect(reply).toContain('【一】3 注册所在区');
    const d = await chat.db.prisma.declaration.findFirstOrThrow();
    expect((await loadAnswers(chat.db.prisma, d.id)).base_name?.value).toBe(name);
    await chat.close();
  });
});

describe('two processes on one PostgreSQL', () => {
  it('one chat’s messages, each delivered to both at once, give the answers one process gives, every reply sent once and in order', async () => {
    const messages = ['/start', '首冶新元', ...SECTION_ONE.slice(0, 12)];
    // One process, for reference.
    const single = await openChat({ databaseUrl: await freshDatabase() });
    const expected: string[] = [];
    for (const text of messages) expected.push(await single.say(text, { user: 'op' }));
    const reference = await loadAnswers(single.db.prisma, (await single.db.prisma.declaration.findFirstOrThrow()).id);
    await single.close();

    // Two "processes": two routers with their own connection pools and their own senders, like two bot instances.
    const url = await freshDatabase();
    const flows = [getFlow('beijing-base-2023')];
    const dbs = [await openDatabase({ databaseUrl: url }), await openDatabase({ databaseUrl: url })];
    const routers = dbs.map((db) => new Router({ trusted: () => true, db, flows, now: () => TODAY }));
    const delivered: string[] = [];
    const senders = dbs.map((db) => new OutboxSender({ sql: db.sql, channel: 'test', pollMs: 5, deliver: async (_chat, views) => void delivered.push(plainText(views)) }));
    senders.forEach((s) => s.start());
    try {
      for (const [i, text] of messages.entries()) {
        const inbound = { channel: 'test' as const, chatId: 'op', userId: 'op', text, idempotencyKey: `m-${i}` };
        // A platform redelivering to a second instance while the first is still at it.
        const results = await Promise.all(routers.map((r) => r.handle(inbound)));
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      }
      const deadline = Date.now() + 10_000;
      while (delivered.length < messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(delivered).toEqual(expected);
      const answers = await loadAnswers(dbs[0].prisma, (await dbs[0].prisma.declaration.findFirstOrThrow()).id);
      expect(answers).toEqual(reference);
      expect(await dbs[0].prisma.outbox.count({ where: { sentAt: null } })).toBe(0);
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('what one process holds of a declaration is read afresh once another process has changed it', async () => {
    const url = await freshDatabase();
    const [one, two] = [await openChat({ databaseUrl: url }), await openChat({ databaseUrl: url })];
    try {
      const [a, b] = [{ user: '王五' }, { user: '李四' }];
      await one.say('/start', a);
      await one.say('首冶新元', a);
      await one.sayAll(SECTION_ONE.slice(0, 4), a);
      // 李四, served by the other process, corrects the 注册时间 王五 gave.
      await two.say('/start', b);
      await two.say('首冶新元', b);
      await two.say('修改 【一】4', b);
      await two.say('2016-03-01', b);
      // 王五's process held the declaration as it was; his next view of it has 李四's date.
      expect(await one.say('查看', a)).toContain('2016-03-01');
      expect(await one.say('查看', a)).not.toContain('2015-06-01');
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('two senders draining one chat’s queue at once send each entry once, in order', async () => {
    const url = await freshDatabase();
    const dbs = [await openDatabase({ databaseUrl: url }), await openDatabase({ databaseUrl: url })];
    const delivered: string[] = [];
    const senders = dbs.map((db) => new OutboxSender({ sql: db.sql, channel: 'test', pollMs: 1, deliver: async (_chat, views) => void delivered.push(plainText(views)) }));
    try {
      const notices = Array.from({ length: 150 }, (_, i) => `通知 ${i + 1}`);
      for (const text of notices) await enqueuePush(dbs[0].sql, { channel: 'test', chatId: 'op', views: [{ kind: 'text', text }] });
      senders.forEach((s) => s.start());
      const deadline = Date.now() + 20_000;
      while (delivered.length < notices.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(delivered).toEqual(notices);
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
      await Promise.all(dbs.map((db) => db.close()));
    }
  });
});

describe('the embedded database’s sender', () => {
  it('two drains of one chat at once (the timer’s and a kick’s) send each entry once, in order; a failed one waits and is tried again, counted', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'shenbao-sender-'));
    const db = await openDatabase({ dataDir: join(dir, 'db') });
    const delivered: string[] = [];
    const failures: string[] = [];
    let refuse = true;
    const deliver = async (_chat: string, views: Parameters<typeof plainText>[0]) => {
      const text = plainText(views);
      // The platform refuses the 10th notice once (as a rate limit would).
      if (text === '通知 10' && refuse) {
        refuse = false;
        throw new Error('rate limited');
      }
      delivered.push(text);
    };
    const senders = [0, 1].map(() => new OutboxSender({ sql: db.sql, channel: 'test', pollMs: 1, retrySeconds: 1, deliver, log: (line) => failures.push(line) }));
    try {
      const notices = Array.from({ length: 40 }, (_, i) => `通知 ${i + 1}`);
      for (const text of notices) await enqueuePush(db.sql, { channel: 'test', chatId: 'op', views: [{ kind: 'text', text }] });
      senders.forEach((s) => s.start());
      const deadline = Date.now() + 20_000;
      while (delivered.length < notices.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      // Nothing after the refused notice overtook it: the chat waited for its retry.
      expect(delivered).toEqual(notices);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain('(attempt 1) failed: rate limited');
      const [row] = await db.sql.query<{ attempts: number }>(`SELECT "attempts" FROM "Outbox" WHERE "views"::text LIKE '%通知 10"%'`);
      expect(row.attempts).toBe(1);
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
