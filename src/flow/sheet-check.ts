import { join } from 'node:path';
import type { FlowIssue, LoadedFlow } from './loader.ts';
import { seedOf } from './seed.ts';
import { fillWords, gridShape, spanOf } from './sheet-layout.ts';

/**
 * `flows check` for the seed's forms laid out as sheets (flow.yaml `sheets`): every answer a cell or grid names is a
 * question of the flow (a grid's a matrix), every row fits the sheet's width, tab names are unique, and what the sheet
 * presents as the seed's — title, headings, labels, the words around blanks, a grid's headers — is found in the seed.
 */
export function checkSheets(loaded: LoadedFlow): FlowIssue[] {
  const { sheets } = loaded.flow;
  if (!sheets.length) return [];
  const file = join(loaded.dir, 'flow.yaml');
  const issues: FlowIssue[] = [];
  const add = (path: string, message: string) => issues.push({ file, path, message });
  const seed = seedOf(loaded.dir, loaded.flow.seed);
  const quoted = (path: string, words: string) => {
    if (seed && words.trim() && !seed.says(words)) add(path, `依据文件中没有“${words}”的字样：表样的标题和栏目文字须照录依据文件`);
  };
  const question = (path: string, id: string) => {
    if (!loaded.questions.has(id)) add(path, `题目“${id}”不存在`);
  };
  // An annex table's sheet is named by its reference: a form sheet of the same name would replace it.
  const names = new Map<string, string>(loaded.flow.tables.map((t, i) => [t.ref, `tables.${i}.ref`]));

  sheets.forEach((sheet, i) => {
    const sp = `sheets.${i}`;
    if (names.has(sheet.name)) add(`${sp}.name`, `工作表名“${sheet.name}”重复（已用于 ${names.get(sheet.name)}）`);
    else names.set(sheet.name, `${sp}.name`);
    const missing = seed?.missingPart(sheet.ref);
    if (missing) add(`${sp}.ref`, `依据文件中找不到“${missing}”`);
    quoted(`${sp}.title`, sheet.title);
    const width = sheet.widths.length;

    sheet.rows.forEach((row, j) => {
      const rp = `${sp}.rows.${j}`;
      if ('heading' in row) return quoted(`${rp}.heading`, row.heading);
      if ('grid' in row) {
        const q = loaded.questions.get(row.grid);
        if (!q) return add(`${rp}.grid`, `题目“${row.grid}”不存在`);
        if (q.type !== 'matrix') return add(`${rp}.grid`, `题目“${row.grid}”不是矩阵题（matrix），不能排成表格块`);
        const shape = gridShape(loaded, q, row.transpose);
        if (1 + shape.across.length > width) add(`${rp}.grid`, `表格块宽 ${1 + shape.across.length} 列（含表头和合计），超过表宽 ${width} 列（widths）`);
        quoted(`${rp}.corner`, row.corner);
        // The 合计 and 小计 are the assistant's own figures; every other header is the seed's.
        shape.rows.forEach((r, k) => quoted(`${rp}.grid（行 ${k + 1}）`, r.label));
        shape.columns.forEach((c, k) => quoted(`${rp}.grid（列 ${k + 1}）`, c.label));
        return;
      }
      const span = spanOf(row.cells);
      if (span > width) add(`${rp}.cells`, `本行各格共占 ${span} 列，超过表宽 ${width} 列（widths）`);
      row.cells.forEach((cell, k) => {
        const cp = `${rp}.cells.${k}`;
        if (cell.text !== undefined) quoted(`${cp}.text`, cell.text);
        if (cell.answer) question(`${cp}.answer`, cell.answer);
        if (cell.fill) {
          quoted(`${cp}.fill`, fillWords(cell.fill));
          cell.fill.forEach((part, m) => typeof part !== 'string' && question(`${cp}.fill.${m}.answer`, part.answer));
        }
      });
    });
  });
  return issues;
}
