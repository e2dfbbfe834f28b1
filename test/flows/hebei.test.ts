import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import { FlowSchema, SharedLibrarySchema, type Flow, type Question } from '../../src/flow/schema.ts';
import { compile } from '../../src/flow/expression.ts';
import { loadFlow, choicesOf, type LoadedFlow } from '../../src/flow/loader.ts';
import { checkFlowDir } from '../../src/flow/check.ts';
import { seedOf } from '../../src/flow/seed.ts';
import { buildScope } from '../../src/engine/scope.ts';
import type { Answers, AnswerValue } from '../../src/engine/values.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(root + path, 'utf8');

const shared = SharedLibrarySchema.parse(parse(read('flows/_shared/hebei-service-types.yaml')));
const SERVICE_TYPES = ['信息服务', '创业辅导', '创新支持', '人员培训', '市场营销', '投融资服务', '管理咨询', '专业服务'];
const TODAY = '2026-11-21';

const readCsv = (text: string) => parseCsv(text, { skip_empty_lines: true }) as string[][];

/** A stored answer as the engine keeps it. */
const answer = (value: AnswerValue) => ({ value, skipped: false as const });

/** Every string of a node (a flow as loaded: its years rendered), with where it stands. */
function allText(node: unknown, path = ''): [string, string][] {
  if (typeof node === 'string') return [[path, node]];
  if (Array.isArray(node)) return node.flatMap((n, i) => allText(n, `${path}.${i}`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => allText(v, path ? `${path}.${k}` : k));
  return [];
}

/** A question or flow check of a loaded flow, and whether it holds in a scope ('skipped' when its `when` does not). */
function checksOf(loaded: LoadedFlow) {
  const check = (id: string) => [...loaded.flow.checks, ...[...loaded.questions.values()].flatMap((q) => q.checks)].find((k) => k.id === id)!;
  const holds = (id: string, s: Record<string, unknown>) => {
    const k = check(id);
    if (k.when && compile(k.when)(s) !== true) return 'skipped';
    return compile(k.assert)(s);
  };
  return { check, holds };
}

interface Case {
  id: 'hebei-platform' | 'hebei-base';
  programme: string;
  rows: number;
  header: string[];
  sections: string[];
  selfAssessmentPoints: number;
  indicatorGroups: string[];
  /** The evidence the seed itself requires; everything else is the assistant's suggestion (extra, with a reason). */
  required: string[];
}

const CASES: Case[] = [
  {
    id: 'hebei-platform',
    programme: '河北省中小企业公共服务示范平台',
    rows: 70,
    header: ['seq', 'unit', 'city', 'national'],
    sections: ['basic', 'execution', 'capability', 'results', 'sustainability', 'coordination', 'self_assessment'],
    selfAssessmentPoints: 14,
    indicatorGroups: ['服务执行', '服务成效', '服务能力', '服务协同', '可持续发展'],
    required: [
      'partner_agreements',
      'purchased_service_contracts',
      'operating_form_stamped',
      'audit_service_assets',
      'audit_capacity_investment',
      'audit_small_micro_services',
    ],
  },
  {
    id: 'hebei-base',
    programme: '河北省小型微型企业创业创新示范基地',
    rows: 69,
    header: ['seq', 'unit', 'base', 'city', 'national'],
    sections: ['basic', 'demand', 'execution', 'results', 'quality', 'coordination', 'self_assessment'],
    selfAssessmentPoints: 15,
    indicatorGroups: ['需求响应', '服务执行', '质量管控', '服务成效', '服务保障'],
    required: ['operating_form_stamped', 'audit_service_assets', 'audit_capacity_investment', 'audit_small_micro_services'],
  },
];

describe.each(CASES)('flow $id', (c) => {
  const flow: Flow = FlowSchema.parse(parse(read(`flows/${c.id}/flow.yaml`)));
  const questions = flow.sections.flatMap((s) => s.questions);

  it('passes every generic check of `shenbao flows check`', () => {
    expect(checkFlowDir(`${root}flows/${c.id}`)).toEqual([]);
  });

  it('parses and carries its identity', () => {
    expect(flow.id).toBe(c.id);
    expect(flow.year).toBe(2024);
    expect(flow.region).toBe('河北省');
    expect(flow.programme).toBe(c.programme);
    expect(flow.seed).toBe('hebei-platform-base-indicators.txt');
    expect(flow.imports).toEqual(['hebei-service-types']);
    expect(flow.thresholds).toEqual([]);
    expect(flow.title).toContain('按2019年表样，年份按本次评价年度填写');
    expect(flow.title).not.toContain('未注明');
  });

  it('says the form is the 2019 template filled for the evaluation year, never that it is undated', () => {
    const loaded = loadFlow(`${root}flows/${c.id}`);
    // The seed's forms are dated (截止到2019年12月31日; 附件3: 2019年末…, 2019年用于…): no text may claim otherwise.
    expect(allText(loaded.flow).filter(([, t]) => /未注明年份|未注明日期|没有年份|未写年份/.test(t))).toEqual([]);
    expect(read(`flows/${c.id}/flow.yaml`)).not.toMatch(/undated|未注明年份/);
    expect(loaded.flow.title).toBe(`${c.id === 'hebei-base' ? '全省小型微型企业创业创新示范基地' : '全省中小企业公共服务示范平台'}运营情况表（河北省，2024年度；按2019年表样，年份按本次评价年度填写）`);
    const intro = loaded.flow.sections[0].intro!;
    expect(intro).toContain('按2019年表样');
    expect(intro).toContain('年份按本次评价年度填写');
    expect(intro).toContain('按2024年度填报');
    expect(intro).toContain('“上一年度”即2023年度');
    // Where a title or intro names a year literally, it is the template's 2019, never a stale evaluation year.
    for (const [path, text] of allText({ title: flow.title, sections: flow.sections.map((s) => ({ title: s.title, intro: s.intro })) })) {
      for (const m of text.matchAll(/20\d\d/g)) expect(m[0], path).toBe('2019');
    }
  });

  it('has sections 一…六 of its 运营情况表 and the self-assessment, without 七 (审核意见)', () => {
    expect(flow.sections.map((s) => s.id)).toEqual(c.sections);
    expect(flow.sections.map((s) => s.ref)).toEqual(['一', '二', '三', '四', '五', '六', '附件1']);
    expect(flow.sections.find((s) => s.id === 'self_assessment')!.title).toBe('服务规范自评');
    expect(flow.sections.find((s) => s.id === 'coordination')!.intro).toContain('审核意见');
    expect(questions.some((q) => q.label.includes('审核意见'))).toBe(false);
  });

  it('writes years as placeholders', () => {
    for (const q of questions) {
      expect(q.label, q.id).not.toMatch(/20\d\d/);
      // a document number such as 工信部联企业〔2011〕300号 is not an evaluation year
      expect(q.help ?? '', q.id).not.toMatch(/(?<!〔)20\d\d(?!〕)/);
    }
    for (const e of flow.evidence) expect(e.title, e.id).not.toMatch(/20\d\d/);
  });

  it('carries the three content points of the 专项审计报告 as evidence, quoting 附件3', () => {
    const audit = flow.evidence.filter((e) => e.title.startsWith('专项审计报告'));
    expect(audit.map((e) => e.id)).toEqual(['audit_service_assets', 'audit_capacity_investment', 'audit_small_micro_services']);
    expect(audit[0].title).toContain('{year}年末已具有的服务性资产');
    expect(audit.map((e) => e.quote)).toEqual([
      '{year}年末已具有的服务性资产（包括设备、设施、场地等资产原值），所涉及的服务成本支出',
      '{year}年用于能力建设的资金投入额',
      '具有有效服务记录的小微企业服务家次，主要服务项目收费与市场一般收费标准的高低比较，对小微企业服务优惠情况',
    ]);
    expect(audit.map((e) => e.ref)).toEqual(['附件3 专项审计报告内容要求 1', '附件3 专项审计报告内容要求 2', '附件3 专项审计报告内容要求 3']);
    expect(audit.every((e) => !e.extra)).toBe(true);
  });

  it('requires only the documents the seed names; every other item is a suggestion with its reason', () => {
    const loaded = loadFlow(`${root}flows/${c.id}`);
    const seed = seedOf(loaded.dir, loaded.flow.seed)!;
    const all = [...loaded.evidence.values()];
    expect(all.filter((e) => !e.extra).map((e) => e.id).sort()).toEqual([...c.required].sort());
    for (const e of all) {
      if (e.extra) {
        expect(e.reason, e.id).toMatch(/助手建议/);
        expect(e.quote, e.id).toBeUndefined();
      } else {
        expect(e.quote, e.id).toBeTruthy();
        expect(seed.says(e.quote!), e.id).toBe(true);
        if (e.ref) expect(seed.missingPart(e.ref), e.id).toBeNull();
      }
    }
    // The stamped form: the seed's header asks for the unit's seal.
    expect(loaded.evidence.get('operating_form_stamped')!.quote).toMatch(/运营情况表 单位名称：?（盖章）$/);
    // A “（可后附）” attachment is allowed by the form, not required by it.
    for (const q of loaded.questions.values()) {
      if (!q.label.includes('可后附')) continue;
      for (const ref of q.evidence) {
        const e = typeof ref === 'string' ? loaded.evidence.get(ref)! : ref;
        expect(e.extra, e.id).toBe(true);
        expect(e.reason, e.id).toContain('可后附');
        expect(e.reason, e.id).toContain('不是必交材料');
        expect(e.title, e.id).toContain('可后附');
      }
    }
  });

  it('gives every rule the seed states a reference to its words, and marks the others as the assistant’s', () => {
    const loaded = loadFlow(`${root}flows/${c.id}`);
    const seed = seedOf(loaded.dir, loaded.flow.seed)!;
    const checks = [...loaded.flow.checks, ...[...loaded.questions.values()].flatMap((q) => q.checks)];
    for (const k of checks) {
      if (k.extra) {
        expect(k.reason, k.id).toBeTruthy();
        expect(k.ref, k.id).toBeUndefined();
      } else {
        expect(k.ref, k.id).toBeTruthy();
        expect(seed.missingPart(k.ref!), k.id).toBeNull();
        expect(k.ref, k.id).not.toMatch(/附件1 \d/);
      }
    }
  });

  it('self-assesses every 评价要点 as a yes/no question with evidence, mirrored in the indicators', () => {
    const sa = flow.sections.find((s) => s.id === 'self_assessment')!.questions;
    expect(sa).toHaveLength(c.selfAssessmentPoints);
    for (const q of sa) {
      expect(q.type, q.id).toBe('yesno');
      expect(q.id, q.id).toMatch(/^sa_/);
      expect(q.evidence.length, q.id).toBeGreaterThan(0);
      expect(q.extra && Boolean(q.help), q.id).toBe(true);
    }
    expect(flow.indicators).toHaveLength(sa.length);
    expect([...new Set(flow.indicators.map((i) => i.group))]).toEqual(c.indicatorGroups);
    const seed = seedOf(`${root}flows/${c.id}`, flow.seed)!;
    flow.indicators.forEach((ind, i) => {
      // 一级指标 n, 二级指标 m within it: the flow's own numbering; the seed's tables have none.
      const group = c.indicatorGroups.indexOf(ind.group) + 1;
      const within = flow.indicators.slice(0, i).filter((x) => x.group === ind.group).length + 1;
      expect(ind.number).toBe(`${group}.${within}`);
      expect(ind.questions[0], ind.number).toBe(sa[i].id);
      expect(ind.evidence.length, ind.number).toBeGreaterThan(0);
      // The question's reference is the seed's words (附件1 一级指标 二级指标), which the seed has, not the number.
      expect(sa[i].ref, ind.number).toBe(`附件1 ${ind.group} ${ind.title}`);
      expect(seed.missingPart(sa[i].ref), ind.number).toBeNull();
      // A document defined with a self-assessment point is a suggestion naming that point, unless the seed names it.
      for (const e of sa[i].evidence) {
        if (typeof e === 'string') continue;
        expect(e.extra, e.id).toBe(true);
        expect(e.reason, e.id).toContain(`“${ind.title}”`);
      }
    });
  });

  it('marks derived shares and growth for confirmation', () => {
    for (const q of questions) {
      if (q.type === 'derived') expect(q.confirm && Boolean(q.explain), q.id).toBe(true);
      if (q.type === 'percent') expect([q.min, q.max], q.id).toEqual([0, 100]);
      if (q.label.includes('可后附')) {
        expect(q.type, q.id).toBe('text');
        if (q.type === 'text') expect([q.multiline, q.maxLength], q.id).toEqual([true, 1000]);
        expect(q.help, q.id).toContain('后附');
        expect(q.evidence.length, q.id).toBe(1);
      }
    }
  });

  it(`has the ${c.rows} organisations of 附件4, each with a city`, () => {
    const text = read(`flows/${c.id}/directory.csv`);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const [header, ...rows] = readCsv(text);
    expect(header).toEqual(c.header);
    expect(Object.keys(flow.directory.columns)).toEqual(c.header);
    expect(rows).toHaveLength(c.rows);
    const cities = new Set(shared.vocabularies.find((v) => v.id === 'hebei_cities')!.items.map((i) => i.value));
    const city = header.indexOf('city');
    rows.forEach((row, i) => {
      expect(row, `row ${i + 1}`).toHaveLength(header.length);
      expect(row[0]).toBe(String(i + 1));
      expect(row[1].length).toBeGreaterThan(0);
      expect(row[1], `row ${i + 1}`).not.toMatch(/国家/);
      expect(cities, `row ${i + 1}`).toContain(row[city]);
      expect(['是', '否']).toContain(row[header.length - 1]);
    });
    expect(new Set(rows.map((r) => r[1])).size).toBe(c.rows);
  });

  it('loads with the real loader', () => {
    const loaded = loadFlow(`${root}flows/${c.id}`);
    expect(loaded.directory).toHaveLength(c.rows);
    expect(loaded.flow.title).toContain('2024年度');
    expect(loaded.constants).toMatchObject({ year: 2024, prev_year: 2023 });
  });
});

describe('shared vocabulary hebei-service-types', () => {
  it('lists the 8 service types of the base grid in the form order', () => {
    const v = shared.vocabularies.find((x) => x.id === 'hebei_base_service_types')!;
    expect(v.items.map((i) => i.value)).toEqual(SERVICE_TYPES);
  });
});

describe('directories', () => {
  it('match the seed at known rows; some units are on both lists', () => {
    const platforms = readCsv(read('flows/hebei-platform/directory.csv')).slice(1);
    const bases = readCsv(read('flows/hebei-base/directory.csv')).slice(1);
    expect(platforms[0]).toEqual(['1', '河北省电子信息产品监督检验院', '石家庄', '是']);
    expect(platforms[69]).toEqual(['70', '容城县名城服装研究设计中心', '雄安新区', '否']);
    expect(platforms.filter((r) => r[3] === '是')).toHaveLength(15);
    expect(bases[14]).toEqual(['15', '秦皇岛北岛博智科技孵化器有限公司', '秦皇岛北岛博智科技孵化器有限公司', '秦皇岛', '是']);
    expect(bases[58]).toEqual(['59', '河北聚银企业管理服务有限公司', '魏县高端紧固件产业创业创新服务基地', '邯郸', '是']);
    expect(bases[68]).toEqual(['69', '定州双天创业辅导服务有限公司', '定州双天创业辅导基地', '定州', '否']);
    expect(bases.filter((r) => r[4] === '是')).toHaveLength(11);
    const both = platforms.map((r) => r[1]).filter((u) => bases.some((b) => b[1] === u));
    expect(both).toContain('唐山百川智能机器股份有限公司');
    expect(both.length).toBeGreaterThan(5);
  });
});

describe('hebei-platform computations', () => {
  const loaded = loadFlow(`${root}flows/hebei-platform`);
  const answers: Answers = {
    total_assets: answer('500'),
    equipment_count: answer(40),
    equipment_price: answer('125'),
    service_area: answer('1200'),
    owned_area: answer('200'),
    rented_area: answer('1000'),
    activity_spending: answer('80'),
    served_enterprises: answer(120),
    served_enterprises_prev: answer(100),
    activities_total: answer(50),
    public_activities: answer(8),
    small_micro_served: answer(90),
    service_income: answer('350'),
    service_income_prev: answer('280'),
    sa_social_benefit: answer(true),
  };
  const scope = buildScope(loaded, answers, { today: TODAY });

  it('derives the shares of total assets', () => {
    expect(scope.equipment_asset_share).toBe(25);
    expect(scope.activity_spending_share).toBe(16);
  });

  it('derives the increase and growth of enterprises served', () => {
    expect(scope.served_increase).toBe(20);
    expect(scope.served_growth).toBe(20);
  });

  it('derives the public-service and small-micro shares and the income growth', () => {
    expect(scope.public_activity_share).toBe(16);
    expect(scope.small_micro_share).toBe(75);
    expect(scope.service_income_growth).toBe(25);
  });

  it('leaves derived values unknown until their inputs are answered', () => {
    const partial = buildScope(loaded, { served_enterprises: answer(120) }, { today: TODAY });
    expect(partial.served_increase).toBeNull();
    expect(partial.served_growth).toBeNull();
  });

  it('counts a decrease as negative', () => {
    const s = buildScope(loaded, { ...answers, served_enterprises: answer(90) }, { today: TODAY });
    expect(s.served_increase).toBe(-10);
    expect(s.served_growth).toBe(-10);
  });

  const { check, holds } = checksOf(loaded);

  it('refuses parts larger than their totals', () => {
    expect(holds('owned_rented_within_service_area', scope)).toBe(true);
    expect(holds('owned_rented_within_service_area', { ...scope, rented_area: 1100 })).toBe(false);
    expect(holds('small_micro_within_served', scope)).toBe(true);
    expect(holds('small_micro_within_served', { ...scope, small_micro_served: 121 })).toBe(false);
    expect(holds('public_within_total_activities', { ...scope, public_activities: 51 })).toBe(false);
    expect(check('small_micro_within_served').level).toBe('error');
    // The owned part alone, at its own question (before the rented part is known).
    expect(holds('owned_within_service_area', scope)).toBe(true);
    expect(holds('owned_within_service_area', { ...scope, owned_area: 1300 })).toBe(false);
  });

  it('questions rent and rented area that disagree, either way, as the assistant’s own check', () => {
    expect(holds('rented_area_without_rent', { ...scope, rent: 54 })).toBe(true);
    expect(holds('rented_area_without_rent', { ...scope, rent: 0 })).toBe(false);
    expect(check('rented_area_without_rent')).toMatchObject({ level: 'warning', extra: true });
    expect(holds('rent_without_rented_area', { ...scope, rented_area: 0, rent: 54 })).toBe(false);
  });

  it('warns when public services fall under 10 % of the year’s activities', () => {
    expect(holds('public_share_at_least_10', scope)).toBe(true);
    expect(holds('public_share_at_least_10', { ...scope, public_activities: 4 })).toBe(false);
    expect(holds('sa_social_benefit_consistent', { ...scope, public_activity_share: 8 })).toBe(false);
    expect(check('public_share_at_least_10').level).toBe('warning');
  });

  it('checks the unit name against the directory', () => {
    const entry = loaded.directory[0];
    const s = buildScope(loaded, { unit_name: answer('河北省电子信息产品监督检验院') }, { today: TODAY, org: { org_unit: entry.unit } });
    expect(holds('unit_name_as_directory', s)).toBe(true);
    expect(holds('unit_name_as_directory', { ...s, unit_name: '河北省电子信息产品监督检验院 （国家）' })).toBe(false);
  });
});

describe('hebei-base computations', () => {
  const loaded = loadFlow(`${root}flows/hebei-base`);
  const matrix = loaded.questions.get('service_matrix') as Extract<Question, { type: 'matrix' }>;
  const grid = Object.fromEntries(
    SERVICE_TYPES.map((t, i) => [t, { activities: i + 2, enterprises: 10 * (i + 1), people: 25 * (i + 1) }]),
  );
  const answers: Answers = {
    service_matrix: answer(grid),
    served_total: answer(120),
    served_total_prev: answer(100),
    resident_total: answer(80),
    resident_small: answer(60),
    build_area: answer('6000'),
    owned_service_area: answer('300'),
    rented_service_area: answer('500'),
    revenue: answer('900'),
    service_revenue: answer('350'),
    employees: answer(20),
    fulltime_service_staff: answer(12),
  };
  const scope = buildScope(loaded, answers, { today: TODAY, org: { org_unit: '保定支点创业服务有限公司', org_base: '保定支点创业基地' } });

  it('asks the 服务成效 grid as an 8 × 3 matrix with totals', () => {
    expect(matrix.type).toBe('matrix');
    expect(matrix.rowsFrom).toBe('hebei_base_service_types');
    expect(choicesOf(loaded, matrix).map((r) => r.value)).toEqual(SERVICE_TYPES);
    expect(matrix.columns.map((col) => [col.id, col.label, col.type])).toEqual([
      ['activities', '服务活动次数', 'integer'],
      ['enterprises', '服务企业数', 'integer'],
      ['people', '服务人数', 'integer'],
    ]);
    expect(matrix.totals).toBe(true);
    expect(matrix.label).toContain('截止到2024年12月31日');
    expect(loaded.flow.sections.find((s) => s.id === 'results')!.title).toBe('服务成效（截止到2024年12月31日）');
  });

  it('exposes the matrix to expressions as row → column → number', () => {
    expect((scope.service_matrix as Record<string, Record<string, number>>)['投融资服务']).toEqual({
      activities: 7, enterprises: 60, people: 150,
    });
  });

  it('derives the increase and growth of enterprises served (120 vs 100 → +20, 20 %)', () => {
    expect(scope.served_increase).toBe(20);
    expect(scope.served_growth).toBe(20);
  });

  it('derives the small-micro share of resident enterprises', () => {
    expect(scope.resident_small_share).toBe(75);
  });

  const { check, holds } = checksOf(loaded);

  it('refuses parts larger than their totals', () => {
    expect(holds('small_within_resident', scope)).toBe(true);
    expect(holds('small_within_resident', { ...scope, resident_small: 81 })).toBe(false);
    expect(holds('service_revenue_within_revenue', { ...scope, service_revenue: 901 })).toBe(false);
    expect(holds('fulltime_within_employees', { ...scope, fulltime_service_staff: 21 })).toBe(false);
    expect(holds('service_area_within_build_area', scope)).toBe(true);
    expect(holds('service_area_within_build_area', { ...scope, build_area: 700 })).toBe(false);
    expect(check('service_area_within_build_area').level).toBe('warning');
  });

  it('checks unit and base names against the directory', () => {
    const s = { ...scope, unit_name: '保定支点创业服务有限公司', base_name: '保定支点创业基地' };
    expect(holds('unit_name_as_directory', s)).toBe(true);
    expect(holds('base_name_as_directory', s)).toBe(true);
    expect(holds('base_name_as_directory', { ...s, base_name: '保定支点创业示范基地' })).toBe(false);
  });

  it('asks the previous unit only after a change of 承建单位', () => {
    const q = loaded.questions.get('previous_unit')!;
    expect(compile(q.when!)({ ...scope, unit_changed: true })).toBe(true);
    expect(compile(q.when!)({ ...scope, unit_changed: false })).toBe(false);
  });
});

describe('hebei-base 利润总额', () => {
  it('takes a loss as a negative amount, as the form writes it, and refuses words', async () => {
    const { fillAnswers } = await import('../../src/engine/fill.ts');
    const loaded = loadFlow(root + 'flows/hebei-base');
    const loss = fillAnswers(loaded, { total_profit: '-35.5' }, { today: TODAY });
    expect(loss.errors).toEqual([]);
    expect(loss.answers.total_profit?.value).toBe('-35.5');
    expect(fillAnswers(loaded, { total_profit: '亏损' }, { today: TODAY }).errors[0]?.message).toContain('不是有效的数字');
  });
});
