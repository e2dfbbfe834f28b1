import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, TODAY, type ChatHarness } from '../support/chat.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { addPerson, addScope } from '../../src/store/people-store.ts';
import { ReminderScheduler } from '../../src/reminders/reminder-scheduler.ts';
import { reminderClockFromEnv } from '../../src/reminders/reminder-clock.ts';

/**
 * Campaigns and reminders by chat: staff open a campaign (新建活动), coordinators see it (活动) and remind an organisation
 * now (提醒) — once a day, only within their reach, and in quiet hours at their end.
 */

const base = getFlow('beijing-base-2023');
const flows = [base, getFlow('beijing-platform-2024'), getFlow('hebei-base')];
const haidian = base.directory.find((e) => e.district === '海淀区')!;
const other = base.directory.find((e) => e.district === '海淀区' && e.seq !== haidian.seq)!;
const changping = base.directory.find((e) => e.district === '昌平区')!;
let now = TODAY;
let chat: ChatHarness;

beforeAll(async () => {
  chat = await openChat({ flows, now: () => now });
  await addPerson(chat.db.sql, { channel: 'test', externalId: 'staff', name: '赵主管', role: 'staff' });
  const coordinator = await addPerson(chat.db.sql, { channel: 'test', externalId: 'coordinator', name: '王协调', role: 'coordinator' });
  await addScope(chat.db.sql, coordinator, { district: '海淀区' });
  // An operator of a 海淀区 base opens its declaration by name (the harness trusts names, as the console does).
  await chat.say(haidian.unit, { user: 'operator-1' });
}, 60_000);
afterAll(() => chat.close());

const staff = (text: string) => chat.say(text, { user: 'staff' });
const coordinator = (text: string) => chat.say(text, { user: 'coordinator' });

describe('campaigns by chat', () => {
  it('a coordinator cannot remind before there is a campaign', async () => {
    expect(await coordinator(`提醒 ${haidian.unit}`)).toContain('还没有进行中的申报活动');
  });

  it('staff open one, and are told what is wrong when they cannot', async () => {
    expect(await staff('新建活动 基地 12月15日')).toMatch(/“基地”对应 2 个项目/);
    expect(await staff('新建活动 北京基地 12月45日')).toContain('没有看懂截止日期');
    expect(await staff('新建活动 北京基地 2025-12-15')).toContain('已经过去');
    expect(await staff('新建活动 北京基地 12月15日 火星区')).toContain('“火星区”不是该项目名录中的区县');
    expect(await coordinator('新建活动 北京基地 12月15日')).toContain('只有主管部门工作人员可以管理人员和申报活动。如需新的申报活动，请联系主管部门创建');
    const created = await staff('新建活动 北京基地 12月15日');
    expect(created).toContain(`已创建申报活动：北京市小型微型企业创业创新示范基地2023年度绩效评价，距截止（12月15日）还有 24 天，覆盖 ${base.directory.length} 家单位`);
    expect(created).toContain('12月1日、12月8日、12月12日、12月14日、截止当天 09:00 收到提醒');
    expect(created).toContain('21:00–08:00 不发提醒');
    expect(await coordinator('活动')).toMatch(/1\. 北京市小型微型企业创业创新示范基地2023年度绩效评价：距截止（12月15日）还有 24 天，91 家单位，已发提醒 0 次/);
  });

  it('a coordinator reminds an organisation in reach now, naming what is missing — once a day', async () => {
    const said = await coordinator(`提醒 ${haidian.unit}`);
    expect(said).toContain(`已提醒“${haidian.unit}”的 1 位填报人，内容如下：\n⏰ 申报提醒`);
    const told = await chat.deliver('operator-1');
    expect(told).toContain(`⏰ 申报提醒：“${haidian.unit}”的北京市小型微型企业创业创新示范基地2023年度绩效评价申报距截止（12月15日）还有 24 天。（协调人王协调提醒）`);
    expect(told).toContain('目前还没有开始填报');
    expect(await coordinator(`提醒 ${haidian.unit}`)).toContain('今天已经提醒过');
    expect(await coordinator(`提醒 ${changping.unit}`)).toContain('不在您负责的范围内');
    expect(await coordinator(`提醒 ${other.unit}`)).toContain('还没有绑定填报人');
    expect(await chat.say('提醒 紫荆花', { user: 'operator-1' })).not.toContain('已提醒');
  });

  it('in quiet hours the reminder waits for their end', async () => {
    now = new Date('2026-11-22T22:30:00+08:00');
    expect(await coordinator(`提醒 ${haidian.unit}`)).toContain('现在是免打扰时段（21:00–08:00），对');
    expect(await chat.deliver('operator-1')).toBe('');
    const scheduler = new ReminderScheduler({ sql: chat.db.sql, flows, clock: reminderClockFromEnv({}), now: () => now });
    await scheduler.tick();
    expect(await chat.deliver('operator-1')).toBe('');
    now = new Date('2026-11-23T08:00:00+08:00');
    await scheduler.tick();
    expect(await chat.deliver('operator-1')).toContain('还有 22 天。（协调人王协调提醒）');
    now = TODAY;
  });
  it('延期 moves the deadline: the reminders planned for the old one go, the new dates are planned', async () => {
    const scheduler = new ReminderScheduler({ sql: chat.db.sql, flows, clock: reminderClockFromEnv({}), now: () => now });
    now = new Date('2026-11-24T10:00:00+08:00');
    await scheduler.tick();
    expect(await coordinator('延期 1 12月25日')).toContain('只有主管部门工作人员可以管理人员和申报活动。如需延期，请联系主管部门');
    expect(await staff('延期 1 13月1日')).toContain('请写活动编号和新的截止日期');
    expect(await staff('延期 1 12月25日')).toContain('的截止日期已从 12月15日 改为 12月25日（距截止（12月25日）还有 31 天），之后的提醒按新日期发送');
    expect(await coordinator('活动')).toContain('距截止（12月25日）还有 31 天');
    now = new Date('2026-12-01T09:00:00+08:00');
    await scheduler.tick();
    expect(await chat.deliver('operator-1')).toBe('');
    now = new Date('2026-12-11T09:00:00+08:00');
    await scheduler.tick();
    expect(await chat.deliver('operator-1')).toContain(`“${haidian.unit}”的北京市小型微型企业创业创新示范基地2023年度绩效评价申报距截止（12月25日）还有 14 天。`);
    now = TODAY;
  });
});
