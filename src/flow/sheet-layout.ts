import { choicesOf, type LoadedFlow, type NormalChoice } from './loader.ts';
import type { Column, Flow, Question } from './schema.ts';

/**
 * The seed's own forms as flow.yaml lays them out (`sheets`, e.g. Hebei's 运营情况表): the types of a sheet, its rows and
 * cells, where each cell of a row falls, and the shape of a matrix laid out as a block. `flows check`
 * (src/flow/sheet-check.ts) and the workbook (src/exports/excel/form-sheet.ts) read the layout through these, so the
 * check measures exactly what the workbook paints.
 */

export type FormSheet = Flow['sheets'][number];
export type FormRow = FormSheet['rows'][number];
export type FormCellsRow = Extract<FormRow, { cells: unknown }>;
export type FormGridRow = Extract<FormRow, { grid: string }>;
export type FormCell = FormCellsRow['cells'][number];
export type MatrixQuestion = Extract<Question, { type: 'matrix' }>;

/** The label of a grid's line or column of totals over the matrix's rows, and of its subtotals per row. */
export const TOTAL_LABEL = '合计';
export const SUBTOTAL_LABEL = '小计';

/** The seed's words of a fill cell: its texts with the blanks left out. */
export const fillWords = (fill: NonNullable<FormCell['fill']>): string => fill.map((part) => (typeof part === 'string' ? part : '')).join('');

/** 1-based first and last column of each cell: side by side by span, the row's last cell reaching the sheet's edge. */
export function cellColumns(cells: FormCell[], width: number): { left: number; right: number }[] {
  let left = 1;
  return cells.map((cell, i) => {
    const right = i === cells.length - 1 ? Math.max(left, width) : left + cell.span - 1;
    const placed = { left, right };
    left = right + 1;
    return placed;
  });
}

/** Columns a row of cells asks for, before its last cell is stretched to the edge. */
export const spanOf = (cells: FormCell[]): number => cells.reduce((sum, c) => sum + c.span, 0);

/**
 * A matrix as a block: the labels across (after the corner cell) and down (one per line), totals included. Untransposed
 * the matrix's columns run across and a 合计 line closes it; transposed (as Hebei's 服务成效 grid, service types
 * across) its rows run across and 合计 is the last column.
 */
export interface GridShape {
  rows: NormalChoice[];
  columns: Column[];
  transpose: boolean;
  /** A 合计 over the matrix's rows (the question's `totals`); a 小计 over each row's columns (`rowTotals`). */
  totals: boolean;
  rowTotals: boolean;
  across: string[];
  down: string[];
}

export function gridShape(loaded: Pick<LoadedFlow, 'vocabularies'>, question: MatrixQuestion, transpose: boolean): GridShape {
  const rows = choicesOf(loaded, question);
  const rowLabels = [...rows.map((r) => r.label), ...(question.totals ? [TOTAL_LABEL] : [])];
  const columnLabels = [...question.columns.map((c) => c.label), ...(question.rowTotals ? [SUBTOTAL_LABEL] : [])];
  return {
    rows,
    columns: question.columns,
    transpose,
    totals: question.totals,
    rowTotals: question.rowTotals,
    across: transpose ? rowLabels : columnLabels,
    down: transpose ? columnLabels : rowLabels,
  };
}
