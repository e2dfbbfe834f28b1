import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { findFile } from '../../src/store/file-records.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { plainText, type View } from '../../src/bot/views.ts';
import { annexLayout, placement } from '../../src/exports/excel/annex-layout.ts';
import { fillTemplate, plausibleRows } from '../exports/excel-support.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { packageFailed, packageJob } from '../../src/jobs/package-job.ts';

/**
 * Annex tables and outputs in a conversation, as every channel hands them to the router: 模板 sends the blank
 * template, the filled workbook sent back is imported (or its problems said, and an annotated copy sent), the answers
 * the table gives are filled or compared, and 导出 sends the workbook and the report draft.
 */

const UNIT = '北京首冶新元科技发展有限公司';
const loaded = getFlow('beijing-base-2023');
const residents = loaded.flow.tables.find((t) => t.id === 'resident_list')!;
const store = FileStore.fromEnv();

let chat: ChatHarness;
beforeAll(async () => {
  chat = await openChat();
  await chat.say(UNIT);
});
afterAll(() => chat.close());

const text = (views: View[]) => plainText(views);
const filesIn = (views: View[]) => views.filter((v): v is Extract<View, { kind: 'file' }> => v.kind === 'file');
async function bytesOf(fileId: string): Promise<Buffer> {
  const record = (await findFile(chat.db.sql, fileId))!;
  return readFileSync(store.path(record.sha256));
}
async function send(bytes: Buffer, name: string) {
  const stored = await store.putBuffer(bytes);
  return chat.send({ file: { name, size: stored.size, sha256: stored.sha256, mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
}

describe('annex tables through Excel, in chat', () => {
  let template: Buffer;
  const first = placement(annexLayout(loaded, residents), 0).firstDataRow;

  it('模板 lists the tables and sends the chosen one as a workbook', async () => {
    const list = await chat.views('模板');
    expect(text(list)).toContain('要哪张附表的模板');
    const n = text(list).split('\n').findIndex((l) => l.includes('附表1-2-3-1-3')) ;
    const sent = await chat.views(String(n));
    const [file] = filesIn(sent);
    expect(file.name).toBe('附表1-2-3-1-3 入驻企业名单.xlsx');
    template = await bytesOf(file.fileId);
    expect(text(sent)).toContain('填写后把文件直接发回来');
  });

  it('a typed answer the table contradicts is shown beside the table’s figure, and corrected when the operator says so', async () => {
    // 【三】1 typed as 60 first.
    expect(await chat.say('第3节')).toContain('截至上年末入驻企业家数');
    expect(await chat.say('60')).not.toContain('没有保存');
    const rows = plausibleRows(loaded, residents, 3).map((r, i) => ({ ...r, size: i === 2 ? '中型' : '小型' }));
    const filled = await fillTemplate(template, loaded, residents, rows, first);
    const imported = await send(filled, '附表1-2-3-1-3 入驻企业名单（已填）.xlsx');
    const said = text(imported.views);
    expect(said).toContain('已导入“附表1-2-3-1-3 入驻企业名单”3 行');
    expect(said).toMatch(/截至上年末入驻企业家数.*附表统计为 3，您填写的是 60/);
    const fixed = await chat.say('按附表更正');
    expect(fixed).toMatch(/已按附表更正：.*3/);
    const answer = await chat.db.sql.query<{ value: unknown; note: string | null }>(`SELECT "value", "note" FROM "Answer" WHERE "questionId" = 'resident_total'`);
    expect(answer[0].value).toBe(3);
    expect(answer[0].note).toContain('resident_list');
  });

  it('a workbook with errors is answered row by row with an annotated copy; 导入有效行 keeps the good rows', async () => {
    const rows = plausibleRows(loaded, residents, 4);
    const filled = await fillTemplate(template, loaded, residents, [...rows.slice(0, 2), { ...rows[2], headcount: '很多', size: '特大型' }, rows[3]], first, false).catch(async () =>
      fillTemplate(template, loaded, residents, rows, first),
    );
    // Write the bad cells as raw text, as an operator would type them.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(filled as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    const col = (id: string) => residents.columns.findIndex((c) => c.id === id) + 1;
    sheet.getCell(first + 2, col('headcount')).value = '很多';
    sheet.getCell(first + 2, col('size')).value = '特大型';
    const bad = Buffer.from(await workbook.xlsx.writeBuffer());
    const answered = await send(bad, '附表1-2-3-1-3 入驻企业名单.xlsx');
    const said = text(answered.views);
    expect(said).toContain('有 1 行需要更正（3 行无误）');
    expect(said).toContain(`第${first + 2}行「职工人数」`);
    expect(said).toContain('「企业划型」：“特大型”不是可选的值');
    expect(filesIn(answered.views)[0].name).toContain('已标注问题');
    const kept = await chat.say('导入有效行');
    expect(kept).toContain('已导入“附表1-2-3-1-3 入驻企业名单”3 行');
    expect(kept).toContain('替换了之前的版本');
    const history = await chat.db.sql.query(`SELECT 1 FROM "DeclarationTableHistory" WHERE "tableId" = 'resident_list'`);
    expect(history).toHaveLength(1);
  });

  it('a file that is not a workbook is refused with what to send instead, and nothing saved is lost', async () => {
    const refused = await send(Buffer.from('%PDF-1.4 not a workbook'), '附表1-2-3-1-3 入驻企业名单.xlsx');
    expect(text(refused.views)).toMatch(/没有导入：.*(xlsx|Excel)/);
    const rows = await chat.db.sql.query<{ rows: unknown[] }>(`SELECT "rows" FROM "DeclarationTable" WHERE "tableId" = 'resident_list'`);
    expect(rows[0].rows).toHaveLength(3);
  });

  it('导出 sends the workbook (form, annex sheets) and the report draft', async () => {
    const exported = await chat.views('导出');
    const [workbookFile, reportFile] = filesIn(exported);
    expect(workbookFile.name).toBe(`${UNIT}-2023年度绩效评价申报表.xlsx`);
    expect(reportFile.name).toBe(`${UNIT}-2023年度绩效报告（初稿）.docx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await bytesOf(workbookFile.fileId)) as unknown as ExcelJS.Buffer);
    const names = book.worksheets.map((s) => s.name);
    expect(names).toContain('填报信息');
    expect(names.some((n) => n.includes('附表1-2-3-1-3'))).toBe(true);
    const residentsSheet = book.worksheets.find((s) => s.name.includes('附表1-2-3-1-3'))!;
    expect(String(residentsSheet.getCell(first, 2).value)).toContain('测试企业名称1');
    expect((await bytesOf(reportFile.fileId)).subarray(0, 2).toString()).toBe('PK');
  });

  it('打包 queues the package; the job runner builds the parts, shows its progress and sends them with the 目录 inside', async () => {
    const evidence = await store.putBuffer(Buffer.from('%PDF-1.4 营业执照扫描件'));
    const asked = await chat.send({ file: { name: 'IMG_2031.pdf', size: evidence.size, sha256: evidence.sha256 } });
    expect(text(asked.views)).toContain('它属于哪一项证明材料');
    await chat.say('1');
    expect(await chat.say('打包')).toContain('开始生成证明材料压缩包');
    expect(await chat.say('打包')).toContain('正在生成');
    const runner = new JobRunner({ sql: chat.db.sql, handlers: { package: packageJob({ flows: new Map([[loaded.flow.id, loaded]]), store }) }, failed: packageFailed, progressEveryMs: 0 });
    expect(await runner.runWaiting()).toBe(1);
    const delivered = await chat.deliver();
    expect(delivered).toMatch(/▓+░* \d+%/);
    expect(delivered).toContain('证明材料压缩包已生成，共 1 个');
    const part = filesIn(await (async () => {
      const rows = await chat.db.sql.query<{ id: string; name: string }>(`SELECT "id", "name" FROM "StoredFile" WHERE "name" LIKE '%.zip'`);
      return rows.map((r) => ({ kind: 'file' as const, fileId: r.id, name: r.name, text: '' }));
    })())[0];
    // One part needs no number (the guide numbers parts only when the evidence is split).
    expect(part.name).toBe(`${UNIT}.zip`);
    const names = await zipNames(await bytesOf(part.fileId));
    expect(names).toContain('附件材料目录.docx');
    expect(names).toContain(`${UNIT}-2023年度绩效评价申报表.xlsx`);
    // The operator's IMG_2031.pdf is filed under its item's name, in its indicator's folder.
    expect(names.some((n) => n.includes('/') && n.endsWith('.pdf') && !n.includes('IMG_2031'))).toBe(true);
  });
});

async function zipNames(bytes: Buffer): Promise<string[]> {
  const yauzl = await import('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: { fileName: string }) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.readEntry();
    });
  });
}
