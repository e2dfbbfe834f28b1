import type ExcelJS from 'exceljs';
import { formatNumber, formatStored, formatValue } from '../../engine/format.ts';
import type { Answers, MatrixValue } from '../../engine/values.ts';
import type { Scope } from '../../flow/expression.ts';
import type { LoadedFlow } from '../../flow/loader.ts';
import { cellColumns, gridShape, type FormCell, type FormCellsRow, type FormGridRow, type FormSheet, type GridShape } from '../../flow/sheet-layout.ts';
import { relevance } from '../../rules/relevance.ts';
import { displayWidth, NO_FIGURE } from './annex-layout.ts';

/**
 * Paints one of the seed's forms (flow.yaml `sheets`, e.g. Hebei's 运营情况表) filled in: the title, then row by row the
 * seed's words and the answers where it leaves blanks, merged as the layout spans them, a matrix as a block with its
 * headers and the totals we compute. Top to bottom, each row committed once complete, so exceljs's streaming writer
 * serves as well as an in-memory workbook.
 *
 * An answer reads as the assistant shows it (formatStored): “28,000平方米”, “是”. In a blank inside the seed's words
 * (“资产总额：    万元”) the figure stands alone, as the words carry its unit: “资产总额：5,600万元”. A question not asked
 * (its condition does not hold) or a figure that cannot be computed reads “—”; an unanswered one stays blank, to be
 * written by hand. Every text is a string cell formatted as text: exceljs makes formulas only from `{ formula }` values,
 * so an answer starting with = + - @ stays the text typed and nothing runs when the file is opened.
 */

const thin = { style: 'thin' } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };

type Kind = 'label' | 'answer' | 'box' | 'fill' | 'heading' | 'gridHeader' | 'figure' | 'total';
type Align = NonNullable<FormCell['align']>;

const KINDS: Record<Kind, { align: Align; vertical: ExcelJS.Alignment['vertical']; bold?: boolean; text: boolean }> = {
  label: { align: 'center', vertical: 'middle', text: true },
  answer: { align: 'left', vertical: 'middle', text: true },
  box: { align: 'left', vertical: 'top', text: true },
  fill: { align: 'left', vertical: 'middle', text: true },
  heading: { align: 'left', vertical: 'middle', bold: true, text: true },
  gridHeader: { align: 'center', vertical: 'middle', bold: true, text: true },
  figure: { align: 'center', vertical: 'middle', text: false },
  total: { align: 'center', vertical: 'middle', bold: true, text: false },
};

/** One style object per kind, alignment and frame: exceljs recognises a style it has seen by the object itself. */
const styles = new Map<string, Partial<ExcelJS.Style>>();
function styleOf(kind: Kind, align?: Align, plain = false): Partial<ExcelJS.Style> {
  const key = `${kind}|${align ?? ''}|${plain}`;
  let style = styles.get(key);
  if (!style) {
    const k = KINDS[kind];
    style = {
      alignment: { horizontal: align ?? k.align, vertical: k.vertical, wrapText: true },
      // Named and sized: a bold font without them falls back to another face in some spreadsheets (LibreOffice).
      ...(k.bold ? { font: { name: 'Calibri', size: 11, bold: true } } : {}),
      ...(plain ? {} : { border: BORDER }),
      ...(k.text ? { numFmt: '@' } : {}),
    };
    styles.set(key, style);
  }
  return style;
}

const TITLE_STYLE: Partial<ExcelJS.Style> = { font: { bold: true, size: 16 }, alignment: { horizontal: 'center', vertical: 'middle', wrapText: true } };

/** Points per line of wrapped text, and the least height of a row. */
const LINE_HEIGHT = 15;
const MIN_HEIGHT = 20;
/** What an unanswered blank in the seed's words reads: room to write by hand. */
const BLANK = '    ';

/** The worksheet options a form sheet is created with: one page wide, landscape when the form is wide. */
export function formSheetOptions(sheet: FormSheet): Partial<ExcelJS.AddWorksheetOptions> {
  const wide = sheet.widths.reduce((a, b) => a + b, 0) > 100;
  return { pageSetup: { orientation: wide ? 'landscape' : 'portrait', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } };
}

/** Paint the form with the declaration's answers; `scope` holds the derived figures (buildScope). */
export function paintFormSheet(ws: ExcelJS.Worksheet, loaded: LoadedFlow, sheet: FormSheet, answers: Answers, scope: Scope): void {
  const width = sheet.widths.length;
  sheet.widths.forEach((w, i) => (ws.getColumn(i + 1).width = w));
  const shown = answerText(loaded, answers, scope);

  const title = ws.getRow(1);
  title.height = 30;
  title.getCell(1).value = sheet.title;
  for (let c = 1; c <= width; c++) title.getCell(c).style = TITLE_STYLE;
  if (width > 1) ws.mergeCells(1, 1, 1, width);
  title.commit();

  let r = 2;
  for (const row of sheet.rows) {
    if ('heading' in row) {
      paintRow(ws, r++, [{ text: row.heading, kind: 'heading', left: 1, right: width }]);
    } else if ('grid' in row) {
      r = paintGrid(ws, r, width, loaded, row, answers);
    } else {
      paintRow(ws, r++, cellsOf(row, width, shown), row.height, row.plain);
    }
  }
}

/** One cell as painted: its text or figure, its kind, the columns it covers. */
interface Painted {
  text?: string;
  figure?: number | null;
  kind: Kind;
  left: number;
  right: number;
  align?: Align;
}

function cellsOf(row: FormCellsRow, width: number, shown: ReturnType<typeof answerText>): Painted[] {
  const columns = cellColumns(row.cells, width);
  return row.cells.map((cell, i) => {
    const { left, right } = columns[i];
    const base = { left, right, align: cell.align };
    if (cell.fill) return { ...base, kind: 'fill', text: cell.fill.map((part) => (typeof part === 'string' ? part : shown.blank(part.answer))).join('') };
    if (cell.text !== undefined && cell.answer) {
      const answer = shown.cell(cell.answer);
      return { ...base, kind: 'box', text: answer ? `${cell.text}\n${answer}` : cell.text };
    }
    if (cell.answer) return { ...base, kind: 'answer', text: shown.cell(cell.answer) };
    return { ...base, kind: 'label', text: cell.text ?? '' };
  });
}

/** Write one sheet row: values, a style on every covered cell (so a merged cell is framed whole), merges, a height. */
function paintRow(ws: ExcelJS.Worksheet, r: number, cells: Painted[], height?: number, plain = false): void {
  const row = ws.getRow(r);
  for (const cell of cells) {
    const style = styleOf(cell.kind, cell.align, plain);
    for (let c = cell.left; c <= cell.right; c++) row.getCell(c).style = style;
    const master = row.getCell(cell.left);
    if (cell.figure !== undefined && cell.figure !== null) master.value = cell.figure;
    else if (cell.text) master.value = cell.text;
    if (cell.right > cell.left) ws.mergeCells(r, cell.left, r, cell.right);
  }
  row.height = height ?? estimatedHeight(ws, cells);
  row.commit();
}

/** Excel does not grow a row for wrapped text in merged cells: the lines each cell's text needs at its width. */
function estimatedHeight(ws: ExcelJS.Worksheet, cells: Painted[]): number {
  let lines = 1;
  for (const cell of cells) {
    if (!cell.text) continue;
    let room = -1;
    for (let c = cell.left; c <= cell.right; c++) room += ws.getColumn(c).width ?? 9;
    const needed = cell.text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(displayWidth(line) / Math.max(1, room))), 0);
    lines = Math.max(lines, needed);
  }
  return Math.max(MIN_HEIGHT, lines * LINE_HEIGHT + 5);
}

/** A matrix as a block: the corner and the labels across, then a line per label down with its figures; 合计 ours. */
function paintGrid(ws: ExcelJS.Worksheet, top: number, width: number, loaded: LoadedFlow, row: FormGridRow, answers: Answers): number {
  const question = loaded.questions.get(row.grid);
  // `flows check` reports a grid naming no matrix; the sheet goes on without it.
  if (question?.type !== 'matrix') return top;
  const shape = gridShape(loaded, question, row.transpose);
  const stored = answers[question.id]?.value;
  const value = stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as MatrixValue) : undefined;
  const figureAt = figures(shape, value);
  const lastColumn = shape.across.length + 1;
  // The grid's last column reaches the sheet's edge, as a row's last cell does.
  const edge = (c: number) => (c === lastColumn ? Math.max(c, width) : c);

  paintRow(ws, top, [
    { text: row.corner, kind: 'gridHeader', left: 1, right: 1 },
    ...shape.across.map((label, j): Painted => ({ text: label, kind: 'gridHeader', left: j + 2, right: edge(j + 2) })),
  ]);
  shape.down.forEach((label, i) => {
    paintRow(ws, top + 1 + i, [
      { text: label, kind: 'gridHeader', left: 1, right: 1 },
      ...shape.across.map((_, j): Painted => {
        const { figure, total } = figureAt(i, j);
        return { figure, kind: total ? 'total' : 'figure', left: j + 2, right: edge(j + 2) };
      }),
    ]);
  });
  return top + 1 + shape.down.length;
}

/**
 * The figure at line i, column j of the block (totals included), or null when the matrix is unanswered. The matrix's
 * own row and column are found by undoing the transposition; the index one past its rows (columns) is the 合计 (小计).
 */
function figures(shape: GridShape, value: MatrixValue | undefined): (i: number, j: number) => { figure: number | null; total: boolean } {
  const rowIds = shape.rows.map((r) => r.value);
  const columnIds = shape.columns.map((c) => c.id);
  const sum = (m: MatrixValue, r: number, c: number): number => {
    const rows = r < rowIds.length ? [rowIds[r]] : rowIds;
    const columns = c < columnIds.length ? [columnIds[c]] : columnIds;
    let total = 0;
    for (const row of rows) for (const column of columns) total += m[row]?.[column] ?? 0;
    return total;
  };
  return (i, j) => {
    const [r, c] = shape.transpose ? [j, i] : [i, j];
    const total = r >= rowIds.length || c >= columnIds.length;
    if (!value) return { figure: null, total };
    return { figure: total ? sum(value, r, c) : (value[rowIds[r]]?.[columnIds[c]] ?? null), total };
  };
}

/** An answer as the form shows it: in a cell of its own, and in a blank of the seed's words (the figure alone). */
function answerText(loaded: LoadedFlow, answers: Answers, scope: Scope) {
  const lookup = (id: string) => {
    const question = loaded.questions.get(id);
    const stored = answers[id];
    if (!question) return { state: 'none' as const };
    if (relevance(loaded, question, scope) === false && !stored) return { state: 'not-asked' as const };
    if (question.type === 'derived') return scope[id] === null || scope[id] === undefined ? { state: 'none' as const } : { state: 'ok' as const, question, stored };
    if (!stored || stored.skipped || stored.value === null) return { state: 'none' as const };
    return { state: 'ok' as const, question, stored };
  };
  return {
    cell(id: string): string {
      const found = lookup(id);
      if (found.state === 'not-asked') return NO_FIGURE;
      if (found.state === 'none') return '';
      return formatStored(loaded, found.question, found.stored && { ...found.stored, note: null }, scope);
    },
    blank(id: string): string {
      const found = lookup(id);
      if (found.state === 'not-asked') return NO_FIGURE;
      if (found.state === 'none') return BLANK;
      const { question, stored } = found;
      if (question.type === 'derived') return formatNumber(scope[id] as number, question.decimals);
      const value = stored!.value!;
      if (question.type === 'year') return String(value);
      if (['integer', 'amount', 'percent', 'area'].includes(question.type)) return formatNumber(value as number | string);
      return formatValue(loaded, question, value);
    },
  };
}
