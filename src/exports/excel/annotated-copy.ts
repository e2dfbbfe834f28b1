import type ExcelJS from 'exceljs';
import { dateOfSerial, type ImportProblem, type ImportResult } from './import.ts';
import { columnOf, editWorkbook, streamingWorkbook, type ReadCell } from './workbook-io.ts';

/**
 * The workbook an operator gets back when an upload has problems: each problem's cell filled (red for an error, yellow
 * for a check) with a note saying what is wrong and what to write; a problem of a whole row is marked on its first
 * cell.
 *
 * Up to IN_PLACE_ROWS rows it is the operator's own workbook, their formatting and other sheets kept. exceljs can only
 * do that by loading the workbook whole, which for 10,000 rows took 2.1–2.6 s and 305–380 MiB here. A larger upload is
 * rebuilt instead, streamed from the cells the import read: the table's sheet only, its values (dates as dates) and
 * the marks, in bounded memory; the operator is told the formatting was not kept.
 */

export const IN_PLACE_ROWS = 2_000;

export interface AnnotatedCopy {
  bytes: Buffer;
  /** Rebuilt from the values of the table's sheet: the workbook's formatting and its other sheets are not in it. */
  valuesOnly: boolean;
}

const FILL = {
  error: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } },
  warning: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFEB9C' } },
} satisfies Record<ImportProblem['level'], ExcelJS.Fill>;

/** Rows of the sheet an import went through: those taken and those refused. */
export const rowsRead = (result: ImportResult) => result.rows.length + result.invalidRows.length;

export async function annotatedCopy(bytes: Buffer | string, result: ImportResult): Promise<AnnotatedCopy> {
  const marks = marksOf(result);
  if (rowsRead(result) <= IN_PLACE_ROWS) {
    const copy = await editWorkbook(bytes, (workbook) => {
      const sheet = result.sheet ? workbook.getWorksheet(result.sheet) : undefined;
      if (!sheet) return;
      for (const [address, mark] of marks) {
        const cell = sheet.getCell(address);
        // A new style object: cells read from a file share theirs, and filling one would fill them all.
        cell.style = { ...cell.style, fill: FILL[mark.level] };
        cell.note = mark.note;
      }
    });
    return { bytes: copy, valuesOnly: false };
  }
  return { bytes: await rebuilt(result, marks), valuesOnly: true };
}

interface Mark { level: ImportProblem['level']; note: string }

/** Each marked cell with its problems: an error outweighs a check. */
function marksOf(result: ImportResult): Map<string, Mark> {
  const byCell = new Map<string, ImportProblem[]>();
  for (const p of result.problems) if (p.cell) byCell.set(p.cell, [...(byCell.get(p.cell) ?? []), p]);
  return new Map([...byCell].map(([cell, list]) => [cell, {
    level: list.some((p) => p.level === 'error') ? 'error' : 'warning',
    note: list.map((p) => `${p.level === 'error' ? '错误' : '请核对'}：${p.message}`).join('\n'),
  }]));
}

/** The table's sheet rebuilt from its values as the import read them, row by row, with the marks. */
async function rebuilt(result: ImportResult, marks: Map<string, Mark>): Promise<Buffer> {
  if (!result.read) throw new Error('an import without the sheet it read has nothing to rebuild');
  const { sheet: source, date1904 } = result.read;
  const dates = new Set(result.dateColumns ?? []);
  const marksByRow = new Map<number, [number, Mark][]>();
  for (const [address, mark] of marks) {
    const row = Number(address.replace(/^[A-Z]+/, ''));
    marksByRow.set(row, [...(marksByRow.get(row) ?? []), [columnOf(address), mark]]);
  }
  const { workbook, finish } = await streamingWorkbook();
  const sheet = workbook.addWorksheet(source.name);
  const width = Math.max(0, ...[...source.rows.values()].map((cells) => cells.length - 1));
  sheet.columns = Array.from({ length: width }, () => ({ width: 18 }));
  for (let r = 1; r <= source.lastRow; r++) {
    const cells = source.rows.get(r);
    const marked = marksByRow.get(r);
    if (!cells && !marked) continue;
    const row = sheet.getRow(r);
    cells?.forEach((cell, c) => {
      if (c === 0 || cell === null || cell === undefined) return;
      const value = shown(cell);
      const date = typeof value === 'number' && dates.has(c) ? dateOfSerial(value, date1904) : undefined;
      const target = row.getCell(c);
      if (date) {
        target.value = new Date(`${date}T00:00:00Z`);
        target.numFmt = 'yyyy-mm-dd';
      } else target.value = value;
    });
    for (const [c, mark] of marked ?? []) {
      const cell = row.getCell(c);
      cell.fill = FILL[mark.level];
      cell.note = mark.note;
    }
    row.commit();
  }
  sheet.commit();
  return finish();
}

/** A cell as it is shown: a formula's saved result, an error's text. */
function shown(cell: Exclude<ReadCell, null>): string | number | boolean {
  if (typeof cell === 'object') return 'error' in cell ? cell.error : (cell.result ?? '');
  return cell;
}
