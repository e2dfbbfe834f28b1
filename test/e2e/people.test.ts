import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, TODAY, type ChatHarness } from '../support/chat.ts';
import { addPerson, addScope, createInvitation, ensureOrganisation } from '../../src/store/people-store.ts';
import { getFlow } from '../../src/flow/loader.ts';

/**
 * Who may do what, on a deployment where typing a unit's name no longer opens it: operators bind with one-time codes,
 * coordinators read (never change) the units in their reach, staff read everything; the matrix of what each is told.
 */

const loaded = getFlow('beijing-base-2023');
const entry = (seq: number) => loaded.directory.find((e) => e.seq === seq)!;
const ORG1 = entry(1); // 北京首冶新元科技发展有限公司, 昌平区
const ORG2 = entry(2); // 北京东联同创科技孵化器有限公司, 昌平区
const ORG4 = entry(4); // 鼎石天元投资（北京）有限公司, 大兴区
const organisation = (e: typeof ORG1) => ({ flowId: loaded.flow.id, seq: e.seq, unitName: e.unit, name: null, district: String(e.district), category: null, extra: e });

let chat: ChatHarness;
const codes: Record<string, string> = {};

beforeAll(async () => {
  chat = await openChat({ trusted: false });
  const sql = chat.db.sql;
  const staff = await addPerson(sql, { channel: 'test', externalId: 'staff', name: '局里小王', role: 'staff' });
  const coordinator = await addPerson(sql, { channel: 'test', externalId: 'coordinator', name: '昌平协调人', role: 'coordinator' });
  await addScope(sql, coordinator, { district: '昌平区' });
  for (const [name, e] of [['a', ORG1], ['b', ORG2]] as const) {
    const id = await ensureOrganisation(sql, organisation(e));
    codes[name] = (await createInvitation(sql, id, staff, 7, TODAY)).code;
  }
  codes.expired = (await createInvitation(sql, await ensureOrganisation(sql, organisation(ORG1)), staff, 7, new Date(TODAY.getTime() - 8 * 86_400_000))).code;
});
afterAll(() => chat.close());

const as = (user: string) => (text: string) => chat.say(text, { user });

describe('binding with an invitation code', () => {
  it('an unbound person is asked for a code, and a unit name alone opens nothing', async () => {
    const stranger = as('stranger');
    expect(await stranger('/start')).toContain('请先发送贵单位的邀请码');
    expect(await stranger(ORG1.unit)).toContain('您还没有绑定这家单位');
    expect(await stranger('进度')).toContain('请先发送贵单位的邀请码');
  });

  it('a code binds once; it then opens the unit on 开始; an unknown, expired or reused code is refused plainly', async () => {
    const a = as('operator-a');
    const bound = await a(codes.a.toLowerCase().replace(/(.{5})/, '$1 '));
    expect(bound).toContain(`绑定成功：您现在是“${ORG1.unit}”的填报人`);
    expect(bound).toContain('第 1/26 题');
    expect(await a(codes.a)).toContain('您已经用这个邀请码绑定过');
    expect(await as('someone-else')(codes.a)).toContain('已经被使用过');
    expect(await as('someone-else')(codes.expired)).toContain('已过期');
    expect(await as('someone-else')('SB23456789')).toContain('不存在');
    expect(await as('operator-b')(codes.b)).toContain(`绑定成功：您现在是“${ORG2.unit}”的填报人`);
  });
});

describe('the role × command matrix', () => {
  it('an operator changes their own unit, and cannot open another', async () => {
    const a = as('operator-a');
    expect(await a('是')).toContain('第 2/26 题');
    expect(await a('切换单位')).toContain('单位');
    expect(await a(ORG2.unit)).toContain('您还没有绑定这家单位');
    expect(await a(ORG1.unit)).toContain('第 2/26 题');
    expect(await a('进度')).toContain('填写进度');
    expect(await a('材料')).toContain('证明材料');
  });

  it('a coordinator reads the units of their district and is told they cannot answer; a unit outside is refused', async () => {
    const c = as('coordinator');
    const opened = await c(ORG1.unit);
    expect(opened).toContain('第 2/26 题');
    expect(await c('首冶新元创新基地')).toContain('只能查看和审核，不能修改');
    expect(await c('进度')).toContain('填写进度');
    expect(await c('清单')).toContain('证明材料清单');
    const saved = await chat.db.sql.query(`SELECT 1 FROM "Answer" WHERE "questionId" = 'base_name'`);
    expect(saved).toHaveLength(0);
    await c('切换单位');
    expect(await c(ORG4.unit)).toContain('不在您负责的范围内');
  });

  it('a coordinator issues a code for a unit in reach, not outside it; an operator cannot issue one', async () => {
    const issued = await as('coordinator')(`邀请码 ${ORG2.unit}`);
    expect(issued).toMatch(/的邀请码：SB[2-9A-Z]{8}/);
    expect(issued).toContain('只能使用一次');
    expect(await as('coordinator')(`邀请码 ${ORG4.unit}`)).toContain('不在您负责的范围内');
    expect(await as('operator-b')(`邀请码 ${ORG1.unit}`)).not.toMatch(/的邀请码：SB/);
  });

  it('staff read every unit, issue codes anywhere, and do not change answers', async () => {
    const s = as('staff');
    expect(await s(ORG4.unit)).toContain('第 1/26 题');
    expect(await s('是')).toContain('只能查看和审核，不能修改');
    expect(await s(`邀请码 ${ORG4.unit}`)).toMatch(/的邀请码：SB/);
  });
});
