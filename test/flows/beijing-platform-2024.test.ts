import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import { FlowSchema, SharedLibrarySchema, type Flow } from '../../src/flow/schema.ts';
import { compile, evaluate } from '../../src/flow/expression.ts';
import { loadFlow } from '../../src/flow/loader.ts';
import { checkFlowDir } from '../../src/flow/check.ts';
import { buildScope, orgScope } from '../../src/engine/scope.ts';
import { evaluateThreshold } from '../../src/rules/thresholds.ts';
import { runChecks } from '../../src/rules/checks.ts';
import { isRelevant } from '../../src/rules/relevance.ts';
import type { Answers, AnswerValue } from '../../src/engine/values.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(root + path, 'utf8');

const raw = parse(read('flows/beijing-platform-2024/flow.yaml'));
const flow: Flow = FlowSchema.parse(raw);
const libraries = flow.imports.map((name) => SharedLibrarySchema.parse(parse(read(`flows/_shared/${name}.yaml`))));
const sharedVocabularies = libraries.flatMap((l) => l.vocabularies);
const vocabulary = (id: string) => sharedVocabularies.find((v) => v.id === id)!;

const CATEGORIES = ['综合咨询', '创业辅导', '技术创新', '数字化应用', '人力资源', '融资促进'];

const questions = flow.sections.flatMap((s) => s.questions);
const directoryColumns = Object.keys(flow.directory.columns);

/** Every string in a parsed YAML tree, with its path. */
function strings(node: unknown, path = ''): { path: string; text: string }[] {
  if (typeof node === 'string') return [{ path, text: node }];
  if (Array.isArray(node)) return node.flatMap((item, i) => strings(item, `${path}[${i}]`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

describe('flow beijing-platform-2024', () => {
  it('passes every generic check of `shenbao flows check`', () => {
    expect(checkFlowDir(root + 'flows/beijing-platform-2024')).toEqual([]);
  });

  it('parses and carries its identity', () => {
    expect(flow.id).toBe('beijing-platform-2024');
    expect(flow.year).toBe(2024);
    expect(flow.region).toBe('北京市');
    expect(flow.programme).toBe('北京市中小企业公共服务示范平台');
    expect(flow.seed).toBe('beijing-platform-2024-guide.txt');
    expect(flow.imports).toEqual(['platform-categories', 'service-functions']);
    expect(flow.directory).toMatchObject({ file: 'directory.csv', ref: '附件4-1', key: 'unit', label: ['platform', 'district'] });
    expect(directoryColumns).toEqual(['seq', 'unit', 'platform', 'category', 'district']);
  });

  it('has the eight sections of 附件4-2 in order', () => {
    expect(flow.sections.map((s) => s.ref)).toEqual(['【一】', '【二】', '【三】', '【四】', '【五】', '【六】', '【七】', '【八】']);
    expect(flow.sections.map((s) => s.id)).toEqual([
      'basic', 'operations', 'effects', 'incentives', 'profile', 'report', 'contacts', 'attachments',
    ]);
    expect(flow.sections.map((s) => s.title)).toEqual([
      '基本情况', '运营情况', '专业服务成效情况', '激励条件情况', '平台简介', '绩效报告', '联系方式', '附件材料',
    ]);
    for (const q of questions) expect(q.ref, q.id).toMatch(/^【[一二三四五六七八]】|^四（一）\d+$/);
  });

  it('asks the service category from the shared vocabulary, prefilled from the directory, warning on a mismatch', () => {
    const q = questions.find((q) => q.id === 'service_category')!;
    expect(q).toMatchObject({ type: 'choice', choicesFrom: 'platform_categories', prefill: 'category', ref: '【一】申报服务类别' });
    const check = q.checks.find((c) => c.assert === 'service_category == org_category')!;
    expect(check.level).toBe('warning');
    expect(check.message).toContain('{service_category}');
    expect(check.message).toContain('{org_category}');
  });

  it('asks the six variants of 【三】 each only for its own service category', () => {
    const effects = flow.sections.find((s) => s.id === 'effects')!;
    const byCategory = new Map<string, string[]>();
    for (const q of effects.questions) {
      const m = q.when?.match(/^service_category == "(.+)"$/);
      expect(m, `${q.id}: when ${q.when}`).toBeTruthy();
      const n = CATEGORIES.indexOf(m![1]) + 1;
      expect(n, q.id).toBeGreaterThan(0);
      expect(q.ref.startsWith(`【三】${n}（`), `${q.id} ${q.ref}`).toBe(true);
      expect(q.id.startsWith(`c${n}_`), q.id).toBe(true);
      byCategory.set(m![1], [...(byCategory.get(m![1]) ?? []), q.id]);
    }
    expect([...byCategory.keys()]).toEqual(CATEGORIES);
    expect(byCategory.get('综合咨询')).toEqual(['c1_registrations', 'c1_activities', 'c1_orders', 'c1_policy_talks']);
    expect(byCategory.get('技术创新')).toHaveLength(8);
  });

  it('has the 11 thresholds and the 13 indicators with 8.1–8.6', () => {
    expect(flow.thresholds.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const t of flow.thresholds) {
      expect(t.ref).toBe(`四（一）${t.number}`);
      expect(t.cases.length).toBeGreaterThan(0);
      expect(t.evidence.length, `T${t.number}`).toBeGreaterThan(0);
    }
    expect(flow.indicators.map((i) => i.number)).toEqual([
      '1', '2', '3', '4', '5', '6', '7', '8.1', '8.2', '8.3', '8.4', '8.5', '8.6', '9', '10', '11', '12', '13',
    ]);
    CATEGORIES.forEach((category, i) => {
      const ind = flow.indicators.find((x) => x.number === `8.${i + 1}`)!;
      expect(ind.when).toBe(`service_category == "${category}"`);
      expect(ind.questions.length).toBeGreaterThan(0);
      for (const id of ind.questions) expect(questions.find((q) => q.id === id)!.when, id).toBe(ind.when);
    });
    for (const ind of flow.indicators.filter((i) => !i.number.startsWith('8.'))) expect(ind.when).toBeUndefined();
    expect(new Set(flow.indicators.map((i) => i.group))).toEqual(new Set(['运营条件和服务能力', '服务业绩和成效', '激励条件']));
  });

  it('defines the shared vocabularies once', () => {
    const pc = vocabulary('platform_categories');
    expect(pc.items.map((i) => i.value)).toEqual(CATEGORIES);
    expect(pc.items.every((i) => (i.description ?? '').length > 20)).toBe(true);
    expect(vocabulary('gjj_production_stages').items.map((i) => i.value)).toEqual(['小试中试', '概念验证', '智能制造']);
    expect(flow.vocabularies).toEqual([]);
  });

  it('has the 175 platforms of 附件4-1, numbered 1…175, with a category and a district from the vocabularies', () => {
    const text = read('flows/beijing-platform-2024/directory.csv');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    expect(text.split('\n')[0]).toBe('seq,unit,platform,category,district');
    expect(rows).toHaveLength(175);
    const categories = new Set(vocabulary('platform_categories').items.map((i) => i.value));
    const districts = new Set(vocabulary('beijing_districts').items.map((i) => i.value));
    rows.forEach((row, i) => {
      expect(row.seq).toBe(String(i + 1));
      expect(row.unit.length, `row ${i + 1}`).toBeGreaterThan(0);
      expect(row.platform.length, `row ${i + 1}`).toBeGreaterThan(0);
      expect(row.platform, `row ${i + 1}`).toBe(row.platform.trim());
      expect(categories, `row ${i + 1}`).toContain(row.category);
      expect(districts, `row ${i + 1}`).toContain(row.district);
    });
    expect(rows[0]).toEqual({ seq: '1', unit: '黑钻石（北京）文化传媒股份有限公司', platform: '黑钻石中小企业公共服务平台', category: '创业辅导', district: '丰台区' });
    expect(rows[84]).toEqual({
      seq: '85', unit: '北京银行股份有限公司中关村分行（北京银行中关村小巨人创客中心）', platform: '北京银行中关村小巨人创客中心', category: '融资促进', district: '海淀区',
    });
    expect(rows[174]).toEqual({ seq: '175', unit: '中岚兴业（北京）国际企业管理服务集团有限公司', platform: '中岚兴业综合咨询服务平台', category: '综合咨询', district: '房山区' });
    const count = (c: string) => rows.filter((r) => r.category === c).length;
    expect(CATEGORIES.map(count)).toEqual([57, 15, 66, 26, 3, 8]);
    expect(new Set(rows.map((r) => r.unit)).size).toBe(175);
  });

  it('writes every year as a placeholder', () => {
    for (const { path, text } of strings(raw)) {
      if (['id', 'year', 'seed'].includes(path)) continue;
      expect(text, path).not.toMatch(/202[3-6]/);
    }
    for (const { path, text } of strings(libraries)) expect(text, path).not.toMatch(/202[3-6]/);
  });

  it('shares evidence by reference and names evidence for the indicators', () => {
    // 同门槛条件4: the activity materials serve 8.1, 8.2, 8.3, 8.5 and 8.6 by reference.
    for (const n of ['8.1', '8.2', '8.3', '8.5', '8.6']) {
      expect(flow.indicators.find((i) => i.number === n)!.evidence, n).toContain('t4_activity_materials');
    }
    for (const n of ['1', '2', '3', '4', '5', '6', '7', '8.1', '8.2', '8.3', '8.4', '8.5', '8.6', '9', '10', '11', '13']) {
      expect(flow.indicators.find((i) => i.number === n)!.evidence.length, `indicator ${n}`).toBeGreaterThan(0);
    }
    expect(flow.evidence.map((e) => e.id)).toEqual(
      expect.arrayContaining(['truthfulness_declaration', 'report_scan', 'report_word', 'evidence_catalogue', 'evidence_package', 'excel_tables']),
    );
  });

  it('has the eight annex tables 附表4-2-1-1…8 with their notes and cross-checks', () => {
    expect(flow.tables.map((t) => t.ref)).toEqual(Array.from({ length: 8 }, (_, i) => `附表4-2-1-${i + 1}`));
    expect(flow.tables.map((t) => t.id)).toEqual([
      'staff_list', 'enterprise_list', 'contract_list', 'product_list', 'activity_ledger', 'survey_list', 'partner_list', 'high_growth_list',
    ]);
    for (const t of flow.tables) {
      expect(t.note, t.id).toBeTruthy();
      expect(t.columns[0]).toMatchObject({ id: 'seq', label: '序号' });
    }
    const table = (id: string) => flow.tables.find((t) => t.id === id)!;
    expect(table('enterprise_list').checks.map((c) => c.assert)).toContain('unique(enterprise_list, "name")');
    expect(table('staff_list').checks.some((c) => c.assert.includes('count(staff_list)') && c.assert.includes('qualified_staff'))).toBe(true);
    const ledger = table('activity_ledger');
    const r8185 = ledger.rowChecks.find((c) => c.id === 'activity_counts_8_1_8_5')!;
    expect(r8185).toMatchObject({ level: 'warning', when: 'service_category in ("综合咨询", "人力资源")' });
    expect(table('survey_list').checks.some((c) => c.assert.includes('min(ceil(jjj_served_current * 4 / 10), 100)'))).toBe(true);
    // Computed rows as the seed's layout has them: 合计 of the activity ledger, 平均满意度 of the survey; none for the
    // contract list, whose seed table has no 合计 row.
    expect(table('activity_ledger').totals).toEqual(['enterprises', 'people']);
    expect(table('contract_list').totals).toEqual([]);
    expect(table('contract_list').footer).toEqual([]);
    expect(table('survey_list').totals).toEqual([]);
    expect(table('survey_list').footer).toEqual([{ label: '平均满意度', column: 'score', aggregate: 'mean' }]);
  });

  it('marks the questions the form does not ask as extra, each with a reason', () => {
    const extras = questions.filter((q) => q.extra).map((q) => q.id);
    expect(extras.sort()).toEqual(
      [
        'legal_person', 'premises', 'criminal_penalty', 'penalty_date', 'penalty_in_eval_years', 'serious_dishonesty', 'rep_bad_credit',
        'info_channels', 'survey_count', 'certified', 'policy_docs', 'audit_available', 'host_type', 'jjj_sme_served_current',
        'gjj_production_service', 'gjj_stages', 'contract_enterprises_current',
      ].sort(),
    );
    for (const q of questions.filter((q) => q.extra)) expect(q.help, q.id).toMatch(/填报系统/);
  });
});

// ───────────────────────────────────────────── the thresholds, decided by the real rules module

const loaded = loadFlow(root + 'flows/beijing-platform-2024');
/** A submission day of the campaign that evaluates 2024 (dates the seed leaves open are judged against it). */
const TODAY = '2025-03-20';

const a = (value: AnswerValue) => ({ value, skipped: false });
const choice = (value: string) => a({ value });
const multi = (...values: string[]) => a({ values });

/** A technology-innovation platform that meets every threshold, with the seed's own numbers. */
const passing: Answers = {
  service_category: choice('技术创新'),
  legal_person: a(true),
  reg_district: choice('海淀区'),
  premises: choice('租赁'),
  reg_date: a('2015-06-01'),
  unit_nature: choice('私营企业'),
  assets_current: a('350'),
  audit_available: a(true),
  criminal_penalty: a(false),
  serious_dishonesty: a(false),
  rep_bad_credit: a(false),
  jjj_served_current: a(120),
  jjj_sme_served_current: a(110),
  beijing_served_current: a(90),
  gjj_production_service: a(false),
  partner_institutions: a(6),
  info_channels: multi('网站', '小程序'),
  certified: a(false),
  policy_docs: a(9),
  service_staff: a(20),
  qualified_staff: a(10),
  revenue_current: a('1000'),
  sme_revenue_current: a('600'),
  free_service_share: a('20'),
  satisfaction: a('95'),
  survey_count: a(48),
};

function verdict(n: number, answers: Answers, today = TODAY) {
  const scope = buildScope(loaded, answers, { today, org: { org_category: '技术创新' } });
  return evaluateThreshold(loaded, loaded.flow.thresholds.find((t) => t.number === n)!, answers, scope);
}
const status = (n: number, changes: Answers = {}, remove: string[] = [], today = TODAY) => {
  const answers: Answers = { ...passing, ...changes };
  for (const id of remove) delete answers[id];
  return verdict(n, answers, today).status;
};
/** Whether a question is asked, given the answers. */
const asked = (id: string, changes: Answers = {}) =>
  isRelevant(loaded, loaded.questions.get(id)!, buildScope(loaded, { ...passing, ...changes }, { today: TODAY, org: {} }));

describe('beijing-platform-2024 thresholds', () => {
  it('renders the years at load', () => {
    expect(loaded.questions.get('assets_current')!.label).toBe('2024年度资产总额（万元）');
    expect(loaded.questions.get('assets_previous')!.label).toBe('2023年度资产总额（万元）');
    expect(loaded.flow.tables.find((t) => t.id === 'enterprise_list')!.title).toBe('2024年度服务企业名单');
    expect(loaded.directory).toHaveLength(175);
    expect(loaded.vocabularies.get('platform_categories')!.items).toHaveLength(6);
  });

  it('passes all 11 on a platform that meets them', () => {
    const scope = buildScope(loaded, passing, { today: TODAY, org: { org_category: '技术创新' } });
    expect(loaded.flow.thresholds.map((t) => evaluateThreshold(loaded, t, passing, scope).status)).toEqual(Array(11).fill('pass'));
  });

  it('1: independent legal person in Beijing, fixed premises, two years old — each failed part named on its own', () => {
    expect(status(1, { reg_date: a('2022-12-31') })).toBe('pass');
    expect(status(1, { reg_district: choice('北京市以外') })).toBe('fail');
    expect(status(1, { premises: choice('无固定经营服务场所') })).toBe('fail');
    expect(status(1, { legal_person: a(false) })).toBe('fail');
    expect(status(1, {}, ['reg_date'])).toBe('unknown');
    const v = verdict(1, { ...passing, legal_person: a(false), premises: choice('无固定经营服务场所') });
    expect(v.reason).toMatch(/^门槛条件1：/);
    expect(v.reason).toContain('不具有独立法人资格');
    expect(v.reason).toContain('没有固定的经营服务场所');
    expect(v.reason).not.toContain('注册所在区');
    expect(v.reason).not.toContain('成立时间');
  });

  it('1: 成立时间两年以上 has no date in the seed: two years only by the submission day is review, naming both dates', () => {
    // Registered the day after 2022-12-31: not two years at 2024-12-31.
    expect(status(1, { reg_date: a('2023-01-02') }, [], '2025-01-01')).toBe('fail');
    const review = verdict(1, { ...passing, reg_date: a('2023-01-02') });
    expect(review.status).toBe('review');
    expect(review.reason).toBe(
      '门槛条件1：成立时间按评价年度末计不满两年：注册于2023-01-02，至2024-12-31不满两年，至申报日2025-03-20已满两年；指南未写明计算截止日，需主管部门认定',
    );
    // A review point does not hide a failed one.
    expect(status(1, { reg_date: a('2023-01-02'), legal_person: a(false) })).toBe('fail');
  });

  it('2: assets ≥ 300万元; below it, review when hosted by 机关事业单位 or 社团法人, fail when hosted by a company', () => {
    expect(status(2, { assets_current: a('300') })).toBe('pass');
    expect(status(2, { assets_current: a('500'), unit_nature: choice('社会团体') })).toBe('pass');
    // 单位性质 says who hosts: no further question.
    expect(status(2, { assets_current: a('120'), unit_nature: choice('事业单位') })).toBe('review');
    expect(status(2, { assets_current: a('120'), unit_nature: choice('社会团体') })).toBe('review');
    expect(asked('host_type', { assets_current: a('120'), unit_nature: choice('事业单位') })).toBe(false);
    // 机关 is not a choice on the form: declared under 其他, it is recognised from the text.
    expect(status(2, { assets_current: a('120'), unit_nature: a({ value: '其他', other: '区政府机关服务中心' }) })).toBe('review');
    expect(asked('host_type', { assets_current: a('120'), unit_nature: a({ value: '其他', other: '区政府机关服务中心' }) })).toBe(false);
    // A company or other body: who hosts the platform is asked, only when the assets are short.
    expect(asked('host_type', { assets_current: a('300') })).toBe(false);
    expect(asked('host_type', { assets_current: a('299.99') })).toBe(true);
    expect(asked('host_type', { assets_current: a('120'), unit_nature: a({ value: '其他', other: '民办非企业单位' }) })).toBe(true);
    const short = verdict(2, { ...passing, assets_current: a('299.99') });
    expect(short.status).toBe('unknown');
    expect(short.missing).toEqual(['四（一）2 平台的主办单位性质']);
    expect(status(2, { assets_current: a('299.99'), host_type: choice('企业') })).toBe('fail');
    expect(status(2, { assets_current: a('120'), unit_nature: choice('国有企业'), host_type: choice('企业') })).toBe('fail');
    expect(status(2, { assets_current: a('120'), unit_nature: a({ value: '其他', other: '民办非企业单位' }), host_type: choice('企业') })).toBe('fail');
    expect(status(2, { assets_current: a('120'), unit_nature: choice('国有企业'), host_type: choice('机关') })).toBe('review');
    expect(status(2, { assets_current: a('120'), host_type: choice('社团法人') })).toBe('review');
    expect(status(2, { assets_current: a('120'), host_type: a({ value: '其他', other: '北京市某行业协会' }) })).toBe('review');
    expect(status(2, { assets_current: a('120'), host_type: a({ value: '其他', other: '某基金会' }) })).toBe('fail');
    const fail = verdict(2, { ...passing, assets_current: a('120'), host_type: choice('企业') });
    expect(fail.reason).toContain('300万元');
    expect(fail.reason).toContain('120万元');
    expect(fail.reason).toContain('2024年度');
    expect(fail.reason).toContain('不适用放宽');
    const review = verdict(2, { ...passing, assets_current: a('120'), unit_nature: choice('国有企业'), host_type: choice('机关') });
    expect(review.reason).toContain('120万元');
    expect(review.reason).toContain('平台主办单位为机关');
    expect(review.reason).toContain('需主管部门认定');
  });

  it('3: no criminal or serious administrative penalty, no dishonesty, clean legal representative', () => {
    expect(status(3)).toBe('pass');
    expect(status(3, { serious_dishonesty: a(true) })).toBe('fail');
    expect(status(3, { rep_bad_credit: a(true) })).toBe('fail');
    const v = verdict(3, { ...passing, rep_bad_credit: a(true) });
    expect(v.reason).toContain('法定代表人有不良信用记录');
    expect(v.reason).not.toContain('严重失信行为');
    // A penalty: its date decides, against both readings of 近两年内.
    expect(status(3, { criminal_penalty: a(true) })).toBe('unknown');
    expect(asked('penalty_date', { criminal_penalty: a(true) })).toBe(true);
    expect(asked('penalty_date')).toBe(false);
  });

  it('3: 近两年内 has no date in the seed: a penalty inside only one reading is review, naming both dates', () => {
    // Within two years of both 2024-12-31 and the submission day.
    const both = verdict(3, { ...passing, criminal_penalty: a(true), penalty_date: a('2024-06-01') });
    expect(both.status).toBe('fail');
    expect(both.reason).toContain('2024-06-01');
    // Within two years of 2024-12-31, not of 2025-03-20.
    const early = verdict(3, { ...passing, criminal_penalty: a(true), penalty_date: a('2023-02-01') });
    expect(early.status).toBe('review');
    expect(early.reason).toContain('2023-02-01');
    expect(early.reason).toContain('2024-12-31');
    expect(early.reason).toContain('2025-03-20');
    // Older than two years by both readings.
    expect(status(3, { criminal_penalty: a(true), penalty_date: a('2022-10-01') })).toBe('pass');
    // After the evaluation year: whether {prev_year}–{year} also had one decides.
    const late = { criminal_penalty: a(true), penalty_date: a('2025-01-15') };
    expect(asked('penalty_in_eval_years', late)).toBe(true);
    expect(asked('penalty_in_eval_years', { criminal_penalty: a(true), penalty_date: a('2024-06-01') })).toBe(false);
    expect(status(3, late)).toBe('unknown');
    const after = verdict(3, { ...passing, ...late, penalty_in_eval_years: a(false) });
    expect(after.status).toBe('review');
    expect(after.reason).toContain('2025-01-15');
    expect(after.reason).toContain('2024-12-31');
    expect(after.reason).toContain('2025-03-20');
    expect(status(3, { ...late, penalty_in_eval_years: a(true) })).toBe('fail');
    // A review point does not hide a failed one.
    expect(status(3, { ...late, penalty_in_eval_years: a(false), serious_dishonesty: a(true) })).toBe('fail');
  });

  it('4: ≥100 京津冀 SMEs served, ≥50 for 高精尖 production-stage platforms, counted on the SMEs, not on all served', () => {
    expect(status(4, { jjj_sme_served_current: a(100) })).toBe('pass');
    expect(status(4, { jjj_sme_served_current: a(99) })).toBe('fail');
    // 150 enterprises served, of which 90 SMEs: the form's figure alone would pass.
    expect(status(4, { jjj_served_current: a(150), jjj_sme_served_current: a(90) })).toBe('fail');
    const gjj = { gjj_production_service: a(true), gjj_stages: multi('小试中试', '概念验证') };
    expect(status(4, { ...gjj, jjj_sme_served_current: a(50) })).toBe('pass');
    expect(status(4, { ...gjj, jjj_sme_served_current: a(99) })).toBe('pass');
    expect(status(4, { ...gjj, jjj_sme_served_current: a(49) })).toBe('fail');
    expect(status(4, {}, ['gjj_production_service'])).toBe('unknown');
    expect(status(4, {}, ['jjj_sme_served_current'])).toBe('unknown');
    const v = verdict(4, { ...passing, jjj_sme_served_current: a(80) });
    expect(v.reason).toContain('不少于100家');
    expect(v.reason).toContain('服务京津冀企业120家中，中小企业80家');
  });

  it('5: ≥5 专业服务机构', () => {
    expect(status(5, { partner_institutions: a(5) })).toBe('pass');
    expect(status(5, { partner_institutions: a(4) })).toBe('fail');
  });

  it('6: at least one 信息化服务手段', () => {
    expect(status(6, { info_channels: multi('APP') })).toBe('pass');
    expect(status(6, { info_channels: multi() })).toBe('fail');
  });

  it('7: management-system certificate, or ≥8 management documents', () => {
    expect(status(7, { certified: a(true) }, ['policy_docs'])).toBe('pass');
    expect(status(7, { policy_docs: a(8) })).toBe('pass');
    expect(status(7, { policy_docs: a(7) })).toBe('fail');
  });

  it('8: ≥8 staff with a bachelor degree and intermediate title', () => {
    expect(status(8, { qualified_staff: a(8) })).toBe('pass');
    expect(status(8, { qualified_staff: a(7) })).toBe('fail');
  });

  it('9: SME revenue ≥ 50 % of revenue, derived from the two amounts', () => {
    const scope = buildScope(loaded, { ...passing, sme_revenue_current: a('500') }, { today: TODAY, org: {} });
    expect(scope.sme_share_current).toBe(50);
    expect(status(9, { sme_revenue_current: a('500') })).toBe('pass');
    expect(status(9, { sme_revenue_current: a('499.9') })).toBe('fail');
    expect(status(9, {}, ['revenue_current'])).toBe('unknown');
    const v = verdict(9, { ...passing, sme_revenue_current: a('300') });
    expect(v.reason).toContain('比重为30%');
  });

  it('10: some free public-interest service', () => {
    expect(status(10, { free_service_share: a('0') })).toBe('fail');
    expect(status(10, { free_service_share: a('0.5') })).toBe('pass');
  });

  it('11: satisfaction ≥ 90 % and survey coverage ≥ 40 % of served enterprises, at most 100, each named on its own', () => {
    expect(status(11, { satisfaction: a('90') })).toBe('pass');
    expect(status(11, { satisfaction: a('89.99') })).toBe('fail');
    // 120 served → 48 surveys
    expect(status(11, { survey_count: a(48) })).toBe('pass');
    expect(status(11, { survey_count: a(47) })).toBe('fail');
    // 115 served → 46 (40 % exactly, no float rounding up)
    expect(status(11, { jjj_served_current: a(115), survey_count: a(46) })).toBe('pass');
    // 101 served → 40.4 → 41
    expect(status(11, { jjj_served_current: a(101), survey_count: a(40) })).toBe('fail');
    expect(status(11, { jjj_served_current: a(101), survey_count: a(41) })).toBe('pass');
    // 300 served → 120, capped at 100
    expect(status(11, { jjj_served_current: a(300), survey_count: a(100) })).toBe('pass');
    expect(status(11, { jjj_served_current: a(300), survey_count: a(99) })).toBe('fail');
    expect(status(11, {}, ['survey_count'])).toBe('unknown');
    const survey = verdict(11, { ...passing, survey_count: a(47) });
    expect(survey.reason).toContain('满意度调查覆盖47家');
    expect(survey.reason).not.toContain('平均满意度');
    const score = verdict(11, { ...passing, satisfaction: a('89.99') });
    expect(score.reason).toContain('89.99%');
    expect(score.reason).not.toContain('调查覆盖');
  });
});

describe('beijing-platform-2024 cross-checks', () => {
  const checksOf = (id: string) => loaded.questions.get(id)!.checks;

  it('warns when the service category differs from the directory', () => {
    const entry = loaded.directory.find((d) => d.seq === 16)!;
    expect(entry.category).toBe('技术创新');
    const org = orgScope(entry);
    expect(org.org_category).toBe('技术创新');
    const same = buildScope(loaded, passing, { today: TODAY, org });
    expect(runChecks(loaded, checksOf('service_category'), passing, same).warnings).toHaveLength(0);
    const other = { ...passing, service_category: choice('综合咨询') };
    const result = runChecks(loaded, checksOf('service_category'), other, buildScope(loaded, other, { today: TODAY, org }));
    expect(result.errors).toHaveLength(0);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].message).toContain('“综合咨询”');
    expect(result.warnings[0].message).toContain('“技术创新”');
  });

  it('refuses parts larger than their totals', () => {
    const answers = { ...passing, sme_revenue_current: a('1200') };
    const scope = buildScope(loaded, answers, { today: TODAY, org: {} });
    expect(runChecks(loaded, checksOf('sme_revenue_current'), answers, scope).errors).toHaveLength(1);
    const b = { ...passing, beijing_served_current: a(130) };
    expect(runChecks(loaded, checksOf('beijing_served_current'), b, buildScope(loaded, b, { today: TODAY, org: {} })).errors).toHaveLength(1);
    const sme = { ...passing, jjj_sme_served_current: a(121) };
    expect(runChecks(loaded, checksOf('jjj_sme_served_current'), sme, buildScope(loaded, sme, { today: TODAY, org: {} })).errors).toHaveLength(1);
    const firms = { ...passing, contracts_current: a(150), contract_enterprises_current: a(151) };
    expect(runChecks(loaded, checksOf('contract_enterprises_current'), firms, buildScope(loaded, firms, { today: TODAY, org: {} })).errors).toHaveLength(1);
  });

  it('asks 【三】 only for the declared category', () => {
    const scope = buildScope(loaded, passing, { today: TODAY, org: {} });
    const effects = loaded.flow.sections.find((s) => s.id === 'effects')!;
    const asked = effects.questions.filter((q) => evaluate(q.when!, scope).ok && compile(q.when!)(scope) === true).map((q) => q.id);
    expect(asked.every((id) => id.startsWith('c3_'))).toBe(true);
    expect(asked).toHaveLength(8);
  });

  it('checks the activity ledger rows by category', () => {
    const ledger = loaded.flow.tables.find((t) => t.id === 'activity_ledger')!;
    const rowCheck = (id: string) => ledger.rowChecks.find((c) => c.id === id)!;
    const holdsFor = (id: string, category: string, row: Record<string, unknown>) => {
      const s = { ...buildScope(loaded, { ...passing, service_category: choice(category) }, { today: TODAY, org: {} }), ...row };
      const c = rowCheck(id);
      if (c.when && compile(c.when)(s) !== true) return 'skipped';
      return compile(c.assert)(s) === true;
    };
    const row = { name: '专精特新政策解读会', date: '2024-05-10', location: '线上', enterprises: 20, people: 60, fee: '免费' };
    expect(holdsFor('activity_counts_8_1_8_5', '综合咨询', row)).toBe(true);
    expect(holdsFor('activity_counts_8_1_8_5', '综合咨询', { ...row, location: '海淀区' })).toBe(false);
    expect(holdsFor('activity_counts_8_1_8_5', '人力资源', { ...row, people: 50 })).toBe(false);
    expect(holdsFor('activity_counts_8_1_8_5', '人力资源', { ...row, location: '海淀区', enterprises: 30 })).toBe(true);
    expect(holdsFor('activity_counts_8_1_8_5', '技术创新', { ...row, enterprises: 5, people: 5 })).toBe('skipped');
    expect(holdsFor('activity_counts_8_3_8_6', '技术创新', { ...row, people: 9 })).toBe(false);
    expect(holdsFor('activity_counts_8_3_8_6', '融资促进', { ...row, people: 10 })).toBe(true);
    expect(holdsFor('activity_policy_talk_50', '综合咨询', { ...row, name: '惠企政策宣讲会', people: 49 })).toBe(false);
    expect(holdsFor('activity_in_year', '综合咨询', row)).toBe(true);
    expect(holdsFor('activity_in_year', '综合咨询', { ...row, date: '2023-12-30' })).toBe(false);
  });

  it('checks the whole tables against the answers', () => {
    const scope = buildScope(loaded, passing, { today: TODAY, org: {} });
    const tableCheck = (table: string, id: string, rows: Record<string, unknown>[]) =>
      compile(loaded.flow.tables.find((t) => t.id === table)!.checks.find((c) => c.id === id)!.assert)({ ...scope, [table]: rows });
    const firms = Array.from({ length: 120 }, (_, i) => ({ name: `企业${i}`, content: '检验检测', province: i < 90 ? '北京市' : '河北省' }));
    expect(tableCheck('enterprise_list', 'enterprise_list_unique', firms)).toBe(true);
    expect(tableCheck('enterprise_list', 'enterprise_list_unique', [...firms, firms[3]])).toBe(false);
    expect(tableCheck('enterprise_list', 'enterprise_list_matches_served', firms)).toBe(true);
    expect(tableCheck('enterprise_list', 'enterprise_list_matches_beijing', firms)).toBe(true);
    const staff = Array.from({ length: 20 }, (_, i) => ({ name: `员工${i}`, degree: i < 10 ? '本科' : '大专' }));
    expect(tableCheck('staff_list', 'staff_list_matches_service_staff', staff)).toBe(true);
    expect(tableCheck('staff_list', 'staff_list_degrees_support_qualified', staff)).toBe(true);
    expect(tableCheck('staff_list', 'staff_list_covers_qualified', staff.slice(0, 9))).toBe(false);
    const survey = Array.from({ length: 48 }, (_, i) => ({ name: `企业${i}`, score: i % 2 ? 90 : 100 }));
    expect(tableCheck('survey_list', 'survey_list_coverage', survey)).toBe(true);
    expect(tableCheck('survey_list', 'survey_list_coverage', survey.slice(0, 47))).toBe(false);
    expect(tableCheck('survey_list', 'survey_list_average', survey)).toBe(true);
    expect(tableCheck('survey_list', 'survey_list_average', survey.map((r) => ({ ...r, score: 80 })))).toBe(false);
  });
});
