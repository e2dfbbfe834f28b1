import { describe, expect, it } from 'vitest';
import type ExcelJS from 'exceljs';
import { getFlow } from '../../src/flow/loader.ts';
import { annexLayout, placement, columnLetter, NO_FIGURE } from '../../src/exports/excel/annex-layout.ts';
import { annexTemplate, TEMPLATE_INPUT_ROWS } from '../../src/exports/excel/template.ts';
import { importAnnex } from '../../src/exports/excel/import.ts';
import { declarationWorkbook } from '../../src/exports/excel/workbook.ts';
import { fillTemplate, plausibleRows, readBack, seedHeader, seedSection, seedSummary } from './excel-support.ts';

/**
 * Every annex table of both Beijing flows, as an operator meets it: the template they download shows the seed's
 * title, header (merged as in the seed), 合计 and 填表说明; filled in Excel and sent back, every row is read as
 * typed; the declaration workbook shows the same rows under the same header, and reading that back changes nothing.
 */

const FLOWS = ['beijing-base-2023', 'beijing-platform-2024'] as const;

/** The merges of the two-row header of 附表1-2-3-1-1 / 附表4-2-1-1, as the seed lays it out: groups over their sub-columns. */
const STAFF_HEADER_MERGES = ['A3:A4', 'B3:B4', 'C3:C4', 'D3:E3', 'F3:G3', 'H3:H4'];

type Merges = string[];
const mergesOf = (sheet: ExcelJS.Worksheet): Merges => [...(sheet.model as unknown as { merges: string[] }).merges].sort();

/** Texts of a sheet's row, left to right, as a reader sees them: empty cells and cells a merge covers skipped. */
function rowTexts(sheet: ExcelJS.Worksheet, r: number, width: number): string[] {
  const out: string[] = [];
  for (let c = 1; c <= width; c++) {
    const cell = sheet.getCell(r, c);
    if (cell.isMerged && cell.master !== cell) continue;
    const v = cell.value;
    if (v !== null && v !== undefined && String(v) !== '') out.push(String(v));
  }
  return out;
}

const TODAY = (year: number) => `${year + 1}-03-01`;

for (const flowId of FLOWS) {
  const loaded = getFlow(flowId);
  describe(`${flowId}: annex tables`, () => {
    it('has the annex tables of its seed', () => {
      expect(loaded.flow.tables.length).toBe(flowId === 'beijing-base-2023' ? 9 : 8);
    });

    for (const table of loaded.flow.tables) {
      const layout = annexLayout(loaded, table);
      const section = seedSection(loaded, table);

      describe(`${table.ref} ${table.title}`, () => {
        it('the flow says what the seed says: title, header cells in order, computed rows, 填表说明', () => {
          const seedTitle = section[1].trim();
          // The platform seed leaves the year of “    年度服务企业名单” blank: the flow fills in the evaluation year.
          expect([seedTitle, `${loaded.flow.year}${seedTitle}`]).toContain(table.title);
          const layoutHeader = layout.headerRows.flatMap((row) => row.filter(Boolean));
          expect(layoutHeader).toEqual(seedHeader(section));
          for (const label of ['合计', '平均满意度']) {
            const seedRow = seedSummary(section, label);
            const summary = layout.summaries.find((s) => s.label === label);
            expect(Boolean(summary), `${label} row`).toBe(Boolean(seedRow));
            if (!summary || !seedRow) continue;
            // The seed's row: the label (merged over the columns before the first figure), then '' under each figure
            // and — elsewhere.
            const ours = [label];
            for (let c = summary.labelSpan + 1; c <= layout.width; c++) ours.push(summary.figures.has(c) ? '' : NO_FIGURE);
            expect(ours).toEqual(seedRow);
          }
          if (table.note) expect(section.join('\n')).toContain(table.note);
        });

        it('the template shows the title, the merged header, dropdowns, 合计 formulas and the 填表说明, protected', async () => {
          const workbook = await readBack(await annexTemplate(loaded, table));
          const sheet = workbook.getWorksheet(table.ref)!;
          expect(sheet, `sheet named ${table.ref}`).toBeTruthy();
          const last = columnLetter(layout.width);
          const place = placement(layout, TEMPLATE_INPUT_ROWS);
          expect(sheet.getCell('A1').value).toBe(table.ref);
          expect(sheet.getCell('A2').value).toBe(table.title);
          const merges = mergesOf(sheet);
          expect(merges).toContain(`A2:${last}2`);

          // The header, read as an operator reads it, is the seed's.
          const header = [];
          for (let r = 3; r < place.firstDataRow; r++) header.push(...rowTexts(sheet, r, layout.width));
          expect(header).toEqual(seedHeader(section));
          const headerMerges = merges.filter((m) => /^[A-Z]+[34]:/.test(m));
          if (table.columns.some((c) => c.label.includes('：'))) expect(headerMerges.sort()).toEqual([...STAFF_HEADER_MERGES].sort());
          else expect(headerMerges).toEqual([]);

          // A dropdown with the allowed values on every column that has them.
          const validations = (sheet as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations.model;
          for (const column of layout.columns) {
            const at = validations[`${columnLetter(column.index)}${place.firstDataRow}`];
            if (!column.allowed) {
              expect(at, column.label).toBeUndefined();
              continue;
            }
            expect(at?.type).toBe('list');
            expect(at?.formulae[0]).toBe(`"${column.allowed.join(',')}"`);
            expect(validations[`${columnLetter(column.index)}${place.lastDataRow}`]?.type).toBe('list');
          }

          // 合计 and 平均满意度: formulas over the input rows, — elsewhere, the label merged as in the seed.
          layout.summaries.forEach((summary, i) => {
            const r = place.summaryRows[i];
            expect(sheet.getCell(r, 1).value).toBe(summary.label);
            if (summary.labelSpan > 1) expect(merges).toContain(`A${r}:${columnLetter(summary.labelSpan)}${r}`);
            for (const [c, aggregate] of summary.figures) {
              const formula = (sheet.getCell(r, c).value as { formula: string }).formula;
              const range = `${columnLetter(c)}${place.firstDataRow}:${columnLetter(c)}${place.lastDataRow}`;
              expect(formula).toContain(range);
              expect(formula).toMatch(aggregate === 'sum' ? /^SUM\(/ : aggregate === 'count-yes' ? /^COUNTIF\(.*"是"\)$/ : /AVERAGE\(/);
            }
          });
          if (table.note) expect(sheet.getCell(place.noteRow!, 1).value).toBe(table.note);

          // Protected without a password hash (spinCount 0: no cost), the input rows open, the header not.
          const protection = (sheet as unknown as { sheetProtection: Record<string, unknown> }).sheetProtection;
          expect(protection).toMatchObject({ sheet: true });
          expect(protection).not.toHaveProperty('hashValue');
          expect(protection).not.toHaveProperty('spinCount');
          expect(sheet.getCell(place.firstDataRow, 1).protection?.locked).toBe(false);
          expect(sheet.getCell(place.lastDataRow, layout.width).protection?.locked).toBe(false);
          expect(sheet.getCell(3, 1).protection?.locked).not.toBe(false);
        });

        it('filled in Excel and sent back, then exported and read again: every row unchanged', async () => {
          const rows = plausibleRows(loaded, table, 12);
          const template = await annexTemplate(loaded, table);
          const firstRow = placement(layout, TEMPLATE_INPUT_ROWS).firstDataRow;
          const filled = await fillTemplate(template, loaded, table, rows, firstRow);
          const today = TODAY(loaded.flow.year);

          const imported = await importAnnex(loaded, table, filled, today);
          expect(imported.refused).toBeUndefined();
          expect(imported.problems.filter((p) => p.level === 'error')).toEqual([]);
          expect(imported.invalidRows).toEqual([]);
          expect(imported.rows).toEqual(rows);
          expect(imported.rowNumbers).toEqual(rows.map((_, i) => firstRow + i));

          const exported = await declarationWorkbook({ loaded, answers: {}, tables: { [table.id]: imported.rows }, env: { today } });
          const again = await importAnnex(loaded, table, exported, today);
          expect(again.sheet).toBe(table.ref);
          expect(again.rows).toEqual(rows);

          // One layout: the exported sheet's title and header, merges included, are the template's.
          const ours = (await readBack(exported)).getWorksheet(table.ref)!;
          const theirs = (await readBack(template)).getWorksheet(table.ref)!;
          for (let r = 1; r < firstRow; r++) expect(rowTexts(ours, r, layout.width)).toEqual(rowTexts(theirs, r, layout.width));
          const head = (m: Merges) => m.filter((x) => /^[A-Z]+[1-4]:/.test(x));
          expect(head(mergesOf(ours))).toEqual(head(mergesOf(theirs)));
        });
      });
    }
  });
}
