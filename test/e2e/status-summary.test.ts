import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { EXPECTED_STAGE, seedDeclarations, type SeedKind, type SeedPlan } from '../support/seeded-declarations.ts';
import { getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import { addPerson, addScope } from '../../src/store/people-store.ts';
import { createCampaign } from '../../src/store/campaign-store.ts';
import { findFile } from '../../src/store/file-records.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { choiceButton } from '../../src/bot/keyboard.ts';
import { plainText, viewWithChoices, type FileView, type View } from '../../src/bot/views.ts';
import { STAGES, STAGE_LABEL, isBehind, type Stage } from '../../src/rules/standing.ts';

/**
 * 进度汇总 and 导出全部 over 50 organisations of two programmes in every stage, in three districts each: staff see
 * every count right, a coordinator of 海淀区 only theirs, a tapped count lists exactly those organisations, a unit's
 * name shows its standing, an operator is pointed to 进度, and the overview workbook has one row per organisation.
 * Every expectation is counted from the seeding plan, not from the code under test.
 */

/** A programme whose directory lists only these organisations: what the summary counts is exactly what was seeded. */
const narrowed = (loaded: LoadedFlow, districts: Record<string, number>): LoadedFlow => ({
  ...loaded,
  directory: Object.entries(districts).flatMap(([district, n]) => loaded.directory.filter((e) => e.district === district).slice(0, n)),
});
const base = narrowed(getFlow('beijing-base-2023'), { 海淀区: 12, 昌平区: 10, 丰台区: 8 });
const platform = narrowed(getFlow('beijing-platform-2024'), { 海淀区: 8, 朝阳区: 6, 经济技术开发区: 6 });
const KINDS: SeedKind[] = ['none', 'opened', 'partial', 'ready', 'missing', 'failing', 'submitted', 'returned', 'confirmed'];
/** An answer that fails a threshold, per programme. */
const FAILING: Record<string, { change: Record<string, unknown>; threshold: string }> = {
  [base.flow.id]: { change: { resident_small: 30 }, threshold: '门槛条件3 上年末入驻小型微型企业数' },
  [platform.flow.id]: { change: { satisfaction: 70 }, threshold: '门槛条件11 服务对象满意度' },
};

const chosen = [base, platform].flatMap((loaded) => loaded.directory.map((entry) => ({ loaded, entry })));
const plans: SeedPlan[] = chosen.map(({ loaded, entry }, i) => {
  const kind = KINDS[i % KINDS.length];
  return { loaded, entry, kind, ...(kind === 'failing' ? { change: FAILING[loaded.flow.id].change } : {}) };
});
const stageOfPlan = (p: SeedPlan) => EXPECTED_STAGE[p.kind];
const districtOf = (p: SeedPlan) => String(p.entry.district);
const countStages = (list: SeedPlan[]) => new Map(STAGES.map((s) => [s, list.filter((p) => stageOfPlan(p) === s).length]));
const stageLine = (list: SeedPlan[]) => `阶段：${STAGES.filter((s) => countStages(list).get(s)).map((s) => `${STAGE_LABEL[s]} ${countStages(list).get(s)}`).join(' · ')}`;
const units = (list: SeedPlan[]) => list.map((p) => p.entry.unit);

let chat: ChatHarness;
const store = FileStore.fromEnv();

beforeAll(async () => {
  chat = await openChat({ flows: [base, platform], trusted: false });
  const staff = await addPerson(chat.db.sql, { channel: 'test', externalId: 'staff', name: '王主管', role: 'staff' });
  const coordinator = await addPerson(chat.db.sql, { channel: 'test', externalId: 'haidian', name: '李协调', role: 'coordinator' });
  await addScope(chat.db.sql, coordinator, { district: '海淀区' });
  await seedDeclarations(chat.db.sql, plans, { today: '2026-11-21', reviewerId: staff });
}, 120_000);
afterAll(() => chat.close());

const asStaff = (text: string) => chat.views(text, { user: 'staff' });
const asCoordinator = (text: string) => chat.views(text, { user: 'haidian' });
const textOf = (views: View[]) => plainText(views);
const choicesOf = (views: View[]) => viewWithChoices(views)?.choices ?? [];

describe('进度汇总 for staff', () => {
  it('counts every programme by stage, the districts, and the thresholds most often failing; each count a button', async () => {
    expect(plans).toHaveLength(50);
    const views = await asStaff('/status');
    const text = textOf(views);
    expect(text.length).toBeLessThanOrEqual(1500);
    for (const loaded of [base, platform]) {
      const mine = plans.filter((p) => p.loaded === loaded);
      expect(text).toContain(`【${loaded.flow.programme} ${loaded.flow.year}年度】共 ${mine.length} 家\n${stageLine(mine)}`);
    }
    for (const district of ['海淀区', '昌平区', '丰台区']) {
      const here = plans.filter((p) => districtOf(p) === district);
      expect(text).toContain(`${district} ${here.length}（未完成 ${here.filter((p) => isBehind({ stage: stageOfPlan(p) })).length}）`);
    }
    for (const loaded of [base, platform]) {
      const failing = plans.filter((p) => p.loaded === loaded && p.kind === 'failing').length;
      expect(text).toContain(`${FAILING[loaded.flow.id].threshold}（${failing} 家）`);
    }
    const all = countStages(plans);
    const choices = choicesOf(views);
    for (const s of STAGES) expect(choices).toContainEqual({ label: `${STAGE_LABEL[s]} ${all.get(s)}`, value: `进度汇总 ${STAGE_LABEL[s]}` });
    expect(choices).toContainEqual({ label: '海淀区 20', value: '进度汇总 海淀区' });
  });

  it('a tapped count lists exactly those organisations', async () => {
    const summary = await asStaff('进度汇总');
    const live = viewWithChoices(summary)!;
    const index = live.choices!.findIndex((c) => c.value === '进度汇总 已退回');
    const { views } = await chat.send({ press: { token: live.keyboard!, button: choiceButton(index) } }, { user: 'staff' });
    const text = textOf(views);
    const returned = plans.filter((p) => p.kind === 'returned');
    expect(text).toContain(`📋 已退回：共 ${returned.length} 家`);
    for (const unit of units(returned)) expect(text).toContain(unit);
    for (const unit of units(plans.filter((p) => p.kind !== 'returned'))) expect(text).not.toContain(unit);
    expect(text).toContain('退回意见“请补充社保缴纳记录”');
  });

  it('narrows by district and stage together, and pages a long list', async () => {
    const waiting = plans.filter((p) => districtOf(p) === '海淀区' && stageOfPlan(p) === 'submitted');
    const text = textOf(await asStaff('进度汇总 海淀区 待审核'));
    expect(text).toContain(`📋 待审核 · 海淀区：共 ${waiting.length} 家`);
    const listed = text.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(listed).toHaveLength(waiting.length);
    for (const unit of units(waiting)) expect(text).toContain(unit);

    const notStarted = plans.filter((p) => stageOfPlan(p) === 'not_started');
    expect(notStarted.length).toBeGreaterThan(10);
    const first = await asStaff('进度汇总 未开始');
    expect(textOf(first)).toContain(`第 1/2 页`);
    const next = choicesOf(first).find((c) => c.label === '下一页')!;
    expect(next.value).toBe('进度汇总 未开始 2');
    const second = textOf(await asStaff(next.value));
    const lines = [textOf(first), second].join('\n').split('\n').filter((l) => /^\d+\. /.test(l));
    expect(lines).toHaveLength(notStarted.length);
    for (const unit of units(notStarted)) expect(lines.some((l) => l.includes(unit))).toBe(true);
  });

  it('shows one organisation in detail from part of its name', async () => {
    const plan = plans.find((p) => p.entry.unit.includes('首冶'))!;
    const text = textOf(await asStaff('/status 首冶'));
    expect(text).toContain(`🏢 ${plan.entry.unit}（${districtOf(plan)}）`);
    expect(text).toContain(`阶段：${STAGE_LABEL[stageOfPlan(plan)]}`);
    if (plan.kind === 'ready') expect(text).toContain('已填完，未提交审核');
  });

  it('narrows to a programme by a word of its name, and says what it did not understand', async () => {
    const text = textOf(await asStaff('进度汇总 平台'));
    const platforms = plans.filter((p) => p.loaded === platform);
    expect(text).toContain(`共 ${platforms.length} 家\n${stageLine(platforms)}`);
    expect(text).not.toContain(base.flow.programme);
    const unknown = textOf(await asStaff('/status 火星区'));
    expect(unknown).toContain('没有理解“火星区”');
    expect(unknown).toContain('“进度汇总 海淀区”按区');
  });
});

describe('reach', () => {
  it('a coordinator of one district counts only their organisations', async () => {
    const haidian = plans.filter((p) => districtOf(p) === '海淀区');
    const views = await asCoordinator('进度汇总');
    const text = textOf(views);
    for (const loaded of [base, platform]) {
      const mine = haidian.filter((p) => p.loaded === loaded);
      expect(text).toContain(`【${loaded.flow.programme} ${loaded.flow.year}年度】共 ${mine.length} 家\n${stageLine(mine)}`);
    }
    for (const unit of units(plans.filter((p) => districtOf(p) !== '海淀区'))) expect(text).not.toContain(unit);
    const all = countStages(haidian);
    for (const s of STAGES) if (all.get(s)) expect(choicesOf(views)).toContainEqual({ label: `${STAGE_LABEL[s]} ${all.get(s)}`, value: `进度汇总 ${STAGE_LABEL[s]}` });
    const listed = textOf(await asCoordinator('进度汇总 未开始'));
    expect(listed).toContain(`共 ${haidian.filter((p) => stageOfPlan(p) === 'not_started').length} 家`);
    expect(textOf(await asCoordinator('进度汇总 昌平区'))).toContain('没有符合条件的单位');
    const outside = plans.find((p) => districtOf(p) === '昌平区')!;
    expect(textOf(await asCoordinator(`进度汇总 ${outside.entry.unit}`))).toContain('不在您负责的范围内');
  });

  it('an operator is told the summary is for coordinators and staff, and /status is their own 进度', async () => {
    expect(await chat.say('进度汇总')).toContain('“进度汇总”供协调人和主管部门查看各单位的申报进度。查看本单位的填写进度请回复“进度”');
    expect(await chat.say('导出全部')).toContain('本单位的申报表请回复“导出”');
    const own = await chat.say('/status');
    expect(own).not.toContain('📊');
    expect(own).toContain('邀请码');
  });
});

describe('导出全部', () => {
  async function workbookOf(views: View[]): Promise<ExcelJS.Workbook> {
    const file = views.find((v): v is FileView => v.kind === 'file')!;
    expect(file.name).toMatch(/^申报进度总览-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const record = (await findFile(chat.db.sql, file.fileId))!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(store.path(record.sha256)) as unknown as ExcelJS.Buffer);
    return book;
  }
  /** Each data row (below the title, subtitle and header) as a record by header. */
  function rowsOf(sheet: ExcelJS.Worksheet): Record<string, unknown>[] {
    const header = (sheet.getRow(3).values as unknown[]).map(String);
    const rows: Record<string, unknown>[] = [];
    sheet.eachRow((row, n) => {
      if (n > 3) rows.push(Object.fromEntries((row.values as unknown[]).map((v, i) => [header[i], v]).filter(([h]) => h !== 'undefined')));
    });
    return rows;
  }

  it('has one row per organisation, with its stage, thresholds and the reviewer’s reasons', async () => {
    const book = await workbookOf(await asStaff('/export all'));
    expect(book.worksheets).toHaveLength(2);
    const rows = book.worksheets.flatMap(rowsOf);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => `${r['项目']}:${r['序号']}`)).size).toBe(50);
    const byUnit = new Map(rows.map((r) => [r['单位名称'] as string, r]));
    for (const p of plans) expect(String(byUnit.get(p.entry.unit)?.['阶段'])).toMatch(new RegExp(`^${STAGE_LABEL[stageOfPlan(p)]}`));
    const failing = plans.find((p) => p.loaded === base && p.kind === 'failing')!;
    expect(byUnit.get(failing.entry.unit)![FAILING[base.flow.id].threshold]).toBe('不达标');
    const ready = plans.find((p) => p.loaded === base && p.kind === 'ready')!;
    expect(byUnit.get(ready.entry.unit)![FAILING[base.flow.id].threshold]).toBe('达标');
    expect(byUnit.get(ready.entry.unit)!['缺少材料数']).toBe(0);
    expect(byUnit.get(ready.entry.unit)!['阶段']).toBe('填报中（已填完，未提交）');
    const returned = plans.find((p) => p.kind === 'returned')!;
    expect(byUnit.get(returned.entry.unit)!['退回意见']).toBe('请补充社保缴纳记录');
    const nobody = plans.find((p) => p.kind === 'none')!;
    expect(byUnit.get(nobody.entry.unit)!['最近活动']).toBeUndefined();
  });

  it('takes the same filters, and a coordinator gets only their organisations', async () => {
    const returned = (await workbookOf(await asStaff('导出全部 已退回'))).worksheets.flatMap(rowsOf);
    expect(returned.map((r) => r['单位名称']).sort()).toEqual(units(plans.filter((p) => p.kind === 'returned')).sort());
    const haidian = (await workbookOf(await asCoordinator('/export all'))).worksheets.flatMap(rowsOf);
    expect(haidian.map((r) => r['单位名称']).sort()).toEqual(units(plans.filter((p) => districtOf(p) === '海淀区')).sort());
  });
});

describe('with a campaign open', () => {
  it('counts the organisations it covers and says its deadline', async () => {
    await createCampaign(chat.db.sql, { flowId: base.flow.id, name: '2023年度绩效评价', deadline: '2026-12-01', covers: { districts: ['海淀区'] } });
    const text = textOf(await asStaff('进度汇总 基地'));
    const covered = plans.filter((p) => p.loaded === base && districtOf(p) === '海淀区');
    expect(text).toContain(`共 ${covered.length} 家\n申报活动“2023年度绩效评价”距截止（12月1日）还有 10 天\n${stageLine(covered)}`);
    const stages: Stage[] = covered.map(stageOfPlan);
    expect(stages.length).toBe(12);
  });
});
