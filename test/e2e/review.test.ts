import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { answerFixture, walkDeclaration } from '../support/declaration-walk.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { addPerson, addScope } from '../../src/store/people-store.ts';

/**
 * A declaration through review: 提交审核 by its operator, 退回 with reasons by the coordinator of its district, fixed and
 * submitted again, 审核通过 — each step told to the other side through the outbox, each recorded with who and when.
 */

const loaded = getFlow('beijing-base-2023');
const { seq } = answerFixture(loaded.flow.id);
const org = loaded.directory.find((e) => e.seq === seq)!;
let chat: ChatHarness;

beforeAll(async () => {
  chat = await openChat({ flows: [loaded] });
  const coordinator = await addPerson(chat.db.sql, { channel: 'test', externalId: 'coordinator', name: '李协调', role: 'coordinator' });
  await addScope(chat.db.sql, coordinator, { district: String(org.district) });
  await walkDeclaration(chat, loaded);
}, 120_000);
afterAll(() => chat.close());

const operator = (text: string) => chat.say(text);
const coordinator = (text: string) => chat.say(text, { user: 'coordinator' });

describe('review by a coordinator', () => {
  it('goes 提交审核 → 退回 (with reasons) → fixed → 提交审核 → 审核通过, each step told to the right person', async () => {
    expect(await operator('审核通过')).toContain('审核、提醒和发邀请码由协调人或主管部门进行');
    const submitted = await operator('提交审核');
    expect(submitted).toContain('已提交审核，已通知协调人');
    expect(await chat.deliver('coordinator')).toContain(`“${org.unit}”提交了申报，请审核（提交人：operator-1）`);
    expect(await coordinator('待审核')).toContain(`1. ${org.unit}`);

    expect(await coordinator(org.unit)).toContain(org.unit);
    const returned = await coordinator('退回 【三】1 入驻企业家数与名单不符\n请补充社保记录');
    expect(returned).toContain('已退回（2 条意见），已通知该单位的 1 位填报人');
    const told = await chat.deliver();
    expect(told).toContain('协调人李协调退回了');
    expect(told).toMatch(/• 【三】1 .*：入驻企业家数与名单不符/);
    expect(told).toContain('• 请补充社保记录');
    expect(await coordinator('审核通过')).toContain('已退回，正在等待修改后重新提交');

    expect(await operator('提交审核')).toContain('已提交审核');
    expect(await chat.deliver('coordinator')).toContain('提交了申报，请审核');
    expect(await coordinator('审核通过')).toContain('已确认，已通知该单位的 1 位填报人');
    expect(await chat.deliver()).toContain(`✅ “${org.unit}”的申报已由协调人李协调审核确认`);

    const events = await chat.db.sql.query<{ action: string; name: string }>(
      `SELECT e."action", u."displayName" AS "name" FROM "ReviewEvent" e JOIN "User" u ON u."id" = e."userId" ORDER BY e."createdAt", e."id"`,
    );
    expect(events.map((e) => `${e.action}:${e.name}`)).toEqual(['submitted:operator-1', 'returned:李协调', 'submitted:operator-1', 'confirmed:李协调']);
  });

  it('an operator cannot confirm, and an unfinished declaration cannot be submitted', async () => {
    expect(await operator('审核通过')).toContain('审核、提醒和发邀请码由协调人或主管部门进行');
    const fresh = await openChat({ flows: [loaded] });
    try {
      await fresh.say(org.unit);
      expect(await fresh.say('提交审核')).toMatch(/还有 \d+ 个部分没有完成，不能提交审核/);
      expect(await fresh.say('审核通过')).toContain('审核、提醒和发邀请码由协调人或主管部门进行');
    } finally {
      await fresh.close();
    }
  });
});
