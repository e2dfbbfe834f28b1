import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, TODAY, type ChatHarness } from '../support/chat.ts';
import { addPerson, addScope, bootstrapStaffCode, createInvitation, ensureOrganisation } from '../../src/store/people-store.ts';
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

  it('分工 and 谁填的: an operator in their own unit, a coordinator in reach and staff; another unit’s people are never offered; an unbound person is asked to bind', async () => {
    const a = as('operator-a');
    expect(await a('分工 第1节 我')).toContain('已将 【一】基本情况 分工给 您自己');
    expect(await a('谁填的 1')).toMatch(/【一】1 单位名称 的修改记录（共 1 次[^\n]*\n1\. .*operator-a（test）/);
    // operator-b works on the other unit: its sections and its operators only.
    const b = as('operator-b');
    const theirs = await b('分工');
    expect(theirs).toContain('1. 【一】基本情况　未指定');
    expect(theirs).toContain('本单位的填报人：operator-b。');
    expect(await b('分工 第1节 operator-a')).toContain('本单位的填报人中没有“operator-a”');
    // The coordinator of 昌平区 assigns in a unit of the district; the operator is told.
    const c = as('coordinator');
    await c(ORG1.unit);
    expect(await c('分工 第2节 operator-a')).toContain('已将 【二】经营服务情况 分工给 operator-a，已通知本单位的 1 位填报人');
    expect(await chat.deliver('operator-a')).toContain('【二】经营服务情况 分工给您负责填写');
    expect(await c('谁填的 【一】1')).toContain('operator-a（test）');
    // Staff may too (nobody is bound to 鼎石天元 yet: they are told how people bind).
    expect(await as('staff')('分工 第1节 张三')).toContain('本单位还没有绑定的填报人');
    const stranger = as('stranger');
    expect(await stranger('分工')).toContain('请先发送贵单位的邀请码');
    expect(await stranger('谁填的 1')).toContain('请先发送贵单位的邀请码');
  });
  it('申报活动 and 提醒: staff open a campaign, a coordinator cannot; a coordinator reminds in reach only; to operators and strangers these words are no commands', async () => {
    expect(await as('coordinator')('新建活动 北京基地 12月15日')).toContain('只有主管部门工作人员可以管理人员和申报活动。如需新的申报活动，请联系主管部门创建');
    expect(await as('staff')('新建活动 北京基地 12月15日')).toContain('已创建申报活动');
    expect(await as('coordinator')('活动')).toContain('进行中的申报活动');
    expect(await as('coordinator')(`提醒 ${ORG1.unit}`)).toContain(`已提醒“${ORG1.unit}”的 1 位填报人`);
    expect(await chat.deliver('operator-a')).toContain('⏰ 申报提醒');
    expect(await as('coordinator')(`提醒 ${ORG4.unit}`)).toContain('不在您负责的范围内');
    expect(await as('staff')(`提醒 ${ORG2.unit}`)).toContain(`已提醒“${ORG2.unit}”的 1 位填报人`);
    expect(await as('operator-b')(`提醒 ${ORG1.unit}`)).not.toContain('已提醒');
    expect(await chat.deliver('operator-a')).toBe('');
    expect(await as('operator-b')('新建活动 北京基地 12月15日')).not.toContain('已创建');
    expect(await as('stranger')('活动')).toContain('“活动”不是邀请码。请先发送贵单位的邀请码');
  });
  it('进度汇总 and 导出全部: a coordinator sees their district only, staff everything; an operator is pointed to 进度', async () => {
    const c = await as('coordinator')('进度汇总');
    expect(c).toContain('昌平区');
    expect(c).not.toContain('大兴区');
    expect(await as('staff')('进度汇总')).toContain('大兴区');
    expect(await as('operator-a')('进度汇总')).toContain('进度');
    expect(await as('operator-a')('进度汇总')).not.toContain('大兴区');
    const exported = await chat.views('导出全部', { user: 'coordinator' });
    expect(exported.some((v) => v.kind === 'file')).toBe(true);
    expect(await as('operator-a')('导出全部')).not.toContain('.xlsx');
  });
});

describe('coordinators and staff join by code', () => {
  it('staff make a coordinator’s code for a district; whoever sends it becomes that coordinator; nobody else may make one', async () => {
    expect(await as('coordinator')('协调人邀请码 大兴区')).toContain('只有主管部门工作人员可以管理人员和申报活动。协调人和工作人员的邀请码请联系主管部门生成');
    expect(await as('staff')('协调人邀请码 火星区')).toContain('没有看懂“火星区”');
    const made = await as('staff')('协调人邀请码 大兴区');
    expect(made).toContain('协调人（负责：大兴区（全部项目））的邀请码：');
    const code = made.match(/SB[2-9A-Z]{8}/)![0];
    expect(await as('daxing')(code)).toContain('绑定成功：您现在是协调人');
    // Coordinators and staff are not sent looking for their unit: they are told what they can do.
    const help = await as('daxing')('帮助');
    expect(help).toContain('您是协调人，负责：大兴区（全部项目）。');
    expect(help).toContain('“提醒 单位名”立即提醒');
    expect(help).not.toContain('请先发送贵单位');
    expect(await as('staff')('帮助')).toContain('“新建活动 北京基地 12月15日”创建申报活动');
    expect(await as('daxing')(`提醒 ${ORG4.unit}`)).not.toContain('不在您负责的范围内');
    expect(await as('daxing')(`提醒 ${ORG1.unit}`)).toContain('不在您负责的范围内');
    expect(await as('someone-new')(code)).toContain('已经被使用过');
    // A coordinator given a second code keeps their district and adds the new one.
    const more = (await as('staff')('协调人邀请码 大兴区')).match(/SB[2-9A-Z]{8}/)![0];
    expect(await as('coordinator')(more)).toContain('绑定成功：您现在是协调人');
    expect(await as('coordinator')(`提醒 ${ORG4.unit}`)).not.toContain('不在您负责的范围内');
    expect(await as('coordinator')('帮助')).toContain('负责：昌平区（全部项目）、大兴区（全部项目）');
    const staffCode = (await as('staff')('工作人员邀请码')).match(/SB[2-9A-Z]{8}/)![0];
    expect(await as('bureau-2')(staffCode)).toContain('您现在是主管部门工作人员');
    expect(await as('bureau-2')(`邀请码 ${ORG4.unit}`)).toMatch(/的邀请码：SB/);
  });

  it('a new deployment prints one staff code until someone uses it', async () => {
    const fresh = await openChat({ trusted: false });
    try {
      const first = await bootstrapStaffCode(fresh.db.sql, TODAY);
      expect((await bootstrapStaffCode(fresh.db.sql, TODAY))?.code).toBe(first!.code);
      expect(await fresh.say(first!.code, { user: 'first-staff' })).toContain('您现在是主管部门工作人员');
      expect(await bootstrapStaffCode(fresh.db.sql, TODAY)).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});
