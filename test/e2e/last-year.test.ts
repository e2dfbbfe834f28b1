import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLOWS_DIR, getFlow, loadFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { orgScope } from '../../src/engine/scope.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';
import type { QuestionView, View } from '../../src/bot/views.ts';
import { openChat, TODAY, type ChatHarness } from '../support/chat.ts';
import { Router } from '../../src/bot/router.ts';
import { answerFixture } from '../support/declaration-walk.ts';
import { addMembership, addPerson, ensureOrganisation } from '../../src/store/people-store.ts';
import { organisationOf } from '../../src/bot/onboarding.ts';
import { createCampaign } from '../../src/store/campaign-store.ts';
import { ReminderScheduler } from '../../src/reminders/reminder-scheduler.ts';
import { reminderClockFromEnv } from '../../src/reminders/reminder-clock.ts';

/**
 * Last year's answers: a next-year copy of the Beijing base flow (beijing-base-2024, year 2024) served beside the 2023
 * flow. An organisation that declared 2023 is offered its stable answers back and sees its figures against last year's;
 * one that did not sees none of it.
 */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-last-year-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** flows/beijing-base-2023 copied as next year's flow: its id and year moved, nothing else (the shared folder beside it). */
function nextYearCopy(): LoadedFlow {
  const flows = join(tmp, 'flows');
  cpSync(join(FLOWS_DIR, '_shared'), join(flows, '_shared'), { recursive: true });
  cpSync(join(FLOWS_DIR, 'beijing-base-2023'), join(flows, 'beijing-base-2024'), { recursive: true });
  const file = join(flows, 'beijing-base-2024', 'flow.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^id: beijing-base-2023$/m, 'id: beijing-base-2024').replace(/^year: 2023$/m, 'year: 2024'));
  return loadFlow(join(flows, 'beijing-base-2024'));
}

const base2023 = getFlow('beijing-base-2023');
const base2024 = nextYearCopy();
const UNIT = '北京首冶新元科技发展有限公司';

let chat: ChatHarness;
beforeEach(async () => {
  chat = await openChat({ flows: [base2023, base2024] });
});
afterEach(async () => chat.close());

/**
 * Open `unit`'s declaration of the given year as `user`. The unit is in both years' directories; typing its name opens
 * the latest year. Last year's declaration was made when only that year's flow was served: an assistant serving it
 * alone, on the same database, opens it.
 */
let keys = 0;
async function open(user: string, unit: string, year: number): Promise<string> {
  if (year === 2023) {
    const then = new Router({ db: chat.db, flows: [base2023], now: () => TODAY, trusted: () => true });
    for (const text of ['/start', unit]) await then.handle({ channel: 'test', chatId: user, userId: user, idempotencyKey: `then-${++keys}`, text });
    return '';
  }
  await chat.say('/start', { user });
  const opened = await chat.say(unit, { user });
  expect(opened).toContain(`${year}年度绩效评价。`);
  expect(opened).not.toContain('请回复序号选择');
  return opened;
}

/** The organisation's 2023 declaration, complete: opened through the chat, its answers those of the headless fixture. */
async function declared2023() {
  await open('operator-2023', UNIT, 2023);
  const { answers, seq } = answerFixture('beijing-base-2023');
  const env = { today: '2026-11-21', org: orgScope(base2023.directory.find((e) => e.seq === seq)) };
  const filled = fillAnswers(base2023, answers, env);
  expect(filled.errors).toEqual([]);
  const declaration = await chat.db.prisma.declaration.findFirstOrThrow({ where: { flowId: 'beijing-base-2023' } });
  await chat.db.prisma.answer.createMany({
    data: Object.entries(filled.answers)
      .filter(([, a]) => a.value !== null)
      .map(([questionId, a]) => ({ declarationId: declaration.id, questionId, value: a.value as never, skipped: false })),
  });
}

async function answers2024() {
  const declaration = await chat.db.prisma.declaration.findFirstOrThrow({ where: { flowId: 'beijing-base-2024' } });
  return loadAnswers(chat.db.prisma, declaration.id);
}

const question = (views: View[]) => views.find((v): v is QuestionView => v.kind === 'question');
const say = (text: string) => chat.say(text, { user: 'operator-2024' });

describe('a next-year copy of the Beijing base flow', () => {
  it('offers last year’s stable answers: 是 or 沿用 takes one, a new answer replaces it', async () => {
    await declared2023();
    // Last year the unit gave another district than the directory's: both are shown, and 同名录 takes the directory's.
    await chat.db.prisma.answer.updateMany({ where: { questionId: 'reg_district' }, data: { value: { value: '海淀区' } } });
    const first = await open('operator-2024', UNIT, 2024);
    expect(first).toContain('贵单位已申报过2023年度');
    expect(first).toContain(`上年（2023年度）申报：${UNIT}`);
    expect(first).toContain('没有变化请回复“是”或“沿用”');

    const taken = await say('是');
    expect(taken).toContain(`已沿用上年：单位名称 ${UNIT}`);
    expect(taken).toContain('上年（2023年度）申报：首冶新元创新基地');
    expect(await say('沿用')).toContain('已沿用上年：基地名称 首冶新元创新基地');

    // Another process (nothing held in memory) reads last year's answers with the declaration, in the turn's one read.
    const other = new Router({ db: chat.db, flows: [base2023, base2024], now: () => TODAY, trusted: () => true });
    const handled = await other.handle({ channel: 'test', chatId: 'operator-2024', userId: 'operator-2024', idempotencyKey: 'last-year-other-process', text: '帮助' });
    const district = question(handled.views)!;
    expect(district.text).toContain('上年（2023年度）申报：海淀区');
    expect(district.text).toContain('名录登记为：昌平区，与上年申报不同；采用名录请回复“同名录”');
    expect(district.choices.slice(0, 2)).toEqual([
      { label: '沿用上年：海淀区', value: '沿用' },
      { label: '同名录：昌平区', value: '同名录' },
    ]);
    await say('同名录');
    // 注册时间: a new answer instead of last year's.
    expect(await say('2015-07-01')).not.toContain('已沿用上年');
    const saved = await answers2024();
    expect(saved.unit_name.value).toBe(UNIT);
    expect(saved.base_name.value).toBe('首冶新元创新基地');
    expect(saved.reg_district.value).toEqual({ value: '昌平区' });
    expect(saved.reg_date.value).toBe('2015-07-01');
    // Nothing was saved that the operator did not confirm.
    expect(saved.legal_person).toBeUndefined();
    expect(saved.legal_rep).toBeUndefined();
  });

  it('takes last year’s 否 on 确认 — never reads 确认 as 是', async () => {
    await declared2023();
    await open('operator-2024', UNIT, 2024);
    const asked = await say('修改 【一】7');
    expect(asked).toContain('【一】7 是否上市');
    expect(asked).toContain('上年（2023年度）申报：否');
    await say('确认');
    expect((await answers2024()).listed?.value).toBe(false);
  });

  it('takes a section’s stable answers at once with 全部沿用, listing each, and asks the rest', async () => {
    await declared2023();
    expect(await open('operator-2024', UNIT, 2024)).toMatch(/本部分有 \d+ 项可沿用上年（2023年度）的答案：\n· 单位名称：北京首冶新元科技发展有限公司/);
    const reply = await say('全部沿用');
    expect(reply).toMatch(/已沿用上年（2023年度）的 \d+ 项：/);
    expect(reply).toContain('· 法定代表人：张三');
    expect(reply).toContain('· 主要投资方（前三名）：1) 投资方：首钢集团');
    // The first question last year cannot answer is asked next: a period's attestation is never carried.
    expect(reply).toContain('是否符合本市产业政策和发展规划');
    const saved = await answers2024();
    expect(saved.reg_date.value).toBe('2015-06-01');
    expect(saved.investors.value).toEqual([
      { investor: '首钢集团', nature: '国有企业', ratio: '60' },
      { investor: '某投资公司', nature: '私营企业', ratio: '40' },
    ]);
    expect(saved.build_area.value).toBe('12000');
    expect(saved.policy_compliance).toBeUndefined();
    expect(saved.criminal_penalty).toBeUndefined();
  });

  it('shows figures against last year’s, and asks for a 情况说明 beyond the flow’s limit, saying whose limit it is', async () => {
    await declared2023();
    await open('operator-2024', UNIT, 2024);
    expect(await say('第2节')).toContain('本部分有');
    await say('沿用'); // 服务类别
    await say('创业辅导、创新支持、管理咨询');
    await say('是'); // 园区投资基金
    expect(await say('1.5亿')).toContain('已保存。与上年相比：基金规模 12,000 → 15,000 万元，+25%');
    await say('是');
    await say('否');
    expect(await say('65')).toContain('与上年相比：公益性免费服务在总服务量中的占比 60% → 65%，+5 个百分点');
    expect(await say('12')).toContain('合作服务机构）数量 12 → 12 家，持平');
    await say('3');
    await say('北京市众创空间、中关村硬科技孵化器、市级科技企业孵化器');

    const warned = await say('8000');
    expect(warned).toContain('与上年（2023年度申报）相比变化较大：资产总额 3,500 → 8,000 万元，+129%，超出 ±50%');
    expect(warned).toContain('±50% 是助手建议的核对幅度，不是申报文件的要求');
    expect(warned).toContain('请用一两句话写明情况说明');
    expect((await answers2024()).assets_current).toBeUndefined();

    const noted = await say('新建孵化楼当年投入使用，资产相应增加');
    expect(noted).toContain('已记录答案和情况说明。与上年相比：资产总额 3,500 → 8,000 万元，+129%');
    // Within the limit: shown, not questioned.
    const revenue = await say('4100');
    expect(revenue).toContain('已保存。与上年相比：营业收入 2,800 → 4,100 万元，+46%');
    expect(revenue).not.toContain('情况说明');
    // This year's 2023 figure is last year's 2023 figure: offered back.
    expect(revenue).toContain('上年（2023年度）申报：3,500万元');
    expect(await say('是')).toContain('已沿用上年：2023年度资产总额（万元） 3,500万元');

    const saved = await answers2024();
    expect(saved.assets_current).toMatchObject({ value: '8000', note: '新建孵化楼当年投入使用，资产相应增加' });
    expect(saved.revenue_current.value).toBe('4100');
    expect(saved.assets_previous.value).toBe('3500');
  });

  it('offers nothing to an organisation that did not declare last year', async () => {
    await declared2023();
    const other = '北京东联同创科技孵化器有限公司';
    const reply = await open('operator-other', other, 2024);
    expect(reply).toContain('【一】1 单位名称');
    expect(reply).not.toContain('上年');
    expect(reply).not.toContain('沿用');
    const views = await chat.views('帮助', { user: 'operator-other' });
    expect(question(views)?.choices.some((c) => c.value === '沿用')).toBe(false);
    expect(await chat.say('全部沿用', { user: 'operator-other' })).toContain('本部分没有待确认的上年答案可以沿用');
  });
  it('an operator bound to the unit last year opens this year’s declaration, bound again without a new code', async () => {
    const bound = await openChat({ flows: [base2023, base2024], trusted: false });
    try {
      const sql = bound.db.sql;
      const entry = base2023.directory.find((e) => e.unit === UNIT)!;
      const other = base2023.directory.find((e) => e.unit !== UNIT)!;
      const lastYear = await ensureOrganisation(sql, organisationOf({ loaded: base2023, entry }));
      const person = await addPerson(sql, { channel: 'test', externalId: 'returning', name: '老填报人', role: 'operator' });
      await addMembership(sql, person, lastYear, null);
      // This year's campaign reminds them before they have opened anything this year.
      await createCampaign(sql, { flowId: base2024.flow.id, name: '北京基地2024年度', deadline: '2026-12-15', schedule: [14] });
      const scheduler = new ReminderScheduler({ sql, flows: [base2023, base2024], clock: reminderClockFromEnv({}), now: () => new Date('2026-12-01T09:00:00+08:00') });
      await scheduler.tick();
      expect(await bound.deliver('returning')).toContain(`⏰ 申报提醒：“${UNIT}”的北京基地2024年度申报距截止（12月15日）还有 14 天。`);
      const opened = await bound.say('/start', { user: 'returning' });
      expect(opened).toContain(`已确认：${UNIT}`);
      expect(opened).toContain('2024年度绩效评价。');
      const memberships = await sql.query<{ flowId: string }>(`SELECT o."flowId" FROM "Membership" m JOIN "Organisation" o ON o."id" = m."organisationId" WHERE m."userId" = $1 ORDER BY 1`, [person]);
      expect(memberships.map((m) => m.flowId)).toEqual(['beijing-base-2023', 'beijing-base-2024']);
      // Only the same unit: another unit's name still asks for that unit's code.
      await bound.say('切换单位', { user: 'returning' });
      expect(await bound.say(other.unit, { user: 'returning' })).toContain('您还没有绑定这家单位');
    } finally {
      await bound.close();
    }
  });
});
