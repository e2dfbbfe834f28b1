import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FlowSchema, SharedLibrarySchema, type Flow, type EvidenceRef } from '../../src/flow/schema.ts';
import { compile, identifiersOf } from '../../src/flow/expression.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(root + path, 'utf8');

const flow: Flow = FlowSchema.parse(parse(read('flows/beijing-base-2023/flow.yaml')));
const shared = SharedLibrarySchema.parse(parse(read('flows/_shared/service-functions.yaml')));

const questions = flow.sections.flatMap((s) => s.questions);
const questionIds = new Set(questions.map((q) => q.id));
const CONSTANTS = new Set(['year', 'prev_year', 'year_end', 'today']);
const PLACEHOLDER_CONSTANTS = new Set(['year', 'prev_year', 'next_year']);

/** Every expression in the flow, with where it stands. */
function expressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const evidence = (where: string, refs: EvidenceRef[]) =>
    refs.forEach((e) => typeof e !== 'string' && e.when && out.push({ where: `${where} evidence ${e.id}`, expr: e.when }));
  for (const s of flow.sections) {
    if (s.when) out.push({ where: `section ${s.id}`, expr: s.when });
    for (const q of s.questions) {
      if (q.when) out.push({ where: `${q.id} when`, expr: q.when });
      if (q.type === 'derived') out.push({ where: `${q.id} formula`, expr: q.formula });
      for (const c of q.checks) {
        out.push({ where: `${q.id} check ${c.id}`, expr: c.assert });
        if (c.when) out.push({ where: `${q.id} check ${c.id} when`, expr: c.when });
      }
      evidence(q.id, q.evidence);
    }
  }
  for (const c of flow.checks) {
    out.push({ where: `check ${c.id}`, expr: c.assert });
    if (c.when) out.push({ where: `check ${c.id} when`, expr: c.when });
  }
  for (const t of flow.thresholds) {
    t.cases.forEach((c, i) => {
      out.push({ where: `T${t.number} case ${i} pass`, expr: c.pass });
      if (c.when) out.push({ where: `T${t.number} case ${i} when`, expr: c.when });
      if (c.reviewWhen) out.push({ where: `T${t.number} case ${i} reviewWhen`, expr: c.reviewWhen });
    });
    evidence(`T${t.number}`, t.evidence);
  }
  for (const ind of flow.indicators) {
    if (ind.when) out.push({ where: `indicator ${ind.number}`, expr: ind.when });
    evidence(`indicator ${ind.number}`, ind.evidence);
  }
  flow.evidence.forEach((e) => e.when && out.push({ where: `evidence ${e.id}`, expr: e.when }));
  return out;
}

/** Every evidence reference list in the flow. */
function evidenceLists(): { where: string; refs: EvidenceRef[] }[] {
  return [
    ...questions.map((q) => ({ where: q.id, refs: q.evidence })),
    ...flow.thresholds.map((t) => ({ where: `T${t.number}`, refs: t.evidence })),
    ...flow.indicators.map((i) => ({ where: `indicator ${i.number}`, refs: i.evidence })),
    { where: 'flow', refs: flow.evidence },
  ];
}

/** Every message with its placeholders. */
function messages(): { where: string; text: string }[] {
  return [
    ...questions.flatMap((q) => q.checks.map((c) => ({ where: `${q.id} ${c.id}`, text: c.message }))),
    ...flow.checks.map((c) => ({ where: c.id, text: c.message })),
    ...flow.thresholds.flatMap((t) => t.cases.map((c, i) => ({ where: `T${t.number} case ${i}`, text: c.message }))),
    ...questions.map((q) => ({ where: `${q.id} label`, text: q.label })),
  ];
}

function readCsv(text: string): string[][] {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

describe('flow beijing-base-2023', () => {
  it('parses and carries its identity', () => {
    expect(flow.id).toBe('beijing-base-2023');
    expect(flow.year).toBe(2023);
    expect(flow.region).toBe('北京市');
    expect(flow.programme).toBe('北京市小型微型企业创业创新示范基地');
    expect(flow.seed).toBe('beijing-base-2023-guide.txt');
    expect(flow.imports).toEqual(['service-functions']);
    expect(flow.directory).toMatchObject({ file: 'directory.csv', ref: '附件1-2-1', key: 'unit', label: ['district'] });
  });

  it('has the eight sections of 附件1-2-3 in order', () => {
    expect(flow.sections.map((s) => s.ref)).toEqual(['【一】', '【二】', '【三】', '【四】', '【五】', '【六】', '【七】', '【八】']);
    expect(flow.sections.map((s) => s.id)).toEqual([
      'basic', 'operations', 'residents', 'incentives', 'profile', 'report', 'contacts', 'attachments',
    ]);
    expect(flow.sections.map((s) => s.title)).toEqual([
      '基本情况', '经营服务情况', '入驻企业情况', '激励条件情况', '基地简介', '绩效报告', '联系方式', '附件材料',
    ]);
  });

  it('has unique question ids and check ids', () => {
    expect(questionIds.size).toBe(questions.length);
    const checkIds = [...questions.flatMap((q) => q.checks.map((c) => c.id)), ...flow.checks.map((c) => c.id)];
    expect(new Set(checkIds).size).toBe(checkIds.length);
  });

  it('has the 10 thresholds and 15 indicators', () => {
    expect(flow.thresholds.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const t of flow.thresholds) {
      expect(t.ref).toBe(`四（一）${t.number}`);
      expect(t.cases.length).toBeGreaterThan(0);
    }
    expect(flow.indicators.map((i) => i.number)).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(new Set(flow.indicators.map((i) => i.group))).toEqual(new Set(['运营管理和服务能力', '服务成效', '激励条件']));
  });

  it('indicators name existing questions', () => {
    for (const ind of flow.indicators) for (const id of ind.questions) expect(questionIds, `indicator ${ind.number}: ${id}`).toContain(id);
  });

  it('has the 91 bases of 附件1-2-1, each with a district', () => {
    const text = read('flows/beijing-base-2023/directory.csv');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const [header, ...rows] = readCsv(text);
    expect(header).toEqual(['seq', 'unit', 'district']);
    expect(rows).toHaveLength(91);
    const districts = new Set(shared.vocabularies.find((v) => v.id === 'beijing_districts')!.items.map((i) => i.value));
    rows.forEach((row, i) => {
      expect(row).toHaveLength(3);
      expect(row[0]).toBe(String(i + 1));
      expect(row[1].length).toBeGreaterThan(0);
      expect(districts, `row ${i + 1}`).toContain(row[2]);
    });
    expect(rows[83]).toEqual(['84', '北京通明湖信息城发展有限公司', '经济技术开发区']);
    expect(new Set(rows.map((r) => r[1])).size).toBe(91);
  });

  it('uses only vocabularies the shared library defines', () => {
    const vocabularies = new Set([...shared.vocabularies, ...flow.vocabularies].map((v) => v.id));
    const sf = shared.vocabularies.find((v) => v.id === 'service_functions')!;
    expect(sf.items.map((i) => i.value)).toEqual([
      '创业辅导', '创新支持', '信息服务', '投融资服务', '人员培训', '管理咨询', '专业咨询', '产业链服务',
    ]);
    expect(sf.items.every((i) => (i.description ?? '').length > 20)).toBe(true);
    for (const q of questions) {
      if ((q.type === 'choice' || q.type === 'multi') && q.choicesFrom) expect(vocabularies, q.id).toContain(q.choicesFrom);
      if (q.type === 'choice' || q.type === 'multi') expect(Boolean(q.choices?.length || q.choicesFrom), q.id).toBe(true);
      if (q.prefill) expect(Object.keys(flow.directory.columns), q.id).toContain(q.prefill);
    }
  });

  it('reads only question ids and known constants in expressions, and all compile', () => {
    const all = expressions();
    expect(all.length).toBeGreaterThan(30);
    for (const { where, expr } of all) {
      expect(() => compile(expr), `${where}: ${expr}`).not.toThrow();
      for (const name of identifiersOf(expr)) {
        expect(questionIds.has(name) || CONSTANTS.has(name), `${where}: unknown identifier ${name} in ${expr}`).toBe(true);
      }
    }
  });

  it('renders placeholders only for question ids and years', () => {
    for (const { where, text } of messages()) {
      for (const m of text.matchAll(/\{([a-z_][a-z0-9_]*)\}/g)) {
        expect(questionIds.has(m[1]) || PLACEHOLDER_CONSTANTS.has(m[1]), `${where}: {${m[1]}}`).toBe(true);
      }
    }
  });

  it('writes years in labels as placeholders', () => {
    for (const q of questions) expect(q.label, q.id).not.toMatch(/20\d\d/);
  });

  it('refers only to defined evidence', () => {
    const defined = new Map<string, string>();
    for (const { where, refs } of evidenceLists()) {
      for (const e of refs) {
        if (typeof e === 'string') continue;
        expect(defined.has(e.id), `evidence ${e.id} defined twice (${defined.get(e.id)}, ${where})`).toBe(false);
        defined.set(e.id, where);
      }
    }
    for (const { where, refs } of evidenceLists()) {
      for (const e of refs) if (typeof e === 'string') expect(defined.has(e), `${where} → ${e}`).toBe(true);
    }
  });

  it('marks the questions the form does not ask as extra', () => {
    const extras = questions.filter((q) => q.extra).map((q) => q.id);
    expect(extras.sort()).toEqual(
      [
        'legal_person', 'project_approval', 'policy_compliance',
        'criminal_penalty', 'serious_dishonesty', 'rep_bad_credit',
        'gjj_manufacturing', 'certified', 'policy_docs', 'survey_count', 'proven_functions',
      ].sort(),
    );
    for (const q of questions.filter((q) => q.extra)) expect(q.help, q.id).toBeTruthy();
  });

  it('decides the thresholds on sample answers', () => {
    const scope = {
      year: 2023, prev_year: 2022, year_end: '2023-12-31', today: '2024-03-01',
      legal_person: true, reg_district: '海淀区', reg_date: '2015-06-01', project_approval: true, policy_compliance: true,
      build_area: 12000, public_area: 800,
      criminal_penalty: false, serious_dishonesty: false, rep_bad_credit: false,
      resident_small: 50, resident_total: 70, leading_industry_enterprises: 60, concentration: (60 / 70) * 100,
      gjj_manufacturing: true, certified: false, policy_docs: 9, qualified_staff: 10, satisfaction: 95, survey_count: 28,
      free_service_share: 30, workstation: '未建设，承诺本年年底前建设完成', proven_functions: ['创业辅导', '信息服务', '人员培训'],
    };
    const verdict = (n: number, s: Record<string, unknown>) => {
      const t = flow.thresholds.find((t) => t.number === n)!;
      const c = t.cases.find((c) => !c.when || compile(c.when)(s) === true)!;
      return compile(c.pass)(s);
    };
    expect(flow.thresholds.map((t) => verdict(t.number, scope))).toEqual(Array(10).fill(true));
    // 60 / 80 % variants of thresholds 3 and 4
    expect(verdict(3, { ...scope, gjj_manufacturing: false })).toBe(false);
    expect(verdict(4, { ...scope, concentration: 70 })).toBe(false);
    expect(verdict(4, { ...scope, concentration: 70, gjj_manufacturing: false })).toBe(true);
    expect(verdict(1, { ...scope, reg_date: '2022-06-01' })).toBe(false);
    expect(verdict(1, { ...scope, reg_district: '北京市以外' })).toBe(false);
    expect(verdict(5, { ...scope, certified: true, policy_docs: null })).toBe(true);
    expect(verdict(10, { ...scope, proven_functions: ['创业辅导'] })).toBe(false);
    // 70 resident enterprises need a survey of at least 28 (40 %); 27 does not prove threshold 7.
    expect(verdict(7, { ...scope, survey_count: 27 })).toBe(false);
  });
});
