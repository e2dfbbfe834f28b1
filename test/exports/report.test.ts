import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import { findSeed } from '../../src/flow/seed.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { orgScope, type Env } from '../../src/engine/scope.ts';
import type { Answers, TableValue } from '../../src/engine/values.ts';
import { coerceRows } from '../../src/rules/table-checks.ts';
import { NoReportTemplateError, reportDraft } from '../../src/exports/report/report-docx.ts';
import { checkReport } from '../../src/flow/report-check.ts';

/**
 * The 绩效报告 draft read back from the .docx: the cover filled in, the seed's chapter headings in the seed's order, the
 * declared figures in their sentences, a highlighted place for the operator's prose per chapter, and the 真实性声明函
 * on its own page with the unit's name — and, for a declaration half done, 【待填写】 where a figure is not known yet.
 */

/** One entry of a zip, inflated. */
function zipEntry(buffer: Buffer, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        });
      });
      zip.on('end', () => reject(new Error(`${name} not in the zip`)));
      zip.readEntry();
    });
  });
}

interface Para { style?: string; text: string; highlighted: string[] }

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The body's paragraphs: style, text, and the text of its highlighted runs. */
function paragraphsOf(xml: string): Para[] {
  return [...xml.matchAll(/<w:p>.*?<\/w:p>|<w:p [^>]*>.*?<\/w:p>/g)].map(([p]) => ({
    style: p.match(/<w:pStyle w:val="([^"]+)"/)?.[1],
    text: unescape([...p.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('')),
    highlighted: [...p.matchAll(/<w:r>(?:(?!<\/w:r>).)*?<w:highlight w:val="yellow"\/>(?:(?!<\/w:r>).)*?<\/w:r>/g)].map(([r]) =>
      unescape([...r.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('')),
    ),
  }));
}

async function draft(loaded: LoadedFlow, answers: Answers, tables: Record<string, TableValue>, env: Env, unitName?: string, district?: string) {
  const buffer = await reportDraft({ loaded, answers, tables, env, unitName, district, date: env.today });
  const xml = await zipEntry(buffer, 'word/document.xml');
  return { buffer, xml, paragraphs: paragraphsOf(xml), styles: await zipEntry(buffer, 'word/styles.xml') };
}

const fixture = (id: string): Record<string, unknown> =>
  parseYaml(readFileSync(fileURLToPath(new URL(`../fixtures/answers/${id}.yaml`, import.meta.url)), 'utf8'));

/** Annex tables as an import reads them: raw rows coerced by the table's columns. */
function tablesOf(loaded: LoadedFlow, raw: Record<string, Record<string, unknown>[]>, today: string): Record<string, TableValue> {
  return Object.fromEntries(
    Object.entries(raw).map(([id, rows]) => {
      const { rows: coerced, problems } = coerceRows(loaded, loaded.flow.tables.find((t) => t.id === id)!, rows, today);
      expect(problems).toEqual([]);
      return [id, coerced];
    }),
  );
}

const seedText = (loaded: LoadedFlow) => readFileSync(findSeed(loaded.dir, loaded.flow.seed)!, 'utf8').replace(/\[bookmark:[^\]]*\]/g, '');

/** The seed's own chapter headings: the 一、… lines between the template's title and its first annex table. */
function seedChapters(loaded: LoadedFlow, reportTitle: RegExp): string[] {
  const lines = seedText(loaded).split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => reportTitle.test(l));
  const end = lines.findIndex((l, i) => i > start && /^附表/.test(l));
  return lines.slice(start + 1, end).filter((l) => /^[一二三四五六七八九十]、/.test(l));
}

/** The seed's 声明函 sentence: the line beginning 本单位 after its title. */
function seedDeclaration(loaded: LoadedFlow): string {
  const text = seedText(loaded);
  return text.slice(text.lastIndexOf('绩效评价材料真实性声明函')).split('\n').map((l) => l.trim()).find((l) => l.startsWith('本单位'))!;
}

const allText = (paragraphs: Para[]) => paragraphs.map((p) => p.text).join('\n');

interface Case {
  id: string;
  /** The day the declaration is made (填报日期). */
  today: string;
  /** The directory row, for a rule that compares with it. */
  org?: number;
  reportTitle: RegExp;
  cover: string[];
  figures: string[];
  tables: Record<string, Record<string, unknown>[]>;
}

const cases: Case[] = [
  {
    id: 'beijing-base-2023',
    today: '2024-03-28',
    reportTitle: /^基地\d{4}年度运营服务情况报告$/,
    cover: ['北京市小型微型企业创业创新', '示范基地2023年度绩效报告', '申请单位：北京首冶新元科技发展有限公司（盖章）', '所属区：昌平区', '填报日期：2024年3月28日', '北京市经济和信息化局制'],
    figures: ['截至2023年末，基地入驻企业80家，其中小微企业65家', '入驻企业名单（附表1-2-3-1-3）列出企业3家，其中在基地内注册2家、在基地内办公3家', '服务活动台账（附表1-2-3-1-4）记录服务活动2次，参与企业27家次、参与人员63人次', '入驻企业产业集聚度为75%', '基金规模12,000万元'],
    tables: {
      staff_list: [
        { seq: 1, name: '赵一', position: '运营总监', degree: '硕士研究生', school_major: '北京大学 工商管理', phone: '13800000001' },
        { seq: 2, name: '钱二', position: '创业导师', degree: '本科', school_major: '清华大学 自动化', phone: '13800000002' },
      ],
      resident_list: [
        { seq: 1, name: '北京甲科技有限公司', founded: '2019-05-01', industry: '新一代信息技术', headcount: 30, size: '小型', entered: '2020-01-01', area: 300, leading: '是', registered_here: '是', office_here: '是', revenue: 800 },
        { seq: 2, name: '北京乙智能有限公司', founded: '2020-07-01', industry: '智能制造', headcount: 12, size: '微型', entered: '2021-03-01', area: 120, leading: '是', registered_here: '否', office_here: '是', revenue: 150 },
        { seq: 3, name: '北京丙咨询有限公司', founded: '2018-02-01', industry: '商务服务', headcount: 8, size: '微型', entered: '2022-06-01', area: 60, leading: '否', registered_here: '是', office_here: '是', revenue: 90 },
      ],
      activity_ledger: [
        { seq: 1, name: '创业政策宣讲会', category: '创业辅导', date: '2023-04-12', location: '基地路演厅', enterprises: 15, people: 38, fee: '免费' },
        { seq: 2, name: '专利申请辅导', category: '创新支持', date: '2023-09-20', location: '基地会议室', enterprises: 12, people: 25, fee: '免费' },
      ],
      service_ledger: [{ seq: 1, name: '北京甲科技有限公司', category: '管理咨询', date: '2023-05-06', location: '基地', content: '股权架构咨询', fee: '免费' }],
      partner_list: [{ seq: 1, name: '某律师事务所', category: '法律服务', content: '法律咨询', signed: '2023-01-10' }],
    },
  },
  {
    id: 'beijing-platform-2024',
    today: '2025-03-28',
    org: 19,
    reportTitle: /^平台\d{4}年度运营服务情况报告$/,
    cover: ['北京市中小企业公共服务示范平台', '2024年度绩效报告', '单位名称：北京尊冠科技有限公司（盖章）', '所属区：海淀区', '填报日期：2025年3月28日', '北京市经济和信息化局制'],
    figures: ['2024年度服务京津冀企业420家，其中中小企业402家、北京企业310家', '占营业总收入的75%', '2024年度合同订单列表（附表4-2-1-3）列出合同订单2个，金额合计36.5万元', '技术创新服务成效：为企业提供技术创新服务产品/项目28个'],
    tables: {
      staff_list: [{ seq: 1, name: '孙三', position: '检测工程师', degree: '本科', school_major: '北京理工大学 测控技术', phone: '13900000003' }],
      enterprise_list: [
        { seq: 1, name: '北京丁电子有限公司', content: '电磁兼容检测', province: '北京市' },
        { seq: 2, name: '天津戊医疗器械有限公司', content: '医疗器械检测', province: '天津市' },
      ],
      contract_list: [
        { seq: 1, enterprise: '北京丁电子有限公司', content: '电磁兼容检测', size: '小型', amount: 12, signed: '2024-04-02', number: 'ZG-2024-001' },
        { seq: 2, enterprise: '天津戊医疗器械有限公司', content: '医疗器械检测', size: '中型', amount: 24.5, signed: '2024-06-18', number: 'ZG-2024-002' },
      ],
      activity_ledger: [{ seq: 1, name: '检测技术沙龙', date: '2024-05-10', location: '北京', enterprises: 32, people: 60, fee: '免费' }],
    },
  },
];

describe.each(cases)('the report draft of a complete $id declaration', (c) => {
  const loaded = getFlow(c.id);
  const report = loaded.flow.report!;
  const entry = c.org ? loaded.directory.find((e) => e.seq === c.org) : undefined;
  const env: Env = { today: c.today, org: orgScope(entry) };
  const input = fixture(c.id);
  const filled = fillAnswers(loaded, input, env);
  const tables = tablesOf(loaded, c.tables, c.today);
  const made = draft(loaded, filled.answers, tables, env, String(input.unit_name), String(input.reg_district));

  it('starts from a declaration without errors and a template found in the seed', () => {
    expect(filled.errors).toEqual([]);
    expect(filled.missing).toEqual([]);
    expect(checkReport(loaded)).toEqual([]);
  });

  it('has the cover filled in from the declaration, the issuer as in the seed', async () => {
    const { paragraphs } = await made;
    const texts = paragraphs.map((p) => p.text);
    let at = -1;
    for (const line of c.cover) {
      const found = texts.indexOf(line, at + 1);
      expect(found, line).toBeGreaterThan(at);
      at = found;
    }
  });

  it('has every chapter heading of the seed, in the seed’s order, in its own black 黑体 style', async () => {
    const { paragraphs, styles } = await made;
    const headings = paragraphs.filter((p) => p.style === 'ReportHeading1').map((p) => p.text);
    const expected = seedChapters(loaded, c.reportTitle);
    expect(expected.length).toBe(c.id === 'beijing-base-2023' ? 7 : 6);
    expect(headings).toEqual(expected);
    const heading = styles.match(/<w:style [^>]*w:styleId="ReportHeading1".*?<\/w:style>/)![0];
    expect(heading).toContain('w:eastAsia="黑体"');
    expect(heading).toContain('<w:color w:val="000000"/>');
    expect(heading).toContain('<w:sz w:val="32"/>');
    expect(styles).toMatch(/<w:style [^>]*w:styleId="ReportBody".*?w:eastAsia="仿宋_GB2312".*?<w:sz w:val="32"\/>/);
  });

  it('says the declared figures, and those of the annex tables, in their chapters', async () => {
    const text = allText((await made).paragraphs);
    for (const figure of c.figures) expect(text).toContain(figure);
  });

  it('ends each chapter with a highlighted place for the operator’s prose, worded as the seed describes the chapter', async () => {
    const { paragraphs } = await made;
    const prompts = paragraphs.flatMap((p) => p.highlighted).filter((h) => h.startsWith('【请填写：'));
    expect(prompts).toEqual(report.chapters.map((ch) => `【请填写：${ch.prompt}】`));
    const seed = seedText(loaded).replace(/\s+/g, '');
    for (const chapter of report.chapters) expect(seed).toContain(chapter.prompt);
  });

  it('has the 真实性声明函 on a page of its own, in the seed’s words, with the unit’s name', async () => {
    const { xml, paragraphs } = await made;
    const title = xml.lastIndexOf('绩效评价材料真实性声明函');
    // The chapters' section ends with its last paragraph, whose properties (before its text) hold the break.
    const lastChapter = xml.lastIndexOf(report.chapters.at(-1)!.title);
    const pageBreak = xml.indexOf('<w:type w:val="nextPage"/>', lastChapter);
    expect(pageBreak).toBeGreaterThan(lastChapter);
    expect(pageBreak).toBeLessThan(title);
    const texts = paragraphs.map((p) => p.text);
    expect(texts).toContain(seedDeclaration(loaded));
    expect(texts).toContain(`填报单位（盖章）：${input.unit_name}`);
    expect(texts).toContain('法定代表人（签字）：');
  });

  it('is A4 and has nothing left to fill in and nothing unprinted', async () => {
    const { xml, paragraphs } = await made;
    expect(xml).toContain('<w:pgSz w:w="11906" w:h="16838"');
    const text = allText(paragraphs);
    expect(text).not.toContain('待填写');
    expect(text).not.toMatch(/undefined|null|NaN|\{|\}/);
  });
});

describe('a declaration half done', () => {
  const loaded = getFlow('beijing-base-2023');
  const env: Env = { today: '2024-03-28' };
  const { answers, errors } = fillAnswers(loaded, { unit_name: '北京某某科技有限公司', resident_total: 80, has_fund: '否', workstation: '已建设' }, env);

  it('shows 【待填写】 where an answer, a table or the unit is missing, and never undefined, null or NaN', async () => {
    expect(errors).toEqual([]);
    const { paragraphs } = await draft(loaded, answers, {}, env, undefined, '朝阳区');
    const text = allText(paragraphs);
    expect(text).not.toMatch(/undefined|null|NaN/);
    expect(text).toContain('截至2023年末，基地入驻企业80家，其中小微企业【待填写：其中小微企业家数】家');
    expect(text).toContain('入驻企业名单（附表1-2-3-1-3）列出企业【待填写：附表1-2-3-1-3 入驻企业名单】家，其中在基地内注册【待填写】家');
    expect(text).toContain('申请单位：【待填写：申请单位】（盖章）');
    expect(text).toContain('所属区：朝阳区');
    expect(text).toContain('填报单位（盖章）：【待填写：填报单位】');
    const highlighted = paragraphs.flatMap((p) => p.highlighted);
    expect(highlighted).toContain('【待填写：其中小微企业家数】');
    expect(highlighted).toContain(`【待填写：${loaded.questions.get('ws_area')!.label}】`);
  });

  it('leaves out a sentence whose condition is false, and says once what an undecided one waits for', async () => {
    const { paragraphs } = await draft(loaded, answers, {}, env, '北京某某科技有限公司', '朝阳区');
    const text = allText(paragraphs);
    expect(text).not.toContain('园区投资基金');
    expect(text).toContain('基地已建设企业服务工作站');
    expect(text).not.toContain('承诺本年年底前建设完成');
    const waiting = paragraphs.filter((p) => p.text === '【待填写：是否已通过管理体系认证】');
    expect(waiting).toHaveLength(1);
  });
});

describe('the report template as data', () => {
  it('ticks the declared service category on the platform cover', async () => {
    const loaded = getFlow('beijing-platform-2024');
    const env: Env = { today: '2025-03-28' };
    const { answers } = fillAnswers(loaded, { service_category: '技术创新' }, env);
    const { paragraphs } = await draft(loaded, answers, {}, env, '北京尊冠科技有限公司', '海淀区');
    const line = paragraphs.find((p) => p.text.startsWith('服务类别（任选一项）：'))!.text;
    expect(line).toContain('☑技术创新');
    expect(line).toContain('□综合咨询');
    expect(line.match(/☑/g)).toHaveLength(1);
  });

  it('is refused for a programme whose seed has no report template (Hebei)', async () => {
    for (const id of ['hebei-base', 'hebei-platform']) {
      const loaded = getFlow(id);
      expect(loaded.flow.report).toBeUndefined();
      await expect(reportDraft({ loaded, answers: {}, tables: {}, env: { today: '2024-03-28' }, date: '2024-03-28' })).rejects.toBeInstanceOf(NoReportTemplateError);
    }
  });

  it('is checked against the seed and the flow: a heading the seed lacks, a placeholder naming nothing', () => {
    const loaded = getFlow('beijing-base-2023');
    const report = structuredClone(loaded.flow.report!);
    report.chapters[2].title = '三、运营管理情况';
    report.chapters[0].facts[0] = { message: '入驻企业{count(resident_lists)}家，{resident_totl}家' };
    const issues = checkReport({ ...loaded, flow: { ...loaded.flow, report } }).map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual([
      'report.chapters.0.facts.0.message: 表达式引用了不存在的题目、附表或常量“resident_lists”（count(resident_lists)）',
      'report.chapters.0.facts.0.message: 表达式引用了不存在的题目、附表或常量“resident_totl”（resident_totl）',
      'report.chapters.2.title: 依据文件中没有“三、运营管理情况”的字样：报告模板的标题、章节和声明函须照录依据文件',
    ]);
  });
});
