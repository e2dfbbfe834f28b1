import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { questionTitle } from '../../src/engine/format.ts';
import { buildScope, orgScope, type Env } from '../../src/engine/scope.ts';
import type { TableValue } from '../../src/engine/values.ts';
import { evaluateThresholds } from '../../src/rules/thresholds.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';
import { annexLayout, placement, NO_FIGURE } from '../../src/exports/excel/annex-layout.ts';
import { declarationWorkbook, EVIDENCE_SHEET, FORM_SHEET, THRESHOLD_SHEET } from '../../src/exports/excel/workbook.ts';
import { answerFixture } from '../support/declaration-walk.ts';
import { plausibleRows, readBack } from './excel-support.ts';

/**
 * The workbook a declaration exports: its form answers in the seed's order, every annex table with its 合计 as our
 * own sums, the threshold verdicts and the evidence checklist; no cell a formula, whatever the operator typed.
 */

/** Every part of a zip, as text. */
async function zipTexts(bytes: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const out = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
  }
  return out;
}

const text = (cell: ExcelJS.Cell) => (cell.value === null || cell.value === undefined ? '' : String(cell.value));

for (const flowId of ['beijing-base-2023', 'beijing-platform-2024'] as const) {
  describe(`${flowId}: the declaration workbook`, async () => {
    const loaded = getFlow(flowId);
    const { answers: input, seq } = answerFixture(flowId);
    const env: Env = { today: `${loaded.flow.year + 1}-03-01`, org: orgScope(loaded.directory.find((e) => e.seq === seq)) };
    const injected = '=HYPERLINK("http://x")';
    const textQuestion = [...loaded.questions.values()].find((q) => q.type === 'text' && q.multiline)!;
    const filled = fillAnswers(loaded, { ...input, [textQuestion.id]: injected }, env);
    const answers = { ...filled.answers };
    const noted = [...loaded.questions.values()].find((q) => q.type === 'integer' && answers[q.id])!;
    answers[noted.id] = { ...answers[noted.id], note: '按社保记录核实' };
    const tables: Record<string, TableValue> = Object.fromEntries(loaded.flow.tables.map((t) => [t.id, plausibleRows(loaded, t, 7)]));
    const bytes = await declarationWorkbook({ loaded, answers, tables, env });
    const workbook = await readBack(bytes);

    it('has the form, one sheet per annex table in the seed order, the thresholds and the evidence', () => {
      expect(workbook.worksheets.filter((s) => s.state === 'visible').map((s) => s.name)).toEqual([
        FORM_SHEET,
        ...loaded.flow.tables.map((t) => t.ref),
        THRESHOLD_SHEET,
        EVIDENCE_SHEET,
      ]);
    });

    it('the form sheet lists every question in the seed order, with the answer as shown and the 情况说明', () => {
      const sheet = workbook.getWorksheet(FORM_SHEET)!;
      const sections: string[] = [];
      const titles: string[] = [];
      const byTitle = new Map<string, { answer: string; note: string }>();
      sheet.eachRow((row, r) => {
        if (r <= 3) return;
        if (row.getCell(2).isMerged) sections.push(text(row.getCell(1)));
        else {
          titles.push(text(row.getCell(2)));
          byTitle.set(text(row.getCell(2)), { answer: text(row.getCell(3)), note: text(row.getCell(4)) });
        }
      });
      expect(sections).toEqual(loaded.flow.sections.map((s) => `${s.ref}${s.title}`));
      expect(titles).toEqual(loaded.flow.sections.flatMap((s) => s.questions.map((q) => questionTitle(q))));
      expect(byTitle.get(questionTitle(textQuestion))!.answer).toBe(injected);
      expect(byTitle.get(questionTitle(noted))).toMatchObject({ note: '按社保记录核实' });
      expect(byTitle.get(questionTitle(noted))!.answer).not.toContain('情况说明');
    });

    it('each annex sheet holds the rows, and its 合计 and 平均满意度 are our sums of them, with — elsewhere', () => {
      for (const table of loaded.flow.tables) {
        const layout = annexLayout(loaded, table);
        const sheet = workbook.getWorksheet(table.ref)!;
        const rows = tables[table.id];
        const place = placement(layout, rows.length);
        expect(sheet.getCell(place.firstDataRow, 2).value).toBe(rows[0][table.columns[1].id]);
        layout.summaries.forEach((summary, i) => {
          const r = place.summaryRows[i];
          expect(text(sheet.getCell(r, 1))).toBe(summary.label);
          for (let c = summary.labelSpan + 1; c <= layout.width; c++) {
            const cell = sheet.getCell(r, c);
            const aggregate = summary.figures.get(c);
            if (!aggregate) {
              expect(cell.value).toBe(NO_FIGURE);
              continue;
            }
            const id = table.columns[c - 1].id;
            const values = rows.map((row) => row[id]).filter((v) => v !== null);
            const expected =
              aggregate === 'count-yes'
                ? values.filter((v) => v === true).length
                : aggregate === 'sum'
                  ? values.reduce((acc: Decimal, v) => acc.plus(String(v)), new Decimal(0)).toNumber()
                  : values.reduce((acc: Decimal, v) => acc.plus(String(v)), new Decimal(0)).dividedBy(values.length).toDecimalPlaces(2).toNumber();
            expect(cell.type, `${table.ref} ${summary.label} ${table.columns[c - 1].label}`).toBe(ExcelJS.ValueType.Number);
            expect(cell.value).toBe(expected);
          }
        });
      }
      // The resident list's 合计 counts the 是 of 是否属于基地主导产业 (【三】3), as the seed leaves that cell open.
      if (flowId === 'beijing-base-2023') {
        const layout = annexLayout(loaded, loaded.flow.tables.find((t) => t.id === 'resident_list')!);
        expect([...layout.summaries[0].figures.entries()].map(([c, a]) => `${layout.columns[c - 1].label}:${a}`)).toEqual([
          '职工人数:sum',
          '租用面积（㎡）:sum',
          '是否属于基地主导产业:count-yes',
          '上年营业收入（万元）:sum',
        ]);
      }
    });

    it('no cell of the workbook is a formula: what the operator typed stays text', async () => {
      const parts = await zipTexts(bytes);
      const sheets = [...parts].filter(([name]) => name.startsWith('xl/worksheets/'));
      expect(sheets.length).toBeGreaterThan(3);
      for (const [name, xml] of sheets) expect(xml, name).not.toMatch(/<f[ >]/);
      expect(parts.get('xl/sharedStrings.xml')).toContain('=HYPERLINK(&quot;http://x&quot;)');
    });

    it('the 门槛条件 sheet gives each threshold its verdict and reason; the 证明材料 sheet lists the checklist', () => {
      const scope = buildScope(loaded, answers, env);
      const verdicts = evaluateThresholds(loaded, answers, scope);
      const shown = { pass: '✅ 满足', fail: '❌ 不满足', review: '需审核', unknown: '待填写' };
      const sheet = workbook.getWorksheet(THRESHOLD_SHEET)!;
      const rows: string[][] = [];
      sheet.eachRow((row, r) => r > 3 && rows.push([1, 2, 3, 4].map((c) => text(row.getCell(c)))));
      expect(rows).toEqual(verdicts.map((v) => [String(v.number), v.title, shown[v.status], v.reason]));
      expect(rows.length).toBe(loaded.flow.thresholds.length);

      const checklist = evidenceChecklist(loaded, answers, scope);
      const evidence = workbook.getWorksheet(EVIDENCE_SHEET)!;
      const items: string[][] = [];
      evidence.eachRow((row, r) => r > 3 && items.push([2, 3, 4].map((c) => text(row.getCell(c)))));
      expect(items).toEqual(checklist.map((i) => [i.title, i.requiredBy.join('、'), { provided: '已提供', missing: '待提供', offline: '线下提交', not_applicable: '不适用' }[i.status]]));
    });
  });
}
