import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { getFlow } from '../../src/flow/loader.ts';
import type { AnnexTable } from '../../src/flow/schema.ts';
import { placement } from '../../src/exports/excel/annex-layout.ts';
import { annexTemplate, TEMPLATE_INPUT_ROWS } from '../../src/exports/excel/template.ts';
import { annexLayout } from '../../src/exports/excel/annex-layout.ts';
import { annotatedCopy, IN_PLACE_ROWS } from '../../src/exports/excel/annotated-copy.ts';
import { importAnnex, summary } from '../../src/exports/excel/import.ts';
import { declarationWorkbook } from '../../src/exports/excel/workbook.ts';
import { MAX_SHEET_COLUMNS, readWorkbook } from '../../src/exports/excel/workbook-io.ts';
import { compoundFile, deflatedZeros, fillTemplate, plausibleRows, readBack, stored, typedCell, withHiddenEntry, workbookBomb, zipOf } from './excel-support.ts';

/**
 * What an operator sees when the annex file they send is wrong: each case refused or flagged with a Chinese message
 * saying what is wrong and what to send instead, naming the row and column as Excel shows them.
 */

const base = getFlow('beijing-base-2023');
const platform = getFlow('beijing-platform-2024');
const tableOf = (flow: typeof base, id: string) => flow.flow.tables.find((t) => t.id === id)!;
const residents = tableOf(base, 'resident_list');
const activities = tableOf(base, 'activity_ledger');
const TODAY = '2024-03-01';
const FIRST = 4; // 附表1-2-3-1-3 has a one-row header: 附表 number, title, header, then the rows from row 4.

const dir = mkdtempSync(join(tmpdir(), 'shenbao-annex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A resident-list template with these rows typed in (values as an operator types them, cell by cell). */
async function residentUpload(rows: Array<Record<string, unknown>>, raw = false): Promise<Buffer> {
  return fillTemplate(await annexTemplate(base, residents), base, residents, rows as never, FIRST, raw);
}

const goodResidents = plausibleRows(base, residents, 4);

describe('wrong files are refused, saying what was expected', () => {
  it('a template whose columns were renamed or added names the missing and the unexpected columns', async () => {
    const workbook = await readBack(await annexTemplate(base, residents));
    const sheet = workbook.worksheets[0];
    sheet.getCell('F3').value = '规模';
    sheet.getCell('O3').value = '备注';
    const result = await importAnnex(base, residents, Buffer.from(await workbook.xlsx.writeBuffer()), TODAY);
    expect(result.refused).toBe('no-header');
    expect(result.rows).toEqual([]);
    const message = result.problems[0].message;
    expect(message).toContain('「附表1-2-3-1-3 入驻企业名单」');
    expect(message).toContain('缺少「企业划型」');
    expect(message).toContain('「规模」');
    expect(message).toContain('「备注」');
    expect(message).toContain('请用本表的模板填写');
  });

  it('the template of another table is named as such', async () => {
    const result = await importAnnex(base, residents, await annexTemplate(base, activities), TODAY);
    expect(result.refused).toBe('other-table');
    expect(summary(result.problems)).toBe(result.problems[0].message);
    expect(result.problems[0].message).toContain('您发送的是「附表1-2-3-1-4 服务活动台账」');
    expect(result.problems[0].message).toContain('这里需要的是「附表1-2-3-1-3 入驻企业名单」');
  });

  it('a PDF, a CSV, a Word document, random bytes and a legacy .xls are each said for what they are', async () => {
    const docx = zipOf([stored('[Content_Types].xml', '<Types/>'), stored('word/document.xml', '<w:document/>')]);
    const cases: Array<[Buffer, string, string]> = [
      [Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), 'pdf', 'PDF'],
      [Buffer.from('序号,企业名称\n1,北京甲公司\n'), 'text', 'CSV'],
      [docx, 'not-xlsx', 'Word 文档'],
      [Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10, 0x20]), 'not-zip', '不是 Excel 工作簿'],
      [compoundFile(['Root Entry', 'Workbook', 'SummaryInformation']), 'legacy-xls', '.xls'],
    ];
    for (const [bytes, code, words] of cases) {
      const result = await importAnnex(base, residents, bytes, TODAY);
      expect(result.refused, code).toBe(code);
      expect(result.problems[0].message).toContain(words);
      expect(result.problems[0].message).toMatch(/请|发送/);
    }
  });

  it('a password-protected workbook (an encrypted OLE file) asks for the password to be removed', async () => {
    const result = await importAnnex(base, residents, compoundFile(['Root Entry', 'EncryptionInfo', 'EncryptedPackage']), TODAY);
    expect(result.refused).toBe('encrypted');
    expect(result.problems[0].message).toContain('设置了打开密码');
    expect(result.problems[0].message).toContain('清空密码');
  });

  it('a zip bomb is refused from its directory in milliseconds, before anything is inflated', async () => {
    const bomb = await workbookBomb(150); // 150 MB of zeros in about 150 KB
    expect(bomb.length).toBeLessThan(400_000);
    const started = performance.now();
    const result = await importAnnex(base, residents, bomb, TODAY);
    expect(performance.now() - started).toBeLessThan(200);
    expect(result.refused).toBe('entry-too-large');
    expect(result.problems[0].message).toContain('解压后有 150 MB');
  });

  it('an entry that inflates 1,000 times its size is refused by its compression ratio', async () => {
    const result = await importAnnex(base, residents, await workbookBomb(60), TODAY);
    expect(result.refused).toBe('ratio');
    expect(result.problems[0].message).toContain('压缩比异常');
  });

  it('an entry that lies about its size is stopped as soon as it inflates past what it declared', async () => {
    const liar = await workbookBomb(150, 4096);
    const started = performance.now();
    const result = await importAnnex(base, residents, liar, TODAY);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.refused).toBe('corrupt');
    expect(result.problems[0].message).toContain('大小与声明不符');
  });

  it('an entry hidden between the entries and the directory (read by a reader that walks the file) is refused', async () => {
    const hidden = { name: 'xl/worksheets/sheet9.xml', data: Buffer.alloc(0), deflated: await deflatedZeros(150), crc: 0, declaredSize: 150 * 1024 * 1024 };
    const result = await importAnnex(base, residents, withHiddenEntry(await residentUpload(goodResidents), hidden), TODAY);
    expect(result.refused).toBe('corrupt');
    expect(result.problems[0].message).toContain('目录未列出的数据');
  });

  it('a 50 MB file is refused from its size, before it is read', async () => {
    const path = join(dir, 'huge.xlsx');
    writeFileSync(path, '');
    truncateSync(path, 50 * 1024 * 1024);
    const started = performance.now();
    const result = await importAnnex(base, residents, path, TODAY);
    expect(performance.now() - started).toBeLessThan(100);
    expect(result.refused).toBe('too-large');
    expect(result.problems[0].message).toContain('文件有 50 MB');
    expect(result.problems[0].message).toContain('20 MB');
  });

  it('paths with .. or absolute names, and thousands of entries, are refused', async () => {
    const dotdot = await importAnnex(base, residents, zipOf([stored('xl/workbook.xml', '<workbook/>'), stored('../../etc/cron.d/x', 'x')]), TODAY);
    expect(dotdot.refused).toBe('unsafe-name');
    expect(dotdot.problems[0].message).toContain('../../etc/cron.d/x');
    const absolute = await importAnnex(base, residents, zipOf([stored('/tmp/x.xml', 'x')]), TODAY);
    expect(absolute.refused).toBe('unsafe-name');
    const many = zipOf(Array.from({ length: 2001 }, (_, i) => stored(`xl/media/p${i}.xml`, 'x')));
    const crowded = await importAnnex(base, residents, many, TODAY);
    expect(crowded.refused).toBe('too-many-entries');
    expect(crowded.problems[0].message).toContain('2001 个部件');
  });
});

describe('bad cells are named by row and column, and the good rows are kept', () => {
  it('text in a number column, an invalid 企业划型 and a repeated enterprise: each named, those rows kept aside', async () => {
    const rows = goodResidents.map((r) => ({ ...r }));
    rows[1] = { ...rows[1], headcount: '很多' };
    rows[2] = { ...rows[2], size: '小微' };
    rows.push({ ...rows[0], seq: 5 });
    const upload = await residentUpload(rows);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.refused).toBeUndefined();
    const errors = result.problems.filter((p) => p.level === 'error');
    expect(errors.map((p) => [p.row, p.column, p.cell])).toEqual([
      [5, '职工人数', 'E5'],
      [6, '企业划型', 'F6'],
      [8, '企业名称', 'B8'],
    ]);
    expect(errors[0].message).toContain('“很多”');
    expect(errors[1].message).toBe('“小微”不是可选的值，请从下拉列表中选择：大型、中型、小型、微型。');
    expect(errors[2].message).toContain('与第4行重复');
    expect(errors[2].message).toContain(`“${goodResidents[0].name}”`);
    expect(result.rows).toEqual([goodResidents[0], goodResidents[3]]);
    expect(result.invalidRows.map((r) => r.row)).toEqual([5, 6, 8]);
    expect(result.invalidRows[0].cells.headcount).toBe('很多');

    const text = summary(result.problems);
    expect(text).toContain('以下 3 处需要改正（有错误的行没有导入）：');
    expect(text).toContain('第6行「企业划型」：“小微”不是可选的值');
    expect(text).toContain('第5行「职工人数」：');
    expect(text.indexOf('第5行')).toBeLessThan(text.indexOf('第6行'));
  });

  it('a repeat that the seed allows (a warning key) is taken, with a question', async () => {
    const survey = tableOf(platform, 'survey_list');
    const rows = plausibleRows(platform, survey, 2);
    rows.push({ ...rows[0], seq: 3 });
    const first = placement(annexLayout(platform, survey), TEMPLATE_INPUT_ROWS).firstDataRow;
    const result = await importAnnex(platform, survey, await fillTemplate(await annexTemplate(platform, survey), platform, survey, rows, first), TODAY);
    expect(result.rows).toHaveLength(3);
    const repeat = result.problems.find((p) => p.message.includes('重复'))!;
    expect(repeat).toMatchObject({ row: first + 2, column: '服务企业名称', level: 'warning' });
    expect(repeat.message).toContain('如是重复录入，请删去其中一行');
  });

  it("the table's row checks speak per row: an activity of 8 people", async () => {
    const rows = plausibleRows(base, activities, 3).map((r, i) => ({ ...r, enterprises: 5, people: i === 1 ? 8 : 20, date: '2023-05-0' + (i + 1) }));
    const upload = await fillTemplate(await annexTemplate(base, activities), base, activities, rows, FIRST);
    const result = await importAnnex(base, activities, upload, TODAY);
    expect(result.rows).toHaveLength(3);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ row: 5, level: 'warning' });
    expect(result.problems[0].message).toContain('参与人数8人');
    expect(result.problems[0].message).toContain('不少于10人');
    expect(summary(result.problems)).toMatch(/^以下 1 处请核对：\n第5行：活动“/);
  });

  it('the summary shows at most 20 problems and points to the annotated copy for the rest', async () => {
    const rows = plausibleRows(base, residents, 30).map((r) => ({ ...r, size: '特大型' }));
    const result = await importAnnex(base, residents, await residentUpload(rows), TODAY);
    expect(result.problems.filter((p) => p.level === 'error')).toHaveLength(30);
    const text = summary(result.problems);
    expect(text.split('\n').filter((l) => l.startsWith('第'))).toHaveLength(20);
    expect(text).toContain('另有 10 处问题，见返回的标注文件。');
  });

  it('the annotated copy marks each bad cell red with a note saying what to write, and nothing else', async () => {
    const rows = goodResidents.map((r, i) => (i === 1 ? { ...r, size: '小微' } : r));
    const upload = await residentUpload(rows);
    const result = await importAnnex(base, residents, upload, TODAY);
    const copy = await annotatedCopy(upload, result);
    expect(copy.valuesOnly).toBe(false);
    const sheet = (await readBack(copy.bytes)).getWorksheet('附表1-2-3-1-3')!;
    const bad = sheet.getCell('F5');
    expect((bad.fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
    expect(String(bad.note ? (typeof bad.note === 'string' ? bad.note : bad.note.texts?.map((t) => t.text).join('')) : '')).toContain('“小微”不是可选的值');
    // Cells of the same style elsewhere are not coloured with it.
    for (const other of ['F4', 'F6', 'E5', 'B5']) expect((sheet.getCell(other).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb).not.toBe('FFFFC7CE');
    expect(sheet.getCell('F5').value).toBe('小微');
  });

  it('marks a large upload in a copy rebuilt from its values: the same cells, dates as dates, the problems noted', async () => {
    const count = IN_PLACE_ROWS + 10;
    const rows = plausibleRows(base, residents, count).map((r, i) => ({ ...r, seq: i + 1, name: `某某科技有限公司${i + 1}`, office_here: true, ...(i === count - 3 ? { size: '小微' } : {}) }));
    // More rows than the template's: typed under a plain header, as an operator's own sheet would have them.
    const workbook = new ExcelJS.Workbook();
    const plain = workbook.addWorksheet('附表1-2-3-1-3');
    plain.getRow(1).values = ['附表1-2-3-1-3'];
    plain.getRow(2).values = [residents.title];
    plain.getRow(3).values = residents.columns.map((c) => c.label);
    rows.forEach((row, i) => (plain.getRow(FIRST + i).values = residents.columns.map((c) => typedCell(base, c, (row as Record<string, string | number | boolean | null>)[c.id]))));
    const upload = Buffer.from(await workbook.xlsx.writeBuffer());
    const result = await importAnnex(base, residents, upload, TODAY);
    const bad = FIRST + count - 3;
    expect(result.invalidRows.map((r) => r.row)).toEqual([bad]);
    const copy = await annotatedCopy(upload, result);
    expect(copy.valuesOnly).toBe(true);
    const sheet = (await readBack(copy.bytes)).getWorksheet('附表1-2-3-1-3')!;
    const cell = sheet.getCell(`F${bad}`);
    expect(cell.value).toBe('小微');
    expect((cell.fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFFFC7CE');
    expect(JSON.stringify(cell.note)).toContain('“小微”不是可选的值');
    expect(sheet.getCell(`B${FIRST + 7}`).value).toBe('某某科技有限公司8');
    expect(sheet.getCell(`C${FIRST}`).value).toBeInstanceOf(Date);
    expect((sheet.getCell(`C${FIRST}`).value as Date).toISOString().slice(0, 10)).toBe(String((rows[0] as Record<string, unknown>).founded));
    // Sent back as it is, the copy reads as the upload did: every good row again, the one problem again.
    const again = await importAnnex(base, residents, copy.bytes, TODAY);
    expect(again.rows).toEqual(result.rows);
    expect(again.invalidRows.map((r) => r.row)).toEqual([bad]);
  }, 60_000);
});

describe('what an operator types is read as meant', () => {
  it('a sheet of their own: header in row 1, sub-labels only, columns in another order, dates and numbers as text', async () => {
    const staff = tableOf(base, 'staff_list');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('人员');
    sheet.addRow(['姓名', '序号', '职务', '学历', '毕业院校及专业', '资格/资质名称', '发证机关', '联系电话']);
    sheet.addRow(['张三', '1', '站长', '本科', '北京大学 经济学', '中级经济师', '人社部', '13800000000']);
    sheet.addRow([' 李四 ', 2, '专员', '硕士研究生', '清华大学 法学', null, null, '010-12345678']);
    const result = await importAnnex(base, staff, Buffer.from(await workbook.xlsx.writeBuffer()), TODAY);
    expect(result.problems).toEqual([]);
    expect(result.rows).toEqual([
      { seq: 1, name: '张三', position: '站长', degree: '本科', school_major: '北京大学 经济学', qualification: '中级经济师', issuer: '人社部', phone: '13800000000' },
      { seq: 2, name: '李四', position: '专员', degree: '硕士研究生', school_major: '清华大学 法学', qualification: null, issuer: null, phone: '010-12345678' },
    ]);
    expect(result.rowNumbers).toEqual([2, 3]);
  });

  it('dates typed as text, amounts with units, 是/否 as TRUE/FALSE; a 合计 typed over is never read', async () => {
    const row = { ...goodResidents[0], founded: '2015年6月1日', entered: '20200203', revenue: '12000元', area: '120㎡', leading: true, registered_here: false };
    const upload = await residentUpload([row], true);
    const workbook = await readBack(upload);
    const sheet = workbook.worksheets[0];
    const total = placement(annexLayout(base, residents), TEMPLATE_INPUT_ROWS).summaryRows[0];
    sheet.getCell(total, 5).value = 999_999;
    const result = await importAnnex(base, residents, Buffer.from(await workbook.xlsx.writeBuffer()), TODAY);
    expect(result.problems.filter((p) => p.level === 'error')).toEqual([]);
    expect(result.rows).toEqual([{ ...goodResidents[0], founded: '2015-06-01', entered: '2020-02-03', revenue: '1.2', area: '120', leading: true, registered_here: false }]);
  });

  it('a year typed as a number in a date column asks for the day; an empty required cell is asked for', async () => {
    const upload = await residentUpload([{ ...goodResidents[0], founded: 2015, contact: null }], true);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.problems).toEqual([
      expect.objectContaining({ row: 4, column: '设立时间', level: 'error', message: expect.stringContaining('只写到了年份') }),
      expect.objectContaining({ row: 4, column: '联系人', cell: 'M4', level: 'warning', message: '未填写，请补填。' }),
    ]);
    expect(summary(result.problems)).toContain('第4行「联系人」：未填写，请补填。');
  });

  it('a formula with a saved result is read as its result; one without is named, with how to fix it', async () => {
    const upload = await residentUpload([
      { ...goodResidents[0], headcount: { formula: '5*7', result: 35 } },
      { ...goodResidents[1], headcount: { formula: 'SUM(E1:E3)' } },
    ], true);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.rows).toEqual([{ ...goodResidents[0], headcount: 35 }]);
    expect(result.problems.filter((p) => p.level === 'error')).toEqual([
      expect.objectContaining({ row: 5, column: '职工人数', message: expect.stringContaining('选择性粘贴 → 数值') }),
    ]);
  });

  it('=HYPERLINK(…) typed in a cell comes back as that text, and is written back as text, never as a formula', async () => {
    const injected = '=HYPERLINK("http://x")';
    const rows = goodResidents.slice(0, 2).map((r, i) => ({ ...r, name: i === 0 ? injected : '+1+2', contact: '@SUM(1,2)', industry: '-3+5' }));
    const result = await importAnnex(base, residents, await residentUpload(rows), TODAY);
    expect(result.rows.map((r) => [r.name, r.contact, r.industry])).toEqual([
      [injected, '@SUM(1,2)', '-3+5'],
      ['+1+2', '@SUM(1,2)', '-3+5'],
    ]);
    const exported = await declarationWorkbook({ loaded: base, answers: {}, tables: { resident_list: result.rows }, env: { today: TODAY } });
    const again = await importAnnex(base, residents, exported, TODAY);
    expect(again.rows.map((r) => r.name)).toEqual([injected, '+1+2']);
    const sheet = (await readBack(exported)).getWorksheet('附表1-2-3-1-3')!;
    expect(sheet.getCell('B4').value).toBe(injected);
    expect(sheet.getCell('B4').type).toBe(ExcelJS.ValueType.String);
  });

  it('thousands of Chinese names come back unchanged (no character split between two chunks of the file)', async () => {
    const rows = plausibleRows(base, residents, 3000).map((r, i) => ({ ...r, name: `北京市海淀区中关村创新创业示范企业第${i}号有限责任公司`, industry: '软件和信息技术服务业（含集成电路设计）' }));
    const exported = await declarationWorkbook({ loaded: base, answers: {}, tables: { resident_list: rows }, env: { today: TODAY } });
    const result = await importAnnex(base, residents, exported, TODAY);
    expect(result.rows).toEqual(rows);
    expect(JSON.stringify(result.rows)).not.toContain('\uFFFD');
  });

  it('texts kept in the sheets themselves (inline strings, as Apache POI writes them) come back unchanged too', async () => {
    const rows = plausibleRows(base, residents, 2000).map((r, i) => ({ ...r, name: `北京市朝阳区望京创新示范企业第${i}号有限公司` }));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((resolve) => out.on('end', resolve));
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
    for (const name of ['说明', '附表1-2-3-1-3', '其他']) {
      const sheet = writer.addWorksheet(name);
      if (name === '附表1-2-3-1-3') {
        sheet.addRow(residents.columns.map((c) => c.label)).commit();
        for (const row of rows) sheet.addRow(residents.columns.map((c) => typedCell(base, c, (row as Record<string, string | number | boolean | null>)[c.id]))).commit();
      } else sheet.addRow(['这一页不是附表']).commit();
      sheet.commit();
    }
    await writer.commit();
    await done;
    const result = await importAnnex(base, residents, Buffer.concat(chunks), TODAY);
    expect(result.sheet).toBe('附表1-2-3-1-3');
    expect(result.rows).toEqual(rows);
  });

  it('a workbook from another program (prefixed tags, its own part names, 1904 dates, rows without references) reads as Excel shows it', async () => {
    // What Excel shows is what is read: rich text joined, its phonetic guide (furigana, 注音) left out; dates kept as
    // 1904 serials (old Mac workbooks) or as ISO text (t="d"); 是/否 typed as TRUE/FALSE; a formula's saved result.
    const rows = plausibleRows(base, residents, 2);
    const shared: string[] = [];
    const share = (xml: string) => (shared.push(xml), shared.length - 1);
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const serial1904 = (d: Date) => (d.getTime() - Date.UTC(1904, 0, 1)) / 86_400_000;
    const header = `<x:row>${annexLayout(base, residents).columns.map((c) => `<x:c t="s"><x:v>${share(`<x:t>${esc(c.label)}</x:t>`)}</x:v></x:c>`).join('')}</x:row>`;
    const cell = (column: AnnexTable['columns'][number], value: ExcelJS.CellValue, variant: number): string => {
      if (value === null || value === undefined) return '';
      if (value instanceof Date) return variant === 0 ? `<x:c><x:v>${serial1904(value)}</x:v></x:c>` : `<x:c t="d"><x:v>${value.toISOString().slice(0, 19)}</x:v></x:c>`;
      if (typeof value === 'number') return `<x:c><x:v>${value}</x:v></x:c>`;
      const text = String(value);
      if (column.type === 'yesno' && variant === 1) return `<x:c t="b"><x:v>${text === '是' ? 1 : 0}</x:v></x:c>`;
      if (column.id === 'name') return `<x:c t="s"><x:v>${share(`<x:r><x:t>${esc(text.slice(0, 2))}</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>${esc(text.slice(2))}</x:t></x:r><x:rPh sb="0" eb="2"><x:t>ceshi</x:t></x:rPh>`)}</x:v></x:c>`;
      if (variant === 0) return `<x:c t="s"><x:v>${share(`<x:t xml:space="preserve">${esc(text)}</x:t>`)}</x:v></x:c>`;
      return `<x:c t="str"><x:f>"${esc(text)}"</x:f><x:v>${esc(text)}</x:v></x:c>`;
    };
    // Every column written, an empty one as an empty cell, so that cells without references fall in place.
    const body = rows.map((row, i) => `<x:row>${residents.columns.map((c) => cell(c, typedCell(base, c, row[c.id] as never), i) || '<x:c/>').join('')}</x:row>`).join('');
    const ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
    const relType = (t: string) => `http://schemas.openxmlformats.org/officeDocument/2006/relationships/${t}`;
    const upload = zipOf([
      stored('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
      stored('xl/workbook.xml', `<?xml version="1.0"?><x:workbook ${ns}><x:workbookPr date1904="1"/><x:sheets><x:sheet name="图表" sheetId="3" r:id="rId3"/><x:sheet name="填报说明" sheetId="1" r:id="rId1"/><x:sheet name="入驻企业" sheetId="2" r:id="rId2"/></x:sheets></x:workbook>`),
      stored('xl/_rels/workbook.xml.rels', `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${relType('worksheet')}" Target="worksheets/notes.xml"/><Relationship Id="rId2" Type="${relType('worksheet')}" Target="/xl/worksheets/data.xml"/><Relationship Id="rId3" Type="${relType('chartsheet')}" Target="chartsheets/sheet1.xml"/><Relationship Id="rId4" Type="${relType('sharedStrings')}" Target="sharedStrings.xml"/></Relationships>`),
      stored('xl/sharedStrings.xml', `\uFEFF<?xml version="1.0"?><x:sst ${ns}>${shared.map((si) => `<x:si>${si}</x:si>`).join('')}</x:sst>`),
      stored('xl/worksheets/notes.xml', `<?xml version="1.0"?><x:worksheet ${ns}><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>请在下一页填写</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>`),
      stored('xl/worksheets/data.xml', `<?xml version="1.0"?><x:worksheet ${ns}><x:sheetData>${header}${body}</x:sheetData></x:worksheet>`),
    ]);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.problems.filter((p) => p.level === 'error')).toEqual([]);
    expect(result.sheet).toBe('入驻企业');
    expect(result.rowNumbers).toEqual([2, 3]);
    expect(result.rows).toEqual(rows);
  });

  it('an XML entity bomb (a DOCTYPE defining entities) is refused as unreadable, nothing expanded', async () => {
    const laughs = Array.from({ length: 10 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    const sheet = `<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "哈">${laughs}]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l10;</t></is></c></row></sheetData></worksheet>`;
    const upload = zipOf([
      stored('xl/workbook.xml', '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="附表1-2-3-1-3" sheetId="1" r:id="rId1"/></sheets></workbook>'),
      stored('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
      stored('xl/worksheets/sheet1.xml', sheet),
    ]);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.refused).toBe('unreadable');
    expect(summary(result.problems)).toContain('另存为');
  });

  it('a value in the last column Excel has (XFD) on every row is left aside, not read as rows 16,384 cells wide', async () => {
    // 20,000 rows that each reach column XFD would be 330 million cells if rows were read as wide as their last cell.
    const labels = annexLayout(base, residents).columns.map((c) => c.label);
    const header = `<row r="1">${labels.map((l) => `<c t="inlineStr"><is><t>${l}</t></is></c>`).join('')}<c r="XFD1"><v>0</v></c></row>`;
    const rows = Array.from({ length: 20_000 }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}"><v>${i + 1}</v></c><c r="B${i + 2}" t="inlineStr"><is><t>甲${i}公司</t></is></c><c r="XFD${i + 2}"><v>1</v></c></row>`).join('');
    const upload = zipOf([
      stored('xl/workbook.xml', '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="附表1-2-3-1-3" sheetId="1" r:id="rId1"/></sheets></workbook>'),
      stored('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
      stored('xl/worksheets/sheet1.xml', `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${header}${rows}</sheetData></worksheet>`),
    ]);
    const reading = await readWorkbook(upload);
    if (!reading.ok) throw new Error(reading.message);
    expect(Math.max(...[...reading.workbook.sheets[0].rows.values()].map((cells) => cells.length))).toBeLessThanOrEqual(MAX_SHEET_COLUMNS + 1);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.refused).toBeUndefined();
    // Every row is there, short of the columns left empty, and nothing from column XFD.
    expect(result.rows.length + result.invalidRows.length).toBe(20_000);
    expect(result.problems.some((p) => p.cell?.startsWith('XFD'))).toBe(false);
  });

  it('a sheet the workbook lists but the file lacks is refused, not read as a table that is not there', async () => {
    const upload = zipOf([
      stored('xl/workbook.xml', '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="附表1-2-3-1-3" sheetId="1" r:id="rId1"/></sheets></workbook>'),
      stored('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    ]);
    const result = await importAnnex(base, residents, upload, TODAY);
    expect(result.refused).toBe('unreadable');
  });

  it('a list longer than Excel allows inline goes to a hidden sheet, and its values are read back', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `第${i + 1}类专业技术服务（含检验检测认证）`);
    const table: AnnexTable = {
      ...residents,
      id: 'long_list',
      ref: '附表9-9',
      key: undefined,
      rowChecks: [],
      totals: [],
      columns: [residents.columns[0], residents.columns[1], { id: 'kind', label: '服务类别', type: 'choice', choices: long, required: true }],
    };
    const template = await annexTemplate(base, table);
    const workbook = await readBack(template);
    const lists = workbook.getWorksheet('_lists')!;
    expect(lists.state).toBe('veryHidden');
    expect(lists.getCell('A30').value).toBe(long[29]);
    const validation = (workbook.getWorksheet('附表9-9') as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations.model.C4;
    expect(validation.formulae[0]).toBe('L_long_list_kind');
    const filled = await fillTemplate(template, base, table, [{ seq: 1, name: '甲公司', kind: long[17] }], FIRST);
    const result = await importAnnex(base, table, filled, TODAY);
    expect(result.rows).toEqual([{ seq: 1, name: '甲公司', kind: long[17] }]);

    // The declaration workbook (the streaming writer) lists it the same way.
    const withTable = { ...base, flow: { ...base.flow, tables: [table] } };
    const exported = await readBack(await declarationWorkbook({ loaded: withTable, answers: {}, tables: { long_list: result.rows }, env: { today: TODAY } }));
    expect(exported.getWorksheet('_lists')?.state).toBe('veryHidden');
    expect(exported.getWorksheet('附表9-9')?.getCell('C4').value).toBe(long[17]);
  });
});
