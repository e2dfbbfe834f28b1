import { holds, identifiersOf, type Scope } from '../../flow/expression.ts';
import type { LoadedFlow } from '../../flow/loader.ts';
import type { AnnexTable } from '../../flow/schema.ts';
import { parseCell } from '../../engine/parse-answer.ts';
import { buildScope, type OrgValues } from '../../engine/scope.ts';
import type { Answers, TableValue } from '../../engine/values.ts';
import type { ArchiveLimits } from '../../files/archive-guard.ts';
import { annexLayout, columnLetter, TOTAL_LABEL, type AnnexLayout, type LayoutColumn } from './annex-layout.ts';
import { cellText, findHeader, normaliseLabel, type HeaderFound, type HeaderNearMiss } from './header-match.ts';
import { isoFromSerial, readWorkbook, type ReadCell, type ReadSheet, type WorkbookRefusalCode } from './workbook-io.ts';

/**
 * An annex table filled in Excel, read back: the file inspected (src/files/archive-guard.ts), the table's header found
 * by its text, every row below it read until the 合计 or 填表说明, every cell typed by its column with the chat's own
 * parser, repeats of the table's key and the table's row checks reported. Nothing is dropped unsaid: a row with an
 * error is kept aside (invalidRows) and named, by the row number and column the operator sees in Excel. The 合计 row
 * is never read: totals are recomputed from the rows.
 */

export interface ImportProblem {
  /** The sheet's row number, as Excel shows it; none for a problem of the whole file. */
  row?: number;
  /** The column's label as in the flow (“教育情况：学历”); none for a problem of the whole row. */
  column?: string;
  /** The cell the problem is marked on in the annotated copy, e.g. F7. */
  cell?: string;
  level: 'error' | 'warning';
  message: string;
}

/** A row not taken because of an error: what was written in it, by column id. */
export interface InvalidRow {
  row: number;
  cells: Record<string, string>;
}

export type ImportRefusalCode = WorkbookRefusalCode | 'no-header' | 'other-table';

export interface ImportResult {
  table: string;
  /** Set when the file as a whole was refused: nothing was read, and `problems` holds the one message. */
  refused?: ImportRefusalCode;
  /** The sheet the rows were read from. */
  sheet?: string;
  /** The sheet's columns (1-based) holding the table's dates, whose cells Excel keeps as serial day numbers. */
  dateColumns?: number[];
  /** The sheet as read, for a copy rebuilt from its values (annotated-copy.ts) without reading the file again. */
  read?: { sheet: ReadSheet; date1904: boolean };
  /** The rows taken (typed, as TableValue), and the sheet row each came from. */
  rows: TableValue;
  rowNumbers: number[];
  invalidRows: InvalidRow[];
  problems: ImportProblem[];
}

export interface ImportOptions {
  /** The declaration's answers, for row checks that depend on them (e.g. the platform's service category). */
  answers?: Answers;
  org?: OrgValues;
  limits?: ArchiveLimits;
}

const refusal = (table: AnnexTable, code: ImportRefusalCode, message: string): ImportResult => ({
  table: table.id,
  refused: code,
  rows: [],
  rowNumbers: [],
  invalidRows: [],
  problems: [{ level: 'error', message }],
});

const named = (layout: AnnexLayout) => `「${layout.ref} ${layout.title}」`;

/** Read an annex table from an uploaded workbook (its bytes, or the path of a file not yet read). */
export async function importAnnex(loaded: LoadedFlow, table: AnnexTable, bytes: Buffer | string, today: string, options: ImportOptions = {}): Promise<ImportResult> {
  const reading = await readWorkbook(bytes, { archive: options.limits });
  if (!reading.ok) return refusal(table, reading.code, reading.message);
  const { sheets, date1904 } = reading.workbook;
  const layout = annexLayout(loaded, table);
  const located = locate(loaded, layout, sheets);
  if ('refused' in located) return refusal(table, located.refused, located.message);
  return readRows(loaded, layout, located, { date1904, today, scope: buildScope(loaded, options.answers ?? {}, { today, org: options.org }) });
}

/** The sheet holding the table: the one named by its 附表 number first, then any other with its header. */
function locate(loaded: LoadedFlow, layout: AnnexLayout, sheets: ReadSheet[]): HeaderFound | { refused: ImportRefusalCode; message: string } {
  const ordered = [...sheets.filter((s) => s.name === layout.sheetName), ...sheets.filter((s) => s.name !== layout.sheetName)];
  let nearest: HeaderNearMiss | undefined;
  for (const sheet of ordered) {
    const { found, nearest: near } = findHeader(layout, sheet);
    if (found) return found;
    if (near && (!nearest || near.found > nearest.found)) nearest = near;
  }
  const expected = `应依次为：${layout.columns.map((c) => c.label).join('、')}`;
  for (const other of loaded.flow.tables) {
    if (other.id === layout.table.id) continue;
    const otherLayout = annexLayout(loaded, other);
    if (ordered.some((sheet) => findHeader(otherLayout, sheet).found)) {
      return {
        refused: 'other-table',
        message: `您发送的是${named(otherLayout)}，这里需要的是${named(layout)}（表头${expected}）。请发送填好的${layout.title}。`,
      };
    }
  }
  // Half the columns recognised: the right table with columns renamed, added or deleted.
  if (nearest && nearest.found * 2 >= layout.columns.length) {
    const missing = nearest.missing.map((l) => `「${l}」`).join('');
    const extra = nearest.extra.length ? `；多出的列：${nearest.extra.map((l) => `「${l}」`).join('')}` : '';
    return {
      refused: 'no-header',
      message: `工作表“${nearest.sheet.name}”第${nearest.headerRow}行的表头与${named(layout)}不一致：缺少${missing}${extra}。表头${expected}。请用本表的模板填写（不要增删列或修改列名）后重新发送。`,
    };
  }
  return {
    refused: 'no-header',
    message: `文件中没有找到${named(layout)}的表头（${expected}）。请用本表的模板填写后重新发送。`,
  };
}

interface ReadContext { date1904: boolean; today: string; scope: Scope }

/** Words that start a line under the table rather than a row of it. */
const BELOW_TABLE = /^(填表说明|说明|填写提示|注[:：])/;

function readRows(loaded: LoadedFlow, layout: AnnexLayout, found: HeaderFound, context: ReadContext): ImportResult {
  const problems: ImportProblem[] = [];
  const stops = new Set([TOTAL_LABEL, ...layout.summaries.map((s) => s.label)].map(normaliseLabel));
  const at = (row: number, column: LayoutColumn) => `${columnLetter(found.columnOf[column.index - 1])}${row}`;
  for (const extra of found.extra) {
    problems.push({ level: 'warning', message: `第${found.headerRow}行的「${extra.label}」一列不是${named(layout)}的列，没有读取。如其中有需要申报的内容，请填入本表对应的列。` });
  }
  // An empty cell is judged here (a warning), so the parser sees every column as optional.
  const optional = layout.columns.map((c) => ({ ...c.column, required: false }));
  const cache = new Map<string, ReturnType<typeof parseCell>>();
  const parse = (text: string, column: LayoutColumn) => {
    if (column.column.type === 'text') return parseCell(text, optional[column.index - 1], loaded, context.today);
    // Choices, 是/否, dates and figures repeat down a column: each distinct text is parsed once.
    const key = `${column.index}\u0000${text}`;
    let result = cache.get(key);
    if (!result) cache.set(key, (result = parseCell(text, optional[column.index - 1], loaded, context.today)));
    return result;
  };
  const repeats = keyTracker(layout);
  // A row sees its own cells first, then the answers (a rule may depend on the declared category), as in checkTables;
  // of the answers only what the checks name, so that a row's scope is a few values, not the whole declaration.
  const checked = new Set(layout.table.rowChecks.flatMap((c) => [...identifiersOf(c.assert), ...(c.when ? identifiersOf(c.when) : [])]));
  const answered: Scope = Object.fromEntries([...checked].filter((n) => n in context.scope).map((n) => [n, context.scope[n]]));
  // One scope for every row, its cells written over row by row (checks read it at once and keep nothing): a new
  // object per row, spread from two, cost a 10,000-row import 40 MB of heap that only a full collection gave back.
  const rowScope: Scope = { ...answered };

  const rows: TableValue = [];
  const rowNumbers: number[] = [];
  const invalidRows: InvalidRow[] = [];
  let read = 0;
  for (let r = found.firstDataRow; r <= found.sheet.lastRow; r++) {
    const cells = found.sheet.rows.get(r);
    if (!cells) continue;
    const first = firstText(cells);
    if (first === undefined) continue;
    if (stops.has(normaliseLabel(first)) || BELOW_TABLE.test(first)) break;
    const values: Record<string, string | number | boolean | null> = {};
    const texts: string[] = [];
    const rowProblems: ImportProblem[] = [];
    for (const column of layout.columns) {
      const cell = cells[found.columnOf[column.index - 1]];
      const input = cellInput(cell, column, context.date1904);
      texts.push(input.ok ? input.text : cellText(cell));
      if (!input.ok) {
        rowProblems.push({ row: r, column: column.label, cell: at(r, column), level: 'error', message: input.message });
        continue;
      }
      if (input.text === '') {
        values[column.column.id] = null;
        if (column.column.required) rowProblems.push({ row: r, column: column.label, cell: at(r, column), level: 'warning', message: '未填写，请补填。' });
        continue;
      }
      const result = parse(input.text, column);
      if (result.ok) {
        values[column.column.id] = result.value;
        if (result.note) rowProblems.push({ row: r, column: column.label, cell: at(r, column), level: 'warning', message: forSheet(result.note) });
      } else {
        rowProblems.push({ row: r, column: column.label, cell: at(r, column), level: 'error', message: cellRefusal(column, input.text, result.message) });
      }
    }
    // A row of empty cells (all “—” or spaces) is no row.
    if (texts.every((t) => t === '' || t === '-' || t === '—')) continue;
    read++;
    let failed = rowProblems.some((p) => p.level === 'error');
    if (!failed) {
      const repeat = repeats(values, texts, r);
      if (repeat) {
        rowProblems.push({ row: r, column: repeat.column.label, cell: at(r, repeat.column), level: repeat.level, message: repeat.message });
        failed = repeat.level === 'error';
      }
    }
    if (!failed) {
      for (const column of layout.columns) rowScope[column.column.id] = values[column.column.id];
      for (const check of layout.table.rowChecks) {
        if (check.when && holds(check.when, rowScope) !== true) continue;
        if (holds(check.assert, rowScope) !== false) continue;
        rowProblems.push({ row: r, cell: at(r, layout.columns[0]), level: check.level, message: fillRow(check.message, values) });
        failed ||= check.level === 'error';
      }
    }
    problems.push(...rowProblems);
    if (failed) invalidRows.push({ row: r, cells: Object.fromEntries(layout.columns.map((c, i) => [c.column.id, texts[i]])) });
    else {
      rows.push(values);
      rowNumbers.push(r);
    }
  }
  if (read === 0) {
    problems.push({ level: 'warning', message: `${named(layout)}中没有读到任何一行：请从第${found.firstDataRow}行起逐行填写后再发送。` });
  }
  const dateColumns = layout.columns.filter((c) => c.column.type === 'date').map((c) => found.columnOf[c.index - 1]);
  return { table: layout.table.id, sheet: found.sheet.name, dateColumns, read: { sheet: found.sheet, date1904: context.date1904 }, rows, rowNumbers, invalidRows, problems };
}

/**
 * Repeats of the table's key (e.g. the enterprise's name), row by row: a row whose key was seen before is named with
 * the row it repeats; at level error it is not taken (the first is).
 */
function keyTracker(layout: AnnexLayout) {
  const key = layout.table.key;
  const seen = new Map<string, number>();
  const keyColumns = key ? key.columns.map((id) => layout.columns.find((c) => c.column.id === id)!) : [];
  return (values: Record<string, unknown>, texts: string[], row: number): { row: number; column: LayoutColumn; level: 'error' | 'warning'; message: string } | undefined => {
    if (!key) return undefined;
    const parts = keyColumns.map((c) => values[c.column.id]);
    if (parts.every((p) => p === null || p === undefined)) return undefined;
    const k = parts.map((p) => normaliseLabel(String(p ?? ''))).join('\u0000');
    const earlier = seen.get(k);
    if (earlier === undefined) {
      seen.set(k, row);
      return undefined;
    }
    const what = keyColumns.map((c) => `「${c.leaf}」“${texts[c.index - 1]}”`).join('、');
    const advice = key.level === 'error' ? '本表不能有重复，这一行没有导入：请删去重复的行后重新发送。' : '如确是不同的记录可以保留；如是重复录入，请删去其中一行。';
    return { row, column: keyColumns[0], level: key.level, message: `与第${earlier}行重复（${what}相同）。${advice}` };
  };
}

/** The first text of a row, whichever its column. */
function firstText(cells: ReadCell[]): string | undefined {
  for (const cell of cells) {
    const text = cellText(cell);
    if (text !== '') return text;
  }
  return undefined;
}

type CellInput = { ok: true; text: string } | { ok: false; message: string };

const YEAR_MONTH_DAY = /^(19|20|21)\d{2}((0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?)?$/;
/** 9999-12-31, the last day Excel counts. */
const MAX_SERIAL = 2_958_466;

/**
 * The date a number in a date column stands for: Excel's serial day number. Not 2023, 202306 or 20230601 typed as a
 * number: those say a year, month or day (the parser asks for a whole date), and the years 1905–1907 they would mean
 * as serials are no one's answer.
 */
export function dateOfSerial(cell: number, date1904: boolean): string | undefined {
  if (Number.isInteger(cell) && YEAR_MONTH_DAY.test(String(cell))) return undefined;
  return cell >= 1 && cell < MAX_SERIAL ? isoFromSerial(cell, date1904) : undefined;
}

/** What a cell says, as the text the chat's parser reads; a date column's serial number becomes its date. */
function cellInput(cell: ReadCell | undefined, column: LayoutColumn, date1904: boolean): CellInput {
  if (cell === null || cell === undefined) return { ok: true, text: '' };
  if (typeof cell === 'object' && 'error' in cell) {
    return { ok: false, message: `这一格显示错误值 ${cell.error}，请改为实际的${column.column.type === 'text' ? '内容' : '数值'}。` };
  }
  if (typeof cell === 'object') {
    if (cell.result === undefined) {
      return { ok: false, message: `这一格是公式（=${cell.formula.slice(0, 30)}），文件里没有保存它的计算结果。请复制这一列，用“选择性粘贴 → 数值”粘回原处后再发送。` };
    }
    return cellInput(cell.result, column, date1904);
  }
  if (typeof cell === 'boolean') return { ok: true, text: cell ? '是' : '否' };
  if (typeof cell === 'number') {
    const date = column.column.type === 'date' ? dateOfSerial(cell, date1904) : undefined;
    if (date) return { ok: true, text: date };
    // 15 significant digits: what Excel shows, without a binary fraction's tail (0.1 + 0.2).
    return { ok: true, text: String(Number(cell.toPrecision(15))) };
  }
  return { ok: true, text: cell };
}

/** The chat parser's words for a cell of a sheet: typed into a cell, not sent as a reply. */
function forSheet(message: string): string {
  return message.replace(/您发送的是/g, '您填写的是').replace(/回复/g, '填写');
}

function cellRefusal(column: LayoutColumn, text: string, message: string): string {
  if (column.allowed?.length) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
    return `“${shown}”不是可选的值，请从下拉列表中选择：${column.allowed.join('、')}。`;
  }
  return forSheet(message);
}

/** A row check's message with the row's own cells: {name}, {people}. */
function fillRow(message: string, row: Record<string, unknown>): string {
  return message.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, id: string) => (row[id] === undefined || row[id] === null ? whole : String(row[id])));
}

/**
 * The problems as one Chinese text: errors first (those rows were not taken), then what to check, one line per row,
 * at most `cap` problems; the rest counted and left to the annotated copy. A refusal of the whole file is its message.
 */
export function summary(problems: ImportProblem[], cap = 20): string {
  if (problems.length === 0) return '没有发现问题。';
  const lines: string[] = [];
  let shown = 0;
  const section = (level: 'error' | 'warning', heading: string) => {
    const list = problems.filter((p) => p.level === level);
    if (list.length === 0 || shown >= cap) return;
    if (list.some((p) => p.row !== undefined)) lines.push(heading.replace('{n}', String(list.length)));
    let current: { row?: number; parts: string[] } | undefined;
    const flush = () => {
      // Several problems of one row in one line: each ends its sentence before the next (no “。；”).
      if (current) lines.push(`${current.row ? `第${current.row}行` : ''}${current.parts.map((part, i, all) => (i < all.length - 1 ? part.replace(/。$/, '') : part)).join('；')}`);
      current = undefined;
    };
    for (const p of list) {
      if (shown >= cap) break;
      shown++;
      const part = `${p.column ? `「${p.column}」` : ''}${p.row || p.column ? '：' : ''}${p.message}`;
      if (current && p.row !== undefined && current.row === p.row) current.parts.push(part);
      else {
        flush();
        current = { row: p.row, parts: [part] };
      }
    }
    flush();
  };
  section('error', '以下 {n} 处需要改正（有错误的行没有导入）：');
  section('warning', '以下 {n} 处请核对：');
  if (problems.length > shown) lines.push(`另有 ${problems.length - shown} 处问题，见返回的标注文件。`);
  return lines.join('\n');
}
