import type ExcelJS from 'exceljs';
import type { TableValue } from '../../engine/values.ts';
import {
  HEADER_TOP,
  NO,
  NO_FIGURE,
  REF_ROW,
  TITLE_ROW,
  YES,
  columnLetter,
  displayWidth,
  placement,
  type Aggregate,
  type AnnexLayout,
  type LayoutColumn,
  type Placement,
} from './annex-layout.ts';
import type { DropdownLists } from './dropdown-lists.ts';
import { summaryFigure } from './summary-figures.ts';

/**
 * Paints one annex layout onto a worksheet, top to bottom, each row committed once complete: the same code serves the
 * in-memory workbook (the template) and exceljs's streaming writer (the filled workbook, thousands of rows).
 *
 * Cells share one style object per kind and column. exceljs recognises a style it has seen by the object itself, so a
 * shared object costs nothing per cell, where a fresh one per cell is serialised to compare it (most of the write time
 * of a 10,000-row sheet). Never set `cell.numFmt` and the like on these cells: that would change the shared object.
 *
 * A text value is always written as a string cell: exceljs makes a formula only from a `{ formula }` value, so an
 * operator's “=HYPERLINK(…)” or “+1+2” stays the text they typed and nothing runs when the file is opened.
 */

/** What fills the data rows: blank input rows (the template) or the declaration's rows. */
export type SheetFill = { kind: 'template'; inputRows: number } | { kind: 'rows'; rows: TableValue };

export interface PaintOptions {
  /** A line of our own under the 填表说明 (how to use the template). */
  hint?: string;
}

const thin = { style: 'thin' } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const CENTER: Partial<ExcelJS.Alignment> = { horizontal: 'center', vertical: 'middle', wrapText: true };

const STYLE = {
  ref: { font: { size: 11 } },
  title: { font: { bold: true, size: 16 }, alignment: CENTER },
  header: { font: { bold: true }, alignment: CENTER, border: BORDER, numFmt: '@' },
  summaryLabel: { font: { bold: true }, alignment: CENTER, border: BORDER, numFmt: '@' },
  noFigure: { alignment: CENTER, border: BORDER, numFmt: '@' },
  note: { alignment: { horizontal: 'left', vertical: 'top', wrapText: true }, numFmt: '@' },
  hint: { font: { italic: true, color: { argb: 'FF7F7F7F' } }, alignment: { horizontal: 'left', vertical: 'top', wrapText: true }, numFmt: '@' },
} satisfies Record<string, Partial<ExcelJS.Style>>;

const DATA_ALIGNMENT: Record<string, Partial<ExcelJS.Alignment>> = {
  text: { vertical: 'middle', wrapText: true },
  other: { vertical: 'middle', horizontal: 'center' },
};

function dataStyle(column: LayoutColumn, unlocked: boolean): Partial<ExcelJS.Style> {
  const numeric = ['integer', 'year', 'amount', 'area', 'percent'].includes(column.column.type);
  return {
    numFmt: column.numFmt,
    border: BORDER,
    alignment: column.column.type === 'text' ? DATA_ALIGNMENT.text : numeric ? { vertical: 'middle' } : DATA_ALIGNMENT.other,
    ...(unlocked ? { protection: { locked: false } } : {}),
  };
}

/** The worksheet options every annex sheet is created with: the header frozen, landscape, one page wide. */
export function annexSheetOptions(layout: AnnexLayout): Partial<ExcelJS.AddWorksheetOptions> {
  return {
    views: [{ state: 'frozen', xSplit: 0, ySplit: HEADER_TOP + layout.headerDepth - 1 }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  };
}

/** Paint the layout; returns where its rows ended up. */
export function paintAnnexSheet(ws: ExcelJS.Worksheet, layout: AnnexLayout, fill: SheetFill, lists: DropdownLists, options: PaintOptions = {}): Placement {
  const dataRows = fill.kind === 'template' ? fill.inputRows : fill.rows.length;
  const place = placement(layout, dataRows);
  layout.columns.forEach((c) => (ws.getColumn(c.index).width = c.width));

  const ref = ws.getRow(REF_ROW);
  ref.getCell(1).value = layout.ref;
  ref.getCell(1).style = STYLE.ref;
  ref.commit();

  const title = ws.getRow(TITLE_ROW);
  title.height = 30;
  title.getCell(1).value = layout.title;
  for (let c = 1; c <= layout.width; c++) title.getCell(c).style = STYLE.title;
  if (layout.width > 1) ws.mergeCells(TITLE_ROW, 1, TITLE_ROW, layout.width);
  title.commit();

  const headerRows = layout.headerRows.map((texts, i) => {
    const row = ws.getRow(HEADER_TOP + i);
    row.height = 30;
    texts.forEach((text, c) => {
      const cell = row.getCell(c + 1);
      cell.style = STYLE.header;
      if (text) cell.value = text;
    });
    return row;
  });
  for (const m of layout.headerMerges) ws.mergeCells(m.top, m.left, m.bottom, m.right);
  headerRows.forEach((row) => row.commit());

  const styles = layout.columns.map((c) => dataStyle(c, fill.kind === 'template'));
  for (let r = place.firstDataRow; r <= place.lastDataRow; r++) {
    const row = ws.getRow(r);
    const values = fill.kind === 'rows' ? fill.rows[r - place.firstDataRow] : undefined;
    for (const column of layout.columns) {
      const cell = row.getCell(column.index);
      cell.style = styles[column.index - 1];
      const value = values ? cellValue(column, values[column.column.id]) : null;
      if (value !== null) cell.value = value;
    }
    row.commit();
  }
  addDropdowns(ws, layout, place, lists);

  layout.summaries.forEach((summary, i) => {
    const r = place.summaryRows[i];
    const row = ws.getRow(r);
    row.getCell(1).value = summary.label;
    for (let c = 1; c <= summary.labelSpan; c++) row.getCell(c).style = STYLE.summaryLabel;
    for (let c = summary.labelSpan + 1; c <= layout.width; c++) {
      const cell = row.getCell(c);
      const aggregate = summary.figures.get(c);
      if (!aggregate) {
        cell.style = STYLE.noFigure;
        cell.value = NO_FIGURE;
        continue;
      }
      const column = layout.columns[c - 1];
      cell.style = { ...styles[c - 1], protection: { locked: true }, font: { bold: true } };
      cell.value = fill.kind === 'template' ? { formula: figureFormula(aggregate, column, place) } : figureValue(fill.rows, column, aggregate);
    }
    if (summary.labelSpan > 1) ws.mergeCells(r, 1, r, summary.labelSpan);
    row.commit();
  });

  const textRow = (r: number, text: string, style: Partial<ExcelJS.Style>) => {
    const row = ws.getRow(r);
    row.getCell(1).value = text;
    for (let c = 1; c <= layout.width; c++) row.getCell(c).style = style;
    row.height = rowHeight(text, layout);
    if (layout.width > 1) ws.mergeCells(r, 1, r, layout.width);
    row.commit();
  };
  if (layout.note && place.noteRow) textRow(place.noteRow, layout.note, STYLE.note);
  if (options.hint) textRow(place.hintRow, options.hint, STYLE.hint);
  return place;
}

/** A dropdown over the data rows of every column with fixed values; what is typed otherwise is refused by Excel. */
function addDropdowns(ws: ExcelJS.Worksheet, layout: AnnexLayout, place: Placement, lists: DropdownLists): void {
  // `dataValidations` is missing from exceljs's typings (index.d.ts comments it out), not from the object.
  const validations = (ws as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations;
  for (const column of layout.columns) {
    if (!column.allowed?.length) continue;
    const letter = columnLetter(column.index);
    const listed = column.allowed.length <= 8 ? `：${column.allowed.join('、')}` : '';
    validations.add(`${letter}${place.firstDataRow}:${letter}${place.lastDataRow}`, {
      type: 'list',
      allowBlank: true,
      formulae: [lists.formulaFor(layout.table.id, column)],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: '请从下拉列表中选择',
      error: `“${column.leaf}”只能从下拉列表中选择${listed}。`,
      showInputMessage: false,
    });
  }
}

function figureFormula(aggregate: Aggregate, column: LayoutColumn, place: Placement): string {
  const range = `${columnLetter(column.index)}${place.firstDataRow}:${columnLetter(column.index)}${place.lastDataRow}`;
  switch (aggregate) {
    case 'sum': return `SUM(${range})`;
    case 'count-yes': return `COUNTIF(${range},"${YES}")`;
    case 'mean': return `IF(COUNT(${range})=0,"",ROUND(AVERAGE(${range}),2))`;
  }
}

function figureValue(rows: TableValue, column: LayoutColumn, aggregate: Aggregate): number | null {
  const figure = summaryFigure(rows, column.column.id, aggregate);
  return figure === null ? null : Number(figure);
}


/** A stored cell as the sheet shows it: numbers as numbers, dates as dates, choices by label, 是/否. */
export function cellValue(column: LayoutColumn, value: string | number | boolean | null | undefined): ExcelJS.CellValue {
  if (value === null || value === undefined || value === '') return null;
  switch (column.column.type) {
    case 'integer':
    case 'year':
    case 'amount':
    case 'area':
    case 'percent': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : String(value);
    }
    case 'date': {
      const m = typeof value === 'string' ? value.match(/^(\d{4})-(\d{2})-(\d{2})$/) : null;
      return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : String(value);
    }
    case 'yesno':
      return typeof value === 'boolean' ? (value ? YES : NO) : String(value);
    case 'choice':
      return column.choices?.find((c) => c.value === value)?.label ?? String(value);
    default:
      return String(value);
  }
}


/** A merged text row tall enough for its text across the table's width. */
function rowHeight(text: string, layout: AnnexLayout): number {
  const perLine = Math.max(20, layout.columns.reduce((acc, c) => acc + c.width, 0) - 2);
  const lines = text.split('\n').reduce((acc, line) => acc + Math.max(1, Math.ceil(displayWidth(line) / perLine)), 0);
  return Math.max(18, lines * 16);
}
