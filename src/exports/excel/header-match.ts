import type { AnnexLayout } from './annex-layout.ts';
import type { ReadCell, ReadSheet } from './workbook-io.ts';

/**
 * Finding an annex table's header in a sheet someone filled: by its text, not by position or merges (the operator may
 * have inserted a row above it, saved it from WPS, or typed the header into a sheet of their own). One or two header
 * rows; a group label over sub-columns whether merged or written once; spaces, line breaks, full-width brackets and
 * colons ignored; a sub-column recognised by its own label too (“学历” for “教育情况：学历”). Columns may come in
 * another order; every column of the table must be there, once.
 */

/** How far down a sheet a header is looked for. */
const HEADER_SEARCH_ROWS = 30;

export interface HeaderFound {
  sheet: ReadSheet;
  /** The row the header starts on, and the first row below it. */
  headerRow: number;
  firstDataRow: number;
  /** The sheet column of each layout column, in the layout's order. */
  columnOf: number[];
  /** Labelled columns of the sheet that are not the table's: not read. */
  extra: { index: number; label: string }[];
}

/** The closest a sheet came to the header, when it did not match: what is missing and what is there instead. */
export interface HeaderNearMiss {
  sheet: ReadSheet;
  headerRow: number;
  missing: string[];
  extra: string[];
  found: number;
}

/** Labels compared without spaces, line breaks, width or the marks people add to a heading (*, ※). */
export function normaliseLabel(text: string): string {
  return text.normalize('NFKC').replace(/[\s*※]/g, '').replace(/[:：]$/, '');
}

export function cellText(cell: ReadCell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return 'formula' in cell ? String(cell.result ?? '') : '';
  return String(cell).trim();
}

/** Each column's label read from `depth` rows starting at `top`: “上级：下级” under a group, else the one text. */
function labelsAt(sheet: ReadSheet, top: number, depth: number): string[] {
  const upper = sheet.rows.get(top) ?? [];
  if (depth === 1) return upper.map((c) => cellText(c));
  const lower = sheet.rows.get(top + 1) ?? [];
  const width = Math.max(upper.length, lower.length);
  const labels: string[] = [];
  let group = '';
  for (let c = 1; c < width; c++) {
    const above = cellText(upper[c]);
    const below = cellText(lower[c]);
    // A group's label stands over its first sub-column; the cells to its right are empty (merged or not).
    if (above) group = below ? above : '';
    const head = above || group;
    labels[c] = head && below && head !== below ? `${head}：${below}` : head || below;
  }
  return labels;
}

interface Attempt { columnOf: (number | undefined)[]; extra: { index: number; label: string }[]; found: number }

function attempt(layout: AnnexLayout, labels: string[]): Attempt {
  const normal = labels.map((l) => (l ? normaliseLabel(l) : ''));
  const used = new Set<number>();
  const columnOf = layout.columns.map((column) => {
    const wanted = [normaliseLabel(column.label), normaliseLabel(column.leaf)];
    const at = normal.findIndex((label, i) => i > 0 && !used.has(i) && label === wanted[0]);
    const index = at > 0 ? at : normal.findIndex((label, i) => i > 0 && !used.has(i) && label === wanted[1]);
    if (index > 0) used.add(index);
    return index > 0 ? index : undefined;
  });
  const extra = normal.flatMap((label, i) => (i > 0 && label && !used.has(i) ? [{ index: i, label: labels[i] }] : []));
  return { columnOf, extra, found: columnOf.filter((c) => c !== undefined).length };
}

/** The table's header in this sheet, or the nearest miss. */
export function findHeader(layout: AnnexLayout, sheet: ReadSheet): { found?: HeaderFound; nearest?: HeaderNearMiss } {
  let nearest: HeaderNearMiss | undefined;
  // The layout's own depth first: a two-row header read as one row would take its group labels for columns.
  const depths = layout.headerDepth === 2 ? [2, 1] : [1, 2];
  const last = Math.min(sheet.lastRow, HEADER_SEARCH_ROWS);
  for (let r = 1; r <= last; r++) {
    if (!sheet.rows.has(r)) continue;
    for (const depth of depths) {
      const tried = attempt(layout, labelsAt(sheet, r, depth));
      if (tried.found === layout.columns.length) {
        return { found: { sheet, headerRow: r, firstDataRow: r + depth, columnOf: tried.columnOf as number[], extra: tried.extra } };
      }
      if (!nearest || tried.found > nearest.found) {
        nearest = {
          sheet,
          headerRow: r,
          found: tried.found,
          missing: layout.columns.filter((_, i) => tried.columnOf[i] === undefined).map((c) => c.label),
          extra: tried.extra.map((e) => e.label),
        };
      }
    }
  }
  return { nearest };
}
