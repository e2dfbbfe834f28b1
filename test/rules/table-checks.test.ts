import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';

/** Cross-checks over annex table rows, run on the platform flow's tables next to a complete declaration. */

const loaded = getFlow('beijing-platform-2024');
const answers = parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-platform-2024.yaml', import.meta.url)), 'utf8'));
const env = { today: '2026-11-21', org: { org_category: '技术创新' } };
const activity = (i: number, people: number, date = '2024-05-10') => ({ seq: i, name: `检测技术沙龙${i}`, date, location: '北京', enterprises: 12, people, fee: '免费' });

describe('annex table checks', () => {
  it('an activity under 10 participants is flagged for a 技术创新 platform, one of 10 is not', () => {
    const rows = [activity(1, 9), activity(2, 10), ...Array.from({ length: 22 }, (_, i) => activity(i + 3, 20))];
    const result = fillAnswers(loaded, answers, env, { activity_ledger: rows });
    const flagged = result.tables.filter((p) => p.table === 'activity_ledger' && p.row !== undefined);
    expect(flagged.map((p) => p.row)).toEqual([1]);
    expect(flagged[0].message).toContain('服务活动台账第 1 行');
    expect(result.tables.some((p) => p.table === 'activity_ledger' && p.row === undefined)).toBe(false);
  });

  it('an activity dated outside the evaluation year is flagged', () => {
    const rows = Array.from({ length: 24 }, (_, i) => activity(i + 1, 20, i === 0 ? '2023-12-30' : '2024-03-01'));
    const result = fillAnswers(loaded, answers, env, { activity_ledger: rows });
    expect(result.tables.filter((p) => p.row !== undefined).map((p) => p.row)).toEqual([1]);
  });

  it('the ledger must hold as many activities as 【二】 declares', () => {
    const result = fillAnswers(loaded, answers, env, { activity_ledger: [activity(1, 20)] });
    const mismatch = result.tables.find((p) => p.table === 'activity_ledger' && p.row === undefined);
    expect(mismatch?.message).toMatch(/24/);
  });

  it('a duplicated enterprise in the service-enterprise list is refused', () => {
    const names = Array.from({ length: 420 }, (_, i) => ({ seq: i + 1, name: `企业${i % 419}`, content: '检测', province: i < 310 ? '北京市' : '河北省' }));
    const result = fillAnswers(loaded, answers, env, { enterprise_list: names });
    const dup = result.tables.find((p) => p.message.includes('重复') || p.level === 'error');
    expect(dup).toBeDefined();
    expect(result.errors.some((e) => e.field === 'enterprise_list')).toBe(true);
  });

  it('a survey covering fewer than 40 % of served enterprises (at most 100) is flagged', () => {
    const survey = (n: number) => Array.from({ length: n }, (_, i) => ({ seq: i + 1, name: `企业${i}`, content: '检测', contact: '王', phone: '1', score: 96 }));
    const short = fillAnswers(loaded, answers, env, { survey_list: survey(99) });
    expect(short.tables.some((p) => p.table === 'survey_list')).toBe(true);
    const enough = fillAnswers(loaded, answers, env, { survey_list: survey(100) });
    expect(enough.tables.filter((p) => p.table === 'survey_list')).toEqual([]);
  });

  it('an unknown table id and a bad cell are named', () => {
    const result = fillAnswers(loaded, answers, env, { activity_legder: [], activity_ledger: [{ ...activity(1, 20), people: '很多' }] });
    expect(result.errors.map((e) => e.field)).toContain('activity_legder');
    expect(result.errors.some((e) => e.message.includes('服务活动台账第 1 行“参与人数”'))).toBe(true);
  });
});
