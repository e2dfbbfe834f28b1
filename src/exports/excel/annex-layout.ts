import { choicesOf, type LoadedFlow, type NormalChoice } from '../../flow/loader.ts';
import type { AnnexTable, Column } from '../../flow/schema.ts';

/**
 * Where everything of one annex table (附表) stands on its sheet, as the seed lays it out: the 附表 number, the title,
 * the header rows (a label “上级：下级” spans a merged group cell over its sub-columns; a label without a group
 * spans every header row), the data columns with their number formats and allowed values, the 合计 and other computed
 * rows, the 填表说明. The blank template, the filled workbook and the importer all read this one layout, so the file
 * an operator downloads, the file they send back and the file we produce never disagree.
 */

/** One data column on the sheet. */
export interface LayoutColumn {
  column: Column;
  /** 1-based sheet column. */
  index: number;
  /** The flow's label, “上级：下级” for a column under a group. */
  label: string;
  group?: string;
  /** The label in the lowest header row. */
  leaf: string;
  numFmt: string;
  width: number;
  /** The values a dropdown offers (choice labels, 是/否); none for free input. */
  allowed?: string[];
  /** A choice column's options: the value stored, the label written. */
  choices?: NormalChoice[];
}

/** A range of cells, 1-based, inclusive. */
export interface CellRange { top: number; left: number; bottom: number; right: number }

/** What a computed row holds in a column: a figure over the data rows, or “—” (no figure, as the seed writes it). */
export type Aggregate = 'sum' | 'count-yes' | 'mean';

/**
 * A computed row under the data (合计, 平均满意度): its label fills the columns before the first figure (merged, as in
 * the seed: “合计 | | — | —” on 附表1-2-3-1-3 spans 序号…所属行业), each figure stands under its column, and every
 * other column after the label reads “—”.
 */
export interface SummaryRow {
  label: string;
  labelSpan: number;
  figures: Map<number, Aggregate>;
}

export interface AnnexLayout {
  table: AnnexTable;
  sheetName: string;
  ref: string;
  title: string;
  columns: LayoutColumn[];
  width: number;
  /** 1 or 2 header rows. */
  headerDepth: number;
  /** Texts of the header rows, column by column ('' where a merged cell covers it). */
  headerRows: string[][];
  headerMerges: CellRange[];
  summaries: SummaryRow[];
  note?: string;
}

/** Fixed rows above the data: the 附表 number, the title, then the header. */
export const REF_ROW = 1;
export const TITLE_ROW = 2;
export const HEADER_TOP = 3;

/** The separator of a two-level label: “教育情况：学历”. */
const GROUP_SEPARATOR = '：';

/** The label of a 合计 row. */
export const TOTAL_LABEL = '合计';
/** What the seed writes in a computed row's cells that carry no figure. */
export const NO_FIGURE = '—';

const NUMBER_FORMATS: Record<Column['type'], string> = {
  integer: '0',
  year: '0',
  amount: '#,##0.00##',
  area: '#,##0.00',
  percent: '0.00',
  date: 'yyyy-mm-dd',
  // Text, so that a phone number or a code keeps its leading zeros and a date typed as text stays text.
  text: '@',
  choice: '@',
  yesno: '@',
};

export const YES = '是';
export const NO = '否';

/** Characters Excel refuses in a sheet name, and its length limit. */
const SHEET_NAME_FORBIDDEN = /[\\/?*[\]:]/g;
const SHEET_NAME_MAX = 31;

export function sheetNameFor(ref: string): string {
  return ref.replace(SHEET_NAME_FORBIDDEN, '-').slice(0, SHEET_NAME_MAX);
}

/** Display width of a text in Excel's character units: a CJK character takes two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u0000-\u00ff]/.test(ch) ? 1 : 2;
  return width;
}

function splitLabel(label: string): { group?: string; leaf: string } {
  const at = label.indexOf(GROUP_SEPARATOR);
  if (at <= 0 || at === label.length - 1) return { leaf: label };
  return { group: label.slice(0, at), leaf: label.slice(at + 1) };
}

/** Widest a column grows for its heading alone. */
const HEADING_WIDTH = 16;

function columnWidth(column: Column, leaf: string, allowed: string[] | undefined): number {
  const minimum = { date: 12, amount: 14, area: 12, percent: 12, integer: 8, year: 8, yesno: 8, choice: 10, text: 16 }[column.type];
  const longestChoice = Math.max(0, ...(allowed ?? []).map(displayWidth));
  // A long heading wraps onto the header's second line rather than widening the column.
  return Math.min(40, Math.max(minimum, Math.min(displayWidth(leaf) + 2, HEADING_WIDTH), longestChoice + 4));
}

/** The layout of one annex table. */
export function annexLayout(loaded: Pick<LoadedFlow, 'vocabularies'>, table: AnnexTable): AnnexLayout {
  const columns: LayoutColumn[] = table.columns.map((column, i) => {
    const { group, leaf } = splitLabel(column.label);
    const choices = column.type === 'choice' ? choicesOf(loaded, column) : undefined;
    const allowed = column.type === 'yesno' ? [YES, NO] : choices?.map((c) => c.label);
    return { column, index: i + 1, label: column.label, group, leaf, numFmt: NUMBER_FORMATS[column.type], width: columnWidth(column, leaf, allowed), allowed, choices };
  });
  const width = columns.length;
  const headerDepth = columns.some((c) => c.group) ? 2 : 1;
  const { headerRows, headerMerges } = headerOf(columns, headerDepth);
  return {
    table,
    sheetName: sheetNameFor(table.ref),
    ref: table.ref,
    title: table.title,
    columns,
    width,
    headerDepth,
    headerRows,
    headerMerges,
    summaries: summariesOf(table, columns),
    note: table.note,
  };
}

/** Header texts and merges: a group over its consecutive sub-columns, a column without a group down every header row. */
function headerOf(columns: LayoutColumn[], depth: number): { headerRows: string[][]; headerMerges: CellRange[] } {
  if (depth === 1) return { headerRows: [columns.map((c) => c.leaf)], headerMerges: [] };
  const top = columns.map(() => '');
  const bottom = columns.map(() => '');
  const merges: CellRange[] = [];
  const bottomRow = HEADER_TOP + 1;
  for (let i = 0; i < columns.length; ) {
    const c = columns[i];
    if (!c.group) {
      top[i] = c.leaf;
      merges.push({ top: HEADER_TOP, left: c.index, bottom: bottomRow, right: c.index });
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < columns.length && columns[j + 1].group === c.group) j++;
    top[i] = c.group;
    for (let k = i; k <= j; k++) bottom[k] = columns[k].leaf;
    if (j > i) merges.push({ top: HEADER_TOP, left: columns[i].index, bottom: HEADER_TOP, right: columns[j].index });
    i = j + 1;
  }
  return { headerRows: [top, bottom], headerMerges: merges };
}

/** 合计 first (the columns in `totals`; a 是/否 column counts its 是), then the footer rows in the flow's order. */
function summariesOf(table: AnnexTable, columns: LayoutColumn[]): SummaryRow[] {
  const indexOf = (id: string) => columns.find((c) => c.column.id === id)?.index;
  const rows: { label: string; figures: Map<number, Aggregate> }[] = [];
  if (table.totals.length) {
    const figures = new Map<number, Aggregate>();
    for (const id of table.totals) {
      const at = indexOf(id);
      const column = columns.find((c) => c.column.id === id)?.column;
      if (at && column) figures.set(at, column.type === 'yesno' ? 'count-yes' : 'sum');
    }
    rows.push({ label: TOTAL_LABEL, figures });
  }
  for (const footer of table.footer) {
    const at = indexOf(footer.column);
    if (at) rows.push({ label: footer.label, figures: new Map([[at, footer.aggregate]]) });
  }
  return rows
    .filter((r) => r.figures.size > 0)
    .map((r) => ({ ...r, labelSpan: Math.max(1, Math.min(...r.figures.keys()) - 1) }));
}

/** Row numbers of one sheet holding `dataRows` rows (at least one, so that an empty table still shows its frame). */
export interface Placement {
  firstDataRow: number;
  lastDataRow: number;
  /** The computed rows, in the layout's order. */
  summaryRows: number[];
  noteRow?: number;
  /** Our own line under the 填表说明 (how to use the template), when one is written. */
  hintRow: number;
}

export function placement(layout: AnnexLayout, dataRows: number): Placement {
  const firstDataRow = HEADER_TOP + layout.headerDepth;
  const lastDataRow = firstDataRow + Math.max(1, dataRows) - 1;
  const summaryRows = layout.summaries.map((_, i) => lastDataRow + 1 + i);
  const afterSummaries = lastDataRow + layout.summaries.length + 1;
  const noteRow = layout.note ? afterSummaries : undefined;
  return { firstDataRow, lastDataRow, summaryRows, noteRow, hintRow: afterSummaries + (layout.note ? 1 : 0) };
}

/** “A”, “B” … “AA”: a column's letters. */
export function columnLetter(index: number): string {
  let n = index;
  let letters = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    letters = String.fromCharCode(65 + r) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}
