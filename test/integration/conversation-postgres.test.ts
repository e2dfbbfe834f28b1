import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openChat, SECTION_ONE, type ChatHarness } from '../support/chat.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';

/** The declaration conversation on a real PostgreSQL server (Debian's package), with two routers sharing it. */

let server: TestPostgres;
const freshDatabase = () => createDatabase(server, 'conv');

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());

describe('on PostgreSQL', () => {
  it('runs 【一】 to its review, keeps answers across a new process, and flips a threshold on edit', async () => {
    const url = await freshDatabase();
    let chat: ChatHarness = await openChat({ databaseUrl: url });
    expect(chat.db.kind).toBe('postgres');
    await chat.say('/start');
    await chat.say('首冶新元');
    for (const line of SECTION_ONE.slice(0, 10)) await chat.say(line);
    await chat.close();

    // A second process (a new client on the same server) continues where the first stopped.
    chat = await openChat({ databaseUrl: url });
    const resumed = await chat.say('/start');
    expect(resumed).toContain('四（一）2 法定代表人是否有不良信用记录');
    for (const line of SECTION_ONE.slice(10)) await chat.say(line);
    expect(await chat.say('确认')).toContain('✅ 【一】基本情况 已完成');
    await chat.say('第3节');
    for (const line of ['80', '45', '软件和信息服务、智能制造']) await chat.say(line);
    expect(await chat.say('否')).toContain('您填写的是45家');
    await chat.say('修改 2');
    expect(await chat.say('62')).toContain('✅ 门槛条件3');
    const d = await chat.db.prisma.declaration.findFirstOrThrow();
    expect((await loadAnswers(chat.db.prisma, d.id)).resident_small?.value).toBe(62);
    await chat.close();
  });

  it('the same message delivered to two instances at once is processed once', async () => {
    const url = await freshDatabase();
    const a = await openChat({ databaseUrl: url });
    const b = await openChat({ databaseUrl: url });
    await a.say('/start');
    await a.say('首冶新元');
    await a.say('是');
    const [ra, rb] = await Promise.all([a.say('首冶新元创新基地', { key: 'dup-1' }), b.say('首冶新元创新基地', { key: 'dup-1' })]);
    // Exactly one of them answered; the other saw a duplicate.
    expect([ra, rb].filter((r) => r.includes('【一】3 注册所在区'))).toHaveLength(1);
    expect([ra, rb].filter((r) => r === '')).toHaveLength(1);
    expect(await a.db.prisma.answerHistory.count({ where: { questionId: 'base_name' } })).toBe(1);
    await a.close();
    await b.close();
  });

  it('two operators opening the same organisation at once are both answered: a clash that is not a duplicate is retried', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const url = await freshDatabase();
      const a = await openChat({ databaseUrl: url });
      const b = await openChat({ databaseUrl: url });
      await a.say('/start', { user: 'op-a' });
      await b.say('/start', { user: 'op-b' });
      // Both create the organisation and its declaration in the same moment: one insert clashes with the other.
      const [ra, rb] = await Promise.all([a.say('首冶新元', { user: 'op-a' }), b.say('首冶新元', { user: 'op-b' })]);
      for (const reply of [ra, rb]) expect(reply).toContain('已确认：北京首冶新元科技发展有限公司');
      expect(await a.db.prisma.declaration.count()).toBe(1);
      expect(await a.db.prisma.processedMessage.count()).toBe(4);
      // Each goes on answering the same declaration.
      await Promise.all([a.say('是', { user: 'op-a' }), b.say('首冶新元创新基地', { user: 'op-b' })]);
      const d = await a.db.prisma.declaration.findFirstOrThrow();
      expect(Object.keys(await loadAnswers(a.db.prisma, d.id)).length).toBeGreaterThanOrEqual(1);
      await a.close();
      await b.close();
    }
  });
});
