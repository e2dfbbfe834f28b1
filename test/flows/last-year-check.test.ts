import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { lastYearSources } from '../../src/flow/earlier-flows.ts';
import { checkProblems } from '../support/broken-flow.ts';

/** `shenbao flows check` on `lastYear`: what a flow may ask of last year's answers, shown on the base flow broken in one place. */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-last-year-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const problems = (change: (flow: any) => void) => checkProblems(tmp, 'beijing-base-2023', change);
/** 【一】1 单位名称 (text), 【二】7（1）资产总额 (amount), 【六】 绩效报告 (upload). */
const unitName = (f: any) => f.sections[0].questions[0];
const assets = (f: any) => f.sections[1].questions.find((q: any) => q.id === 'assets_current');
const report = (f: any) => f.sections[5].questions[0];
const ASSETS = `sections.1.questions.${getFlow('beijing-base-2023').flow.sections[1].questions.findIndex((q) => q.id === 'assets_current')}`;

describe('flows check: lastYear', () => {
  it('refuses a change limit or a comparison on a question that is not a figure', () => {
    expect(problems((f) => (unitName(f).lastYear = { change: 0.5 }))).toEqual([
      'sections.0.questions.0.lastYear.change: 只有数字题（整数、金额、百分比、面积）能与上年对比或设变化幅度，“单位名称”是文字题',
    ]);
    expect(problems((f) => (f.sections[0].questions[2].lastYear = { compare: true }))).toEqual([
      'sections.0.questions.2.lastYear.compare: 只有数字题（整数、金额、百分比、面积）能与上年对比或设变化幅度，“注册所在区”是单选题',
    ]);
  });

  it('refuses to carry what cannot be offered back, and a lastYear that asks for nothing', () => {
    expect(problems((f) => (report(f).lastYear = { carry: true }))).toEqual([
      'sections.5.questions.0.lastYear.carry: 上传题不能沿用上年答案（只有能原样再填一次的答案可以：文字、数字、日期、年份、选择、是否、表格）',
    ]);
    expect(problems((f) => (unitName(f).lastYear = {}))).toEqual([
      'sections.0.questions.0.lastYear: lastYear 需要 carry（沿用上年答案）、compare（与上年对比）或 change（变化幅度）中的至少一项',
    ]);
  });

  it('refuses a from that names no question, or a question of another kind', () => {
    expect(problems((f) => (assets(f).lastYear = { carry: true, from: 'assets_currnt' }))).toEqual([`${ASSETS}.lastYear.from: 题目“assets_currnt”不存在`]);
    expect(problems((f) => (assets(f).lastYear = { carry: true, from: 'employees' }))).toEqual([
      `${ASSETS}.lastYear.from: 题目“employees”是整数题，与“2023年度资产总额（万元）”（金额题）不同，上年的答案不能用于本题`,
    ]);
  });

  it('refuses a limit that is not a positive share, at its path (the schema)', () => {
    const found = problems((f) => (assets(f).lastYear = { change: -0.5 }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/\.lastYear\.change: /);
  });
});

describe('earlier flows', () => {
  it('are those of the same programme and region in earlier years, latest first', () => {
    const base = getFlow('beijing-base-2023');
    const year = (y: number, region = base.flow.region) => ({ ...base, flow: { ...base.flow, id: `beijing-base-${y}-${region}`, year: y, region } });
    const sources = lastYearSources([year(2022), base, year(2024), year(2025), year(2023, '河北省'), getFlow('beijing-platform-2024')]);
    expect(Object.keys(sources).sort()).toEqual(['beijing-base-2023', 'beijing-base-2024-北京市', 'beijing-base-2025-北京市']);
    expect(sources['beijing-base-2025-北京市'].from).toEqual(['beijing-base-2024-北京市', 'beijing-base-2023', 'beijing-base-2022-北京市']);
    // What is read: each question's own answer, or the one it names (this year's 上一年度 figure is last year's current one).
    expect(sources['beijing-base-2023'].questions).toEqual(expect.arrayContaining(['unit_name', 'assets_current', 'revenue_current']));
    expect(sources['beijing-base-2023'].questions).not.toContain('assets_previous');
  });
});
