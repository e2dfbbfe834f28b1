import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { findSeed } from '../../src/flow/seed.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope, orgScope } from '../../src/engine/scope.ts';
import { formatDerived } from '../../src/engine/format.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';
import type { Question } from '../../src/flow/schema.ts';

/**
 * The platform flow's verdicts at their boundaries, through headless fill from the complete declaration
 * (test/fixtures/answers/beijing-platform-2024.yaml) with one or two answers changed: exact shares (49.999 % is not
 * 50 %), the dates the seed leaves open, the relaxation of threshold 2, the SME count of threshold 4, 亿元 amounts,
 * and the evidence that follows the number of enterprises.
 */

const loaded = getFlow('beijing-platform-2024');
const fixture: Record<string, unknown> = parseYaml(
  readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-platform-2024.yaml', import.meta.url)), 'utf8'),
);
const seed = readFileSync(findSeed(loaded.dir, loaded.flow.seed)!, 'utf8');
const org = orgScope(loaded.directory.find((e) => e.seq === 19));
/** A submission day in the campaign that evaluates 2024. */
const SUBMITTED = '2025-03-28';

function fill(changes: Record<string, unknown> = {}, today = SUBMITTED) {
  const input = { ...fixture, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete input[k];
  return fillAnswers(loaded, input, { today, org });
}
const threshold = (n: number, changes: Record<string, unknown> = {}, today = SUBMITTED) =>
  fill(changes, today).thresholds.find((t) => t.number === n)!;

describe('beijing-platform-2024 at the boundaries (headless fill)', () => {
  it('the complete declaration passes all 11 thresholds with nothing missing or malformed', () => {
    const result = fill();
    expect(result.errors).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.thresholds.map((t) => t.status)).toEqual(Array(11).fill('pass'));
  });

  it('9: a share of exactly 49.999 % fails “不低于50%” though it displays as 50 %, and the reason names 49.999', () => {
    const below = fill({ revenue_current: '100000', sme_revenue_current: '49999' });
    expect(below.errors).toEqual([]);
    const q = loaded.questions.get('sme_share_current') as Extract<Question, { type: 'derived' }>;
    const value = buildScope(loaded, below.answers, { today: SUBMITTED, org }).sme_share_current as number;
    expect(value).toBeLessThan(50);
    expect(formatDerived(q, value)).toBe('50%');
    const t9 = below.thresholds.find((t) => t.number === 9)!;
    expect(t9.status).toBe('fail');
    expect(t9.reason).toContain('比重为49.999%');
    expect(t9.reason).not.toContain('比重为50%');
    expect(threshold(9, { revenue_current: '100000', sme_revenue_current: '50000' }).status).toBe('pass');
    // The same share from amounts typed in 元 and 亿元.
    expect(threshold(9, { revenue_current: '10亿', sme_revenue_current: '499990000元' }).status).toBe('fail');
    expect(threshold(9, { revenue_current: '10亿', sme_revenue_current: '5亿' }).status).toBe('pass');
  });

  it('11: satisfaction 89.99 % fails and 90 % passes; the survey must reach 40 % of served enterprises (at most 100)', () => {
    expect(threshold(11, { satisfaction: '89.99' }).status).toBe('fail');
    expect(threshold(11, { satisfaction: '90' }).status).toBe('pass');
    // 125 served: 40 % is 50 surveys; 49 is 39.2 %.
    const served = { jjj_served_current: 125, jjj_sme_served_current: 120, beijing_served_current: 100 };
    const short = threshold(11, { ...served, survey_count: 49 });
    expect(short.status).toBe('fail');
    expect(short.reason).toContain('满意度调查覆盖49家');
    expect(threshold(11, { ...served, survey_count: 50 }).status).toBe('pass');
    // 420 served: 40 % is 168, capped at 100.
    expect(threshold(11, { survey_count: 99 }).status).toBe('fail');
    expect(threshold(11, { survey_count: 100 }).status).toBe('pass');
  });

  it('10: some free public-interest service: 0 % fails, 0.01 % passes', () => {
    expect(threshold(10, { free_service_share: '0' }).status).toBe('fail');
    // Typed with its sign: a bare 0.01 is asked back (did they mean 1 %?), never read silently.
    expect(threshold(10, { free_service_share: '0.01%' }).status).toBe('pass');
  });

  it('1: registered 1 year 10 months before the end of 2024 and 2 years 1 month before submission: review, both dates named', () => {
    const t1 = threshold(1, { reg_date: '2023-02-28' }, '2025-03-28');
    expect(t1.status).toBe('review');
    expect(t1.reason).toContain('注册于2023-02-28');
    expect(t1.reason).toContain('至2024-12-31不满两年');
    expect(t1.reason).toContain('至申报日2025-03-28已满两年');
    expect(t1.reason).toContain('需主管部门认定');
  });

  it('1: two years by the end of 2024 passes; not two years even by submission fails, naming only the age', () => {
    expect(threshold(1, { reg_date: '2022-12-31' }).status).toBe('pass');
    expect(threshold(1, { reg_date: '2022-11-30' }).status).toBe('pass');
    const young = threshold(1, { reg_date: '2023-06-15' }, '2025-03-28');
    expect(young.status).toBe('fail');
    expect(young.reason).toBe('门槛条件1：成立时间不足两年：注册于2023-06-15，至2025-03-28不满两年');
  });

  it('3: a penalty within two years of the end of 2024 but not of the submission day is review, both dates named', () => {
    const t3 = threshold(3, { criminal_penalty: '是', penalty_date: '2023-02-01' });
    expect(t3.status).toBe('review');
    expect(t3.reason).toContain('2023-02-01');
    expect(t3.reason).toContain('2024-12-31');
    expect(t3.reason).toContain(SUBMITTED);
    expect(threshold(3, { criminal_penalty: '是', penalty_date: '2024-05-10' }).status).toBe('fail');
    expect(threshold(3, { criminal_penalty: '是', penalty_date: '2022-12-01' }).status).toBe('pass');
    const missing = fill({ criminal_penalty: '是' });
    expect(missing.missing.map((m) => m.field)).toEqual(['penalty_date']);
  });

  it('2: below 300万元, a platform of a public institution is review, one hosted by a company fails; 300万元 passes', () => {
    const publicUnit = threshold(2, { assets_current: '299.99', unit_nature: '事业单位' });
    expect(publicUnit.status).toBe('review');
    expect(publicUnit.reason).toContain('299.99万元');
    expect(publicUnit.reason).toContain('需主管部门认定');
    // A company: who hosts the platform is asked, and decides.
    const asked = fill({ assets_current: '299.99' });
    expect(asked.missing.map((m) => m.field)).toEqual(['host_type']);
    expect(asked.thresholds.find((t) => t.number === 2)!.status).toBe('unknown');
    const company = threshold(2, { assets_current: '299.99', host_type: '企业' });
    expect(company.status).toBe('fail');
    expect(company.reason).toContain('不适用放宽');
    expect(threshold(2, { assets_current: '299.99', unit_nature: '国有企业', host_type: '机关' }).status).toBe('review');
    expect(threshold(2, { assets_current: '300', host_type: undefined }).status).toBe('pass');
    expect(fill({ assets_current: '300' }).missing).toEqual([]);
    // Only below 300万元 is the relaxation statement suggested, as the assistant's addition.
    const suggested = (changes: Record<string, unknown>) => {
      const result = fill(changes);
      const items = evidenceChecklist(loaded, result.answers, buildScope(loaded, result.answers, { today: SUBMITTED, org }));
      return items.find((i) => i.id === 't2_relaxation_statement');
    };
    expect(suggested({ assets_current: '299.99', unit_nature: '事业单位' })).toMatchObject({ suggested: true, requiredBy: ['门槛条件2'] });
    expect(suggested({})).toBeUndefined();
  });

  it('4: judged on the 京津冀 SMEs served, not on all enterprises served, and never more than those', () => {
    expect(threshold(4, { jjj_sme_served_current: 100 }).status).toBe('pass');
    const few = threshold(4, { jjj_sme_served_current: 99 });
    expect(few.status).toBe('fail');
    expect(few.reason).toContain('服务京津冀企业420家中，中小企业99家');
    const gjj = { gjj_production_service: '是', gjj_stages: ['小试中试'] };
    expect(threshold(4, { ...gjj, jjj_sme_served_current: 50 }).status).toBe('pass');
    expect(threshold(4, { ...gjj, jjj_sme_served_current: 49 }).status).toBe('fail');
    const more = fill({ jjj_sme_served_current: 421 });
    expect(more.errors.map((e) => e.field)).toEqual(['jjj_sme_served_current']);
    expect(more.thresholds.find((t) => t.number === 4)!.status).toBe('unknown');
  });

  it('4: the “at most 100 by amount” commitment follows the number of enterprises with orders, not of contracts', () => {
    const listed = (changes: Record<string, unknown>) => {
      const result = fill(changes);
      expect(result.errors).toEqual([]);
      const items = evidenceChecklist(loaded, result.answers, buildScope(loaded, result.answers, { today: SUBMITTED, org }));
      return items.some((i) => i.id === 't4_sampling_commitment');
    };
    // 680 contracts with 365 enterprises, with 100 enterprises, with 101.
    expect(listed({})).toBe(true);
    expect(listed({ contract_enterprises_current: 100 })).toBe(false);
    expect(listed({ contract_enterprises_current: 101 })).toBe(true);
    expect(fill({ contracts_current: 90, contract_enterprises_current: 91 }).errors.map((e) => e.field)).toEqual(['contract_enterprises_current']);
    expect(loaded.evidence.get('t4_sampling_commitment')!.title).toContain('100家企业');
  });

  it('【三】6（3） 融资金额 is asked in 亿元: “3000万” is saved as 0.3 亿元', () => {
    const financing = { service_category: '融资促进', c6_orders: 120, c6_activities: 12 };
    expect(loaded.questions.get('c6_financing')).toMatchObject({ type: 'amount', unit: '亿元', label: '上一年度帮助中小企业获得融资金额（亿元）' });
    expect(fill({ ...financing, c6_financing: '3000万' }).answers.c6_financing.value).toBe('0.3');
    expect(fill({ ...financing, c6_financing: '3000万元' }).answers.c6_financing.value).toBe('0.3');
    expect(fill({ ...financing, c6_financing: '1.25' }).answers.c6_financing.value).toBe('1.25');
    expect(fill(financing).missing.map((m) => m.field)).toEqual(['c6_financing']);
  });

  it('the annex tables end as the seed’s do: no 合计 for 附表4-2-1-3, a 平均满意度 row for 附表4-2-1-6', () => {
    // An annex's text: from its heading (a line ending with its number) to the next annex's heading.
    const annex = (ref: string) => {
      const start = seed.indexOf(`${ref}\n`);
      expect(start, ref).toBeGreaterThan(0);
      const rest = seed.slice(start + ref.length);
      return rest.slice(0, rest.search(/附[表件]4-2-1-\d\n/));
    };
    expect(annex('附表4-2-1-3')).not.toContain('合计');
    expect(annex('附表4-2-1-5')).toContain('合计');
    expect(annex('附表4-2-1-6')).toContain('平均满意度');
    const table = (id: string) => loaded.flow.tables.find((t) => t.id === id)!;
    expect(table('contract_list')).toMatchObject({ ref: '附表4-2-1-3', totals: [], footer: [] });
    expect(table('activity_ledger')).toMatchObject({ ref: '附表4-2-1-5', totals: ['enterprises', 'people'], footer: [] });
    expect(table('survey_list')).toMatchObject({ ref: '附表4-2-1-6', totals: [], footer: [{ label: '平均满意度', column: 'score', aggregate: 'mean' }] });
  });
});
