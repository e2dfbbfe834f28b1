import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import { findSeed } from '../../src/flow/seed.ts';
import type { FormSheet } from '../../src/flow/sheet-layout.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope, orgScope, type Env } from '../../src/engine/scope.ts';
import type { Answers, MatrixValue } from '../../src/engine/values.ts';
import { declarationWorkbook, EVIDENCE_SHEET, FORM_SHEET, THRESHOLD_SHEET } from '../../src/exports/excel/workbook.ts';
import { paintFormSheet } from '../../src/exports/excel/form-sheet.ts';
import { answerFixture } from '../support/declaration-walk.ts';
import { readBack } from './excel-support.ts';

/**
 * Hebei's 运营情况表 in the declaration workbook, filled in the seed's own layout: the sheet read back holds the seed's
 * title and words in the seed's order, each answer in the blank the form leaves for it, the 服务成效 grid with its
 * figures and our totals, merged as the flow declares; an answer that looks like a formula stays text.
 */

const SHEET = '运营情况表';

/** A part of an expected cell: the seed's words, an answer (or figure) as shown, or a header of our own (合计). */
type Part = string | { answer: string | number } | { ours: string };
type Expected = Part | Part[];
const a = (answer: string | number) => ({ answer });
const ours = (text: string) => ({ ours: text });

const partsOf = (cell: Expected): Part[] => (Array.isArray(cell) ? cell : [cell]);
/** The cell as it should read: a lone figure as a number, anything else as the text its parts make. */
function valueOf(cell: Expected): string | number {
  const parts = partsOf(cell);
  if (parts.length === 1 && typeof parts[0] === 'object' && 'answer' in parts[0] && typeof parts[0].answer === 'number') return parts[0].answer;
  return parts.map((p) => (typeof p === 'string' ? p : 'answer' in p ? String(p.answer) : p.ours)).join('');
}
/** The seed's words of a cell: its texts, without answers and our own headers; layout aside (spaces) and years as YYYY. */
const normalWords = (text: string) => text.replace(/\s+/g, '').replace(/(19|20)\d\d(?=年)/g, 'YYYY');
const wordsOf = (cell: Expected) => normalWords(partsOf(cell).filter((p): p is string => typeof p === 'string').join(''));

/** The seed's cells of a form (a line starting with a tab), from its title to its date line, blank cells dropped. */
function seedCells(loaded: LoadedFlow, title: string): string[] {
  const lines = readFileSync(findSeed(loaded.dir, loaded.flow.seed)!, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  expect(start, title).toBeGreaterThan(0);
  const cells: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.startsWith('\t')) cells.push(line.slice(1));
    // A cell's text broken over lines (是否变更过 / 承建单位) continues on a line without the tab.
    else if (line.trim()) cells[cells.length - 1] += line;
    if (/年\s+月\s+日/.test(line)) break;
  }
  return cells.map(normalWords).filter(Boolean);
}

/** The sheet row by row: each cell once (a merged cell at its first column), '' where it is empty. */
function sheetRows(ws: ExcelJS.Worksheet, width: number): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row: (string | number)[] = [];
    for (let c = 1; c <= width; c++) {
      const cell = ws.getCell(r, c);
      if (cell.isMerged && cell.master.address !== cell.address) continue;
      row.push(cell.value === null || cell.value === undefined ? '' : (cell.value as string | number));
    }
    rows.push(row);
  }
  return rows;
}

/** The merges the layout declares: title and headings across, each cell over its span, a row's last cell to the edge. */
function declaredMerges(loaded: LoadedFlow, sheet: FormSheet): string[] {
  const width = sheet.widths.length;
  const range = (r: number, left: number, right: number) => `${String.fromCharCode(64 + left)}${r}:${String.fromCharCode(64 + right)}${r}`;
  const merges = [range(1, 1, width)];
  let r = 2;
  for (const row of sheet.rows) {
    if ('heading' in row) merges.push(range(r++, 1, width));
    else if ('grid' in row) {
      const q = loaded.questions.get(row.grid)!;
      if (q.type !== 'matrix') throw new Error(row.grid);
      const rows = loaded.vocabularies.get(q.rowsFrom!)!.items.length;
      const across = row.transpose ? rows + (q.totals ? 1 : 0) : q.columns.length + (q.rowTotals ? 1 : 0);
      const down = row.transpose ? q.columns.length + (q.rowTotals ? 1 : 0) : rows + (q.totals ? 1 : 0);
      for (let i = 0; i <= down; i++) if (across + 1 < width) merges.push(range(r + i, across + 1, width));
      r += down + 1;
    } else {
      let left = 1;
      row.cells.forEach((cell, i) => {
        const right = i === row.cells.length - 1 ? width : left + cell.span - 1;
        if (right > left) merges.push(range(r, left, right));
        left = right + 1;
      });
      r++;
    }
  }
  return merges.sort();
}

interface Declaration {
  loaded: LoadedFlow;
  input: Record<string, unknown>;
  answers: Answers;
  env: Env;
}

function declaration(flowId: string, change: (input: Record<string, unknown>) => void = () => {}): Declaration {
  const loaded = getFlow(flowId);
  const { answers: input, seq } = answerFixture(flowId);
  change(input);
  const env: Env = { today: `${loaded.flow.year + 1}-03-01`, org: orgScope(loaded.directory.find((e) => e.seq === seq)) };
  const filled = fillAnswers(loaded, input, env);
  expect(filled.errors).toEqual([]);
  return { loaded, input, answers: filled.answers, env };
}

async function formSheet(d: Declaration): Promise<{ workbook: ExcelJS.Workbook; ws: ExcelJS.Worksheet }> {
  const workbook = await readBack(await declarationWorkbook({ loaded: d.loaded, answers: d.answers, tables: {}, env: d.env }));
  return { workbook, ws: workbook.getWorksheet(SHEET)! };
}

/** The platform's form, from the seed's 附件2 and the fixture's answers (figures as the form writes them, by hand). */
function platformForm(p: Record<string, unknown>): Expected[][] {
  const s = (id: string) => a(String(p[id]));
  return [
    ['全省中小企业公共服务示范平台运营情况表'],
    [['单位名称：', s('unit_name'), '（盖章）　　　　　　　　单位：平方米']],
    ['一、基本情况'],
    ['平台名称', s('platform_name'), '法人代表', s('legal_rep'), '手  机', s('legal_rep_mobile')],
    ['单位性质', s('unit_nature'), '联系人', s('contact_name'), '手  机', s('contact_mobile')],
    ['地址', s('address'), '邮  箱', s('email')],
    ['网址及备案号（已建网站的填写）', s('website')],
    ['二、服务执行'],
    [['资产总额：', a('5,600'), '万元'], ['仪器、设备：', a('320'), '台/套，购买价格：', a('2,240'), '万元，占总资产：', a('40'), '%']],
    [['服务场地面积：', a('4,500'), '平方米，其中自有：', a('3,000'), '平方米，租用：', a('1,500'), '平方米，租金：', a('54'), '万元']],
    [['专业化服务团队：从业人员', a('120'), '人，其中大专及以上学历的专业技术人员占', a('85'), '%，中级职称及以上人员占', a('40'), '%']],
    [['开展服务活动支出：', a('168'), '万元，占总资产：', a('3'), '%']],
    ['三、服务能力'],
    [['聚集服务机构：', a('15'), '家'], ['汇聚政府性资源：', a('4'), '项']],
    [['公共服务产品数量：', a('36'), '个（根据申报平台的功能要求对应的公共服务产品数量）']],
    ['四、服务成效'],
    [['年服务企业数量：', a('520'), '家'], ['较上一年度增长：', a('120'), '家，年度同比增长', a('30'), '%，企业满意度：', a('95'), '%']],
    [['开展公益服务活动：', a('18'), '场'], ['占年度总量：', a('30'), '%，其中服务小微企业：', a('442'), '家，占总量：', a('85'), '%']],
    [['平台年度服务收入：', a('1,890'), '万元，同比增长：', a('26'), '%，']],
    ['五、可持续发展'],
    [['平台发展规划和年度服务目标：（可后附）', a(`\n${p.development_plan}`)], ['持续创新服务内容、形式等做法总结：（可后附）', a(`\n${p.innovation_summary}`)]],
    ['六、服务协同'],
    [['能否按时填报服务数据：', a('是')], ['能否按时报送年终总结：', a('是')]],
    ['七、市级中小企业主管部门审核意见：'],
    ['年   月   日（盖章）'],
  ];
}

/** The base's form, from the seed's 附件2 and the fixture's answers; the 服务成效 grid's totals summed by hand. */
function baseForm(b: Record<string, unknown>): Expected[][] {
  const s = (id: string) => a(String(b[id]));
  const box = (label: string, id: string): Part[] => [label, a(`\n${b[id]}`)];
  return [
    ['全省小型微型企业创业创新示范基地运营情况表'],
    ['单位名称（盖章）：', s('unit_name'), '单位：平方米、万元、家、人'],
    ['一、基本情况'],
    ['单位名称', s('unit_name'), '基地名称', s('base_name')],
    // Not changed: 原承建单位名称 is not asked, and reads —.
    ['是否变更过承建单位', a('否'), '原承建单位名称', a('—')],
    ['法人代表', s('legal_rep'), '电话', s('legal_rep_phone'), '联系人', s('contact_name'), '电话', s('contact_phone')],
    ['网址', s('website'), '邮箱', s('email')],
    ['地址', s('address')],
    ['二、需求响应'],
    [box('与中小企业沟通交流的渠道(可后附，细化）', 'communication_channels'), box('对中小企业实际服务需求的把握（可后附)', 'demand_grasp')],
    [box('服务收费的科学性、合理性（可后附，有费用标准或表格）', 'fee_rationality')],
    ['三、服务执行'],
    ['从业人员', a('32人'), '从事创业创新服务的专职人员数', a('18人')],
    ['创业辅导师', a('25人'), ['大专以上（含）及中级职称以上（含）人员达到占总人数的', a('81.25'), '%']],
    [box('服务自我评估与驻企业评价（可后附）', 'self_evaluation'), box('服务工作归档及经营总结（可后附）', 'archiving_summary')],
    ['四、服务成效（截止到2024年12月31日）'],
    ['项目', '信息服务', '创业辅导', '创新支持', '人员培训', '市场营销', '投融资服务', '管理咨询', '专业服务', ours('合计')],
    ['服务活动次数', a(24), a(18), a(10), a(12), a(6), a(8), a(5), a(9), a(92)],
    ['服务企业数', a(96), a(60), a(35), a(48), a(30), a(26), a(20), a(40), a(355)],
    ['服务人数', a(420), a(210), a(120), a(360), a(90), a(75), a(40), a(65), a(1380)],
    [['服务企业年度总数量', a('186'), '家'], ['比上一年度增长', a('36'), '家'], ['年度同比增长', a('24'), '%']],
    [['入驻企业数', a('96'), '家'], ['其中：小微企业数', a('84'), '家'], ['小微企业占入驻企业比例', a('87.5'), '%'], ['基地内从业人数', a('1,380'), '人']],
    ['建筑面积', a('28,000平方米'), ['服务场所面积（自有', a('0'), '/租用', a('2,600'), '）'], ['设备及软件', a('140'), '（台/套）'], ['引入外部专业服务机构', a('12'), '家']],
    ['资产总额', a('3,650万元'), '营业收入', a('1,260万元'), '其中：服务性收入', a('980万元'), '服务性支出', a('410万元')],
    ['利润总额', a('156万元'), ['公益性或低收费服务收入占总服务收入的比例', a('35'), '%'], ['取得政府补助资金', a('120'), '万元']],
    ['五、质量管控'],
    [box('服务质量管控体系的建立（可后附）', 'quality_system'), box('制度执行和质量管理（可后附）', 'quality_execution'), box('持续创新服务的内容、形式等（可后附）', 'innovation')],
    ['六、工作协同情况'],
    ['河北省中小企业公共服务大数据平台（http://data.smehb.cn)', '能否按时填报服务数据', a('是'), '能否按时报送年终总结', a('是')],
    ['七、市级主管部门审核意见：'],
    ['年   月  日(盖章）'],
  ];
}

const CASES = [
  { flowId: 'hebei-platform', title: '全省中小企业公共服务示范平台运营情况表', form: platformForm },
  { flowId: 'hebei-base', title: '全省小型微型企业创业创新示范基地运营情况表', form: baseForm },
] as const;

for (const c of CASES) {
  describe(`${c.flowId}: the 运营情况表 sheet`, async () => {
    const d = declaration(c.flowId);
    const { workbook, ws } = await formSheet(d);
    const layout = d.loaded.flow.sheets[0];
    const expected = c.form(d.input);

    it('follows the 填报信息 sheet, one sheet for the flow’s one form', () => {
      expect(d.loaded.flow.sheets.map((s) => s.name)).toEqual([SHEET]);
      expect(workbook.worksheets.filter((s) => s.state === 'visible').map((s) => s.name)).toEqual([FORM_SHEET, SHEET, THRESHOLD_SHEET, EVIDENCE_SHEET]);
    });

    it('has the seed’s title, labels and grid headers, in the seed’s order', () => {
      expect(ws.getCell(1, 1).value).toBe(c.title);
      // Our 合计 aside, the words the sheet shows are the seed's cells, one for one.
      expect(expected.flat().map(wordsOf).filter(Boolean)).toEqual(seedCells(d.loaded, c.title));
    });

    it('holds each answer in the blank the form leaves for it, as the assistant shows it', () => {
      expect(sheetRows(ws, layout.widths.length)).toEqual(expected.map((row) => row.map(valueOf)));
    });

    it('merges its cells as the flow declares', () => {
      expect(((ws.model as { merges?: string[] }).merges ?? []).slice().sort()).toEqual(declaredMerges(d.loaded, layout));
    });

    it('places every question of the form, and none the form does not ask', () => {
      const placed = new Set<string>();
      for (const row of layout.rows) {
        if ('grid' in row) placed.add(row.grid);
        if ('cells' in row) for (const cell of row.cells) for (const part of [cell, ...(cell.fill ?? [])]) if (typeof part === 'object' && part.answer) placed.add(part.answer);
      }
      const asked = [...d.loaded.questions.values()].filter((q) => !q.extra).map((q) => q.id);
      expect([...placed].sort()).toEqual(asked.sort());
    });
  });
}

describe('hebei-base: the 服务成效 grid', async () => {
  const d = declaration('hebei-base');
  const { ws } = await formSheet(d);
  const matrix = d.answers.service_matrix.value as MatrixValue;
  const top = sheetRows(ws, 10).findIndex((row) => row[0] === '项目') + 1;

  it('lays the service types across and the three figures down, as the seed, each a number with our total', () => {
    const types = ['信息服务', '创业辅导', '创新支持', '人员培训', '市场营销', '投融资服务', '管理咨询', '专业服务'];
    expect(types.map((_, j) => ws.getCell(top, j + 2).value)).toEqual(types);
    (['activities', 'enterprises', 'people'] as const).forEach((measure, i) => {
      const r = top + 1 + i;
      types.forEach((type, j) => {
        expect(ws.getCell(r, j + 2).type).toBe(ExcelJS.ValueType.Number);
        expect(ws.getCell(r, j + 2).value).toBe(matrix[type][measure]);
      });
      expect(ws.getCell(r, 10).type).toBe(ExcelJS.ValueType.Number);
      expect(ws.getCell(r, 10).value).toBe(types.reduce((sum, type) => sum + matrix[type][measure], 0));
    });
    expect(ws.getCell(top, 10).value).toBe('合计');
  });
});

describe('a grid as the matrix asks it (not transposed), for a form laid out that way', () => {
  it('runs the columns across, a line per row, and closes with the 合计 line', () => {
    const d = declaration('hebei-base');
    const sheet: FormSheet = { name: '表', ref: '附件2', title: '服务成效', widths: [16, 12, 12, 12, 12], rows: [{ grid: 'service_matrix', corner: '项目', transpose: false }] };
    const ws = new ExcelJS.Workbook().addWorksheet(sheet.name);
    paintFormSheet(ws, d.loaded, sheet, d.answers, buildScope(d.loaded, d.answers, d.env));
    const rows = sheetRows(ws, 5);
    expect(rows[1]).toEqual(['项目', '服务活动次数', '服务企业数', '服务人数']);
    expect(rows[2]).toEqual(['信息服务', 24, 96, 420]);
    expect(rows.at(-1)).toEqual(['合计', 92, 355, 1380]);
    expect(rows.length).toBe(1 + 1 + 8 + 1);
    // The block is narrower than the sheet: its last column reaches the edge.
    expect(ws.getCell(2, 4).isMerged && ws.getCell(2, 5).master.address).toBe('D2');
  });
});

describe('hebei-base: what is not answered', async () => {
  const d = declaration('hebei-base', (input) => {
    delete input.service_matrix;
    delete input.resident_employees;
    delete input.website;
    input.served_total_prev = 0;
  });
  const { ws } = await formSheet(d);
  const rows = sheetRows(ws, 10);
  const row = (first: string) => rows.find((r) => typeof r[0] === 'string' && r[0].startsWith(first))!;

  it('leaves an unanswered cell or blank empty to write by hand, and writes — where nothing is asked or computable', () => {
    expect(row('网址')).toEqual(['网址', '', '邮箱', String(d.input.email)]);
    expect(row('入驻企业数')[3]).toBe('基地内从业人数    人');
    // No growth can be computed from 0 enterprises the year before: the question is not asked.
    expect(row('服务企业年度总数量')).toEqual(['服务企业年度总数量186家', '比上一年度增长186家', '年度同比增长—%']);
    for (const label of ['服务活动次数', '服务企业数', '服务人数']) expect(row(label)).toEqual([label, ...Array(9).fill('')]);
  });
});

describe('hebei-platform: answers that look like formulas', async () => {
  const typed = { address: '=HYPERLINK("http://x","y")', unit_nature: '+1+2', website: '@SUM(A1:A9)', development_plan: '-1-1' };
  const d = declaration('hebei-platform', (input) => Object.assign(input, typed));
  // Stored as such, past the chat's parsing (which trims): a tab or carriage return first.
  d.answers.contact_name = { value: '\t=1+1', skipped: false };
  d.answers.email = { value: '\r=1+1', skipped: false };
  const { ws } = await formSheet(d);
  const rows = sheetRows(ws, 6);

  it('stay the text typed, in text cells', () => {
    expect(rows[5].slice(0, 3)).toEqual(['地址', typed.address, '邮  箱']);
    // XML reads a carriage return back as a line feed: still the text, never a formula.
    expect(rows[5][3]).toMatch(/^[\r\n]=1\+1$/);
    expect(rows[4]).toEqual(['单位性质', typed.unit_nature, '联系人', '\t=1+1', '手  机', String(d.input.contact_mobile)]);
    expect(rows[6][1]).toBe(typed.website);
    expect(rows[20][0]).toBe(`平台发展规划和年度服务目标：（可后附）\n${typed.development_plan}`);
    ws.eachRow((row) =>
      row.eachCell((cell) => {
        expect(cell.formula, cell.address).toBeUndefined();
        expect([ExcelJS.ValueType.String, ExcelJS.ValueType.Merge], cell.address).toContain(cell.type);
      }),
    );
  });
});
