import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import { FlowSchema, SharedLibrarySchema, type Flow } from '../../src/flow/schema.ts';
import { compile } from '../../src/flow/expression.ts';
import { checkFlowDir } from '../../src/flow/check.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(root + path, 'utf8');

const flow: Flow = FlowSchema.parse(parse(read('flows/beijing-base-2023/flow.yaml')));
const shared = SharedLibrarySchema.parse(parse(read('flows/_shared/service-functions.yaml')));

const questions = flow.sections.flatMap((s) => s.questions);

const readCsv = (text: string) => parseCsv(text, { skip_empty_lines: true }) as string[][];

describe('flow beijing-base-2023', () => {
  it('passes every generic check of `shenbao flows check`', () => {
    expect(checkFlowDir(root + 'flows/beijing-base-2023')).toEqual([]);
  });

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

  it('has the 10 thresholds and 15 indicators', () => {
    expect(flow.thresholds.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const t of flow.thresholds) {
      expect(t.ref).toBe(`四（一）${t.number}`);
      expect(t.cases.length).toBeGreaterThan(0);
    }
    expect(flow.indicators.map((i) => i.number)).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(new Set(flow.indicators.map((i) => i.group))).toEqual(new Set(['运营管理和服务能力', '服务成效', '激励条件']));
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

  it('describes the eight service functions in the shared library', () => {
    const sf = shared.vocabularies.find((v) => v.id === 'service_functions')!;
    expect(sf.items.map((i) => i.value)).toEqual([
      '创业辅导', '创新支持', '信息服务', '投融资服务', '人员培训', '管理咨询', '专业咨询', '产业链服务',
    ]);
    expect(sf.items.every((i) => (i.description ?? '').length > 20)).toBe(true);
  });

  it('writes years in labels as placeholders', () => {
    for (const q of questions) expect(q.label, q.id).not.toMatch(/20\d\d/);
  });

  it('marks the questions the form does not ask as extra', () => {
    const extras = questions.filter((q) => q.extra).map((q) => q.id);
    expect(extras.sort()).toEqual(
      [
        'legal_person', 'project_approval', 'policy_compliance',
        'criminal_penalty', 'serious_dishonesty', 'rep_bad_credit',
        'gjj_manufacturing', 'certified', 'policy_docs', 'survey_count', 'proven_functions',
        'ws_commitment', 'ws_fulltime_staff', 'ws_head_senior', 'ws_partners',
      ].sort(),
    );
  });

  describe('annex tables 附表1-2-3-1-1…9', () => {
    // The seed lives outside the repository (/work/shared/seeds); comparisons with it run where it is present.
    const seedFile = fileURLToPath(new URL('../../../shared/seeds/beijing-base-2023-guide.txt', import.meta.url));
    const seed = existsSync(seedFile) ? readFileSync(seedFile, 'utf8') : null;
    const table = (id: string) => flow.tables.find((t) => t.id === id)!;
    /** An expression as the loader renders it ({year} → 2023). */
    const run = (expr: string, scope: Record<string, unknown>) =>
      compile(expr.replaceAll('{year}', String(flow.year)))({ year: 2023, prev_year: 2022, year_end: '2023-12-31', ...scope });
    const rowCheck = (t: string, id: string) => table(t).rowChecks.find((c) => c.id === id)!;
    const tableCheck = (t: string, id: string) => table(t).checks.find((c) => c.id === id)!;
    const rows = (n: number, make: (i: number) => Record<string, unknown>) => Array.from({ length: n }, (_, i) => make(i));

    it('has the nine tables in the seed order, with the seed titles', () => {
      expect(flow.tables.map((t) => t.ref)).toEqual(Array.from({ length: 9 }, (_, i) => `附表1-2-3-1-${i + 1}`));
      expect(flow.tables.map((t) => t.id)).toEqual([
        'staff_list', 'ws_staff_list', 'resident_list', 'activity_ledger', 'service_ledger',
        'partner_list', 'innovation_list', 'listing_list', 'survey_list',
      ]);
      expect(flow.tables.map((t) => t.title)).toEqual([
        '从事为中小企业服务人员情况表', '企业服务工作站服务人员情况表', '入驻企业名单', '服务活动台账', '服务企业台账',
        '合作服务机构名单', '创新型企业培育名单', '入驻企业上市挂牌名单', '入驻企业满意度调查表',
      ]);
    });

    it.skipIf(!seed)('agrees with the seed: titles, headers, 填表说明 verbatim', () => {
      for (const t of flow.tables) {
        expect(seed, t.id).toContain(`${t.ref}\n${t.title}`);
        // every header as the seed writes it (a split header by its lower level)
        for (const c of t.columns) expect(seed, `${t.id}.${c.id}`).toContain(`\t${c.label.split('：').pop()}\n`);
        if (t.note) expect(seed, t.id).toContain(t.note.replaceAll('{year}', String(flow.year)));
      }
    });

    it('has the seed columns, two-level headers split', () => {
      const labels = (id: string) => table(id).columns.map((c) => c.label);
      expect(labels('staff_list')).toEqual([
        '序号', '姓名', '职务', '教育情况：学历', '教育情况：毕业院校及专业',
        '专业资格/资质情况：资格/资质名称', '专业资格/资质情况：发证机关', '联系电话',
      ]);
      expect(labels('ws_staff_list')).toEqual(['序号', '姓名', '职务', '工作站岗位', '联系电话']);
      expect(labels('resident_list')).toEqual([
        '序号', '企业名称', '设立时间', '所属行业', '职工人数', '企业划型', '入驻时间', '租用面积（㎡）',
        '是否属于基地主导产业', '是否在基地内注册', '是否在基地内办公', '上年营业收入（万元）', '联系人', '联系电话',
      ]);
      expect(labels('activity_ledger')).toEqual(['序号', '活动名称', '服务类别', '活动时间', '地点', '参与企业家数', '参与人数', '收费情况']);
      expect(labels('service_ledger')).toEqual(['序号', '服务企业名称', '服务类别', '时间', '地点', '服务内容', '收费情况']);
      expect(labels('partner_list')).toEqual(['序号', '合作服务机构名称', '服务类别', '主要服务内容', '签订协议时间']);
      expect(labels('innovation_list')).toEqual(['序号', '入驻企业名称', '企业资质', '入驻时间', '获得资质时间']);
      expect(labels('listing_list')).toEqual(['序号', '入驻企业名称', '上市时间', '上市挂牌板块']);
      expect(labels('survey_list')).toEqual(['序号', '企业名称', '联系人', '联系电话', '服务满意度（%）']);
    });

    it('types the columns', () => {
      const col = (t: string, c: string) => table(t).columns.find((x) => x.id === c)!;
      expect(col('resident_list', 'size')).toMatchObject({ type: 'choice', choices: ['大型', '中型', '小型', '微型'] });
      for (const c of ['leading', 'registered_here', 'office_here']) expect(col('resident_list', c).type).toBe('yesno');
      expect(col('resident_list', 'area').type).toBe('area');
      expect(col('resident_list', 'revenue').type).toBe('amount');
      for (const c of ['founded', 'entered']) expect(col('resident_list', c).type).toBe('date');
      for (const t of ['activity_ledger', 'service_ledger']) expect(col(t, 'category')).toMatchObject({ type: 'choice', choicesFrom: 'service_functions' });
      expect(col('activity_ledger', 'people').type).toBe('integer');
      expect(col('innovation_list', 'qualification')).toMatchObject({ type: 'choice', choices: ['国高新', '专精特新', '国家小巨人', '隐形冠军'] });
      expect(col('listing_list', 'board')).toMatchObject({ type: 'choice', choices: ['上交所', '深交所', '北交所', '新三板'] });
      expect(col('survey_list', 'score').type).toBe('percent');
      expect(col('partner_list', 'signed').type).toBe('date');
      for (const t of flow.tables) for (const c of t.columns) if (c.label.includes('时间')) expect(c.type, `${t.id}.${c.id}`).toBe('date');
    });

    it('carries the 填表说明 and the 合计 rows', () => {
      expect(table('activity_ledger').note).toMatch(/^填表说明：1\.活动单次应不少于10人，按开展时间顺序填写；/);
      expect(table('survey_list').note).toBe('填表说明：数量不少于入驻企业数的40%，最多60家，并按序提供满意度调查问卷或其他相关证明材料。');
      expect(flow.tables.filter((t) => t.note).map((t) => t.id)).toEqual([
        'staff_list', 'resident_list', 'activity_ledger', 'service_ledger', 'partner_list', 'innovation_list', 'survey_list',
      ]);
      expect(table('resident_list').totals).toEqual(['headcount', 'area', 'leading', 'revenue']);
      expect(table('activity_ledger').totals).toEqual(['enterprises', 'people']);
    });

    it('names evidence for every table, and the 真实性声明函 stands at the top level', () => {
      for (const t of flow.tables) expect(t.evidence.length, t.id).toBeGreaterThan(0);
      expect(flow.evidence.find((e) => e.id === 'truthfulness_declaration')!.title).toContain('附件1-2-3-1-10');
    });

    it('asks the operator to act in every table check message', () => {
      for (const t of flow.tables) for (const c of [...t.rowChecks, ...t.checks]) expect(c.message, `${t.id}.${c.id}`).toMatch(/请/);
    });

    it('an activity counts from 10 participants, within the evaluation year', () => {
      const min = rowCheck('activity_ledger', 'activity_min_participants');
      expect(min.level).toBe('warning');
      expect(run(min.assert, { people: 9 })).toBe(false);
      expect(run(min.assert, { people: 10 })).toBe(true);
      const inYear = rowCheck('activity_ledger', 'activity_in_year');
      expect(inYear.level).toBe('warning');
      expect(run(inYear.assert, { date: '2023-01-01' })).toBe(true);
      expect(run(inYear.assert, { date: '2023-12-31' })).toBe(true);
      expect(run(inYear.assert, { date: '2022-12-31' })).toBe(false);
      expect(run(inYear.assert, { date: '2024-01-02' })).toBe(false);
    });

    it('questions repeats in 服务企业台账 (a ledger) and refuses them in 入驻企业名单 (a list)', () => {
      const dup = tableCheck('service_ledger', 'service_ledger_unique');
      expect(dup.level).toBe('warning');
      expect(run(dup.assert, { service_ledger: [{ name: '甲公司' }, { name: '乙公司' }] })).toBe(true);
      expect(run(dup.assert, { service_ledger: [{ name: '甲公司' }, { name: '乙公司' }, { name: '甲公司 ' }] })).toBe(false);
      const res = tableCheck('resident_list', 'resident_list_unique');
      expect(res.level).toBe('error');
      expect(run(res.assert, { resident_list: [{ name: '甲公司' }, { name: '甲公司' }] })).toBe(false);
    });

    it('matches the resident list with 【三】1 and 【三】3', () => {
      const list = [
        { name: 'A', size: '小型', leading: true, office_here: true },
        { name: 'B', size: '微型', leading: true, office_here: true },
        { name: 'C', size: '中型', leading: false, office_here: true },
      ];
      const answers = { resident_list: list, resident_total: 3, resident_small: 2, leading_industry_enterprises: 2 };
      for (const id of ['resident_list_matches_total', 'resident_list_matches_small', 'resident_list_matches_leading']) {
        expect(tableCheck('resident_list', id).level, id).toBe('warning');
        expect(run(tableCheck('resident_list', id).assert, answers), id).toBe(true);
      }
      expect(run(tableCheck('resident_list', 'resident_list_matches_total').assert, { ...answers, resident_total: 4 })).toBe(false);
      expect(run(tableCheck('resident_list', 'resident_list_matches_small').assert, { ...answers, resident_small: 3 })).toBe(false);
      expect(run(tableCheck('resident_list', 'resident_list_matches_leading').assert, { ...answers, leading_industry_enterprises: 3 })).toBe(false);
      const office = rowCheck('resident_list', 'resident_small_in_office');
      expect(run(office.when!, { size: '小型' }) && run(office.assert, { office_here: false })).toBe(false);
      expect(run(office.when!, { size: '中型' })).toBe(false);
      expect(run(rowCheck('resident_list', 'resident_entered_by_year_end').assert, { entered: '2024-02-01' })).toBe(false);
    });

    it('checks the survey: coverage ≥ 40 % of residents (at most 60), at most 60 rows, average near 【二】9', () => {
      const coverage = tableCheck('survey_list', 'survey_list_coverage');
      expect(coverage.level).toBe('warning');
      const survey = (n: number, score = 95) => rows(n, (i) => ({ name: `企业${i}`, score }));
      expect(run(coverage.assert, { survey_list: survey(25), resident_total: 80 })).toBe(false);
      expect(run(coverage.assert, { survey_list: survey(32), resident_total: 80 })).toBe(true);
      expect(run(coverage.assert, { survey_list: survey(60), resident_total: 300 })).toBe(true);
      expect(run(coverage.assert, { survey_list: survey(59), resident_total: 300 })).toBe(false);
      const most = tableCheck('survey_list', 'survey_list_at_most_60');
      expect(run(most.assert, { survey_list: survey(60) })).toBe(true);
      expect(run(most.assert, { survey_list: survey(61) })).toBe(false);
      const average = tableCheck('survey_list', 'survey_list_average');
      const list = [{ score: 90 }, { score: 96 }];
      expect(run(average.when!, { survey_list: [] })).toBe(false);
      expect(run(average.assert, { survey_list: list, satisfaction: 93 })).toBe(true);
      expect(run(average.assert, { survey_list: list, satisfaction: 93.4 })).toBe(true);
      expect(run(average.assert, { survey_list: list, satisfaction: 95 })).toBe(false);
      expect(run(rowCheck('survey_list', 'survey_score_range').assert, { score: 101 })).toBe(false);
    });

    it('checks the staff lists against 【一】9, 10 and 【二】8', () => {
      const staff = [
        ...rows(6, (i) => ({ name: `本科${i}`, degree: '本科', qualification: null })),
        { name: '大专甲', degree: '大专', qualification: '中级经济师' },
        { name: '大专乙', degree: '大专', qualification: null },
      ];
      const scope = { staff_list: staff, service_staff: 8, qualified_staff: 7 };
      expect(run(tableCheck('staff_list', 'staff_list_matches_service_staff').assert, scope)).toBe(true);
      expect(run(tableCheck('staff_list', 'staff_list_matches_service_staff').assert, { ...scope, service_staff: 9 })).toBe(false);
      expect(run(tableCheck('staff_list', 'staff_list_supports_qualified').assert, scope)).toBe(true);
      expect(run(tableCheck('staff_list', 'staff_list_supports_qualified').assert, { ...scope, qualified_staff: 8 })).toBe(false);
      const ws = rows(4, (i) => ({ name: `站员${i}` }));
      expect(run(tableCheck('ws_staff_list', 'ws_staff_list_min').assert, { ws_staff_list: ws })).toBe(false);
      expect(run(tableCheck('ws_staff_list', 'ws_staff_list_min').assert, { ws_staff_list: [...ws, { name: '站长' }] })).toBe(true);
      const matches = tableCheck('ws_staff_list', 'ws_staff_list_matches_ws_staff');
      expect(run(matches.when!, { workstation: '未建设' })).toBe(false);
      expect(run(matches.assert, { ws_staff_list: ws, ws_staff: 5 })).toBe(false);
    });

    it('checks partners, innovative enterprises and the threshold-10 ledgers', () => {
      const partners = [{ name: '律所', signed: '2023-03-01' }, { name: '会计所', signed: null }];
      expect(run(tableCheck('partner_list', 'partner_list_signed_filled').assert, { partner_list: partners })).toBe(false);
      expect(run(tableCheck('partner_list', 'partner_list_signed_filled').assert, { partner_list: partners.slice(0, 1) })).toBe(true);
      expect(run(tableCheck('partner_list', 'partner_list_matches_count').assert, { partner_list: partners, partner_institutions: 2 })).toBe(true);
      expect(run(rowCheck('partner_list', 'partner_signed_by_year_end').assert, { signed: '2024-01-10' })).toBe(false);

      const innovation = [
        { name: 'A', qualification: '国高新' }, { name: 'A', qualification: '专精特新' }, { name: 'B', qualification: '国高新' },
      ];
      const counts = { innovation_list: innovation, innov_gxq: 2, innov_zjtx: 1, innov_xjr: 0, innov_yxgj: 0, innovative_total: 2 };
      for (const id of ['gxq', 'zjtx', 'xjr', 'yxgj']) expect(run(tableCheck('innovation_list', `innovation_list_matches_${id}`).assert, counts), id).toBe(true);
      expect(run(tableCheck('innovation_list', 'innovation_list_matches_gxq').assert, { ...counts, innov_gxq: 3 })).toBe(false);
      expect(run(tableCheck('innovation_list', 'innovation_list_covers_total').assert, { ...counts, innovative_total: 4 })).toBe(false);

      // one check per service function of 管理办法 (threshold 10)
      const functions = shared.vocabularies.find((v) => v.id === 'service_functions')!.items.map((i) => i.value);
      const proven = table('activity_ledger').checks.filter((c) => c.id.startsWith('proven_'));
      expect(proven.map((c) => c.when!.match(/"(.+)"/)![1])).toEqual(functions);
      const cyfd = proven[0];
      const activities = (n: number) => rows(n, (i) => ({ name: `沙龙${i}`, category: '创业辅导', people: 20 }));
      expect(run(cyfd.when!, { proven_functions: ['创业辅导', '信息服务'] })).toBe(true);
      expect(run(cyfd.assert, { activity_ledger: activities(3), service_ledger: [] })).toBe(false);
      expect(run(cyfd.assert, { activity_ledger: activities(4), service_ledger: [] })).toBe(true);
      expect(run(cyfd.assert, { activity_ledger: activities(3), service_ledger: [{ name: '甲', category: '创业辅导' }] })).toBe(true);
    });
  });

  it('decides the thresholds on sample answers', () => {
    const scope = {
      year: 2023, prev_year: 2022, year_end: '2023-12-31', today: '2024-03-01',
      legal_person: true, reg_district: '海淀区', reg_date: '2015-06-01', project_approval: true, policy_compliance: true,
      build_area: 12000, public_area: 800,
      criminal_penalty: false, serious_dishonesty: false, rep_bad_credit: false,
      resident_small: 50, resident_total: 70, leading_industry_enterprises: 60, concentration: (60 / 70) * 100,
      gjj_manufacturing: true, certified: false, policy_docs: 9, qualified_staff: 10, satisfaction: 95, survey_count: 28,
      free_service_share: 30, workstation: '未建设', ws_commitment: true, proven_functions: ['创业辅导', '信息服务', '人员培训'],
    };
    const verdict = (n: number, s: Record<string, unknown>) => {
      const t = flow.thresholds.find((t) => t.number === n)!;
      const c = t.cases.find((c) => !c.when || compile(c.when)(s) === true)!;
      return (c.conditions ?? [{ pass: c.pass! }]).every((condition) => compile(condition.pass)(s) === true);
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
