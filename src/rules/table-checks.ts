import { holds, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { AnnexTable } from '../flow/schema.ts';
import { renderMessage } from '../engine/format.ts';
import { parseRowObject } from '../engine/parse-answer.ts';
import { buildScope, type Env } from '../engine/scope.ts';
import type { Answers, TableValue } from '../engine/values.ts';

/**
 * Cross-checks over annex table rows (附表): per row (an activity under 10 participants does not count) and over
 * whole tables next to the answers (the resident list must match 【三】1). Pure: flow, answers and rows in, problems out.
 */

export interface TableProblem {
  table: string;
  /** 1-based row number for a row check. */
  row?: number;
  level: 'error' | 'warning';
  message: string;
}

/** Rows as they come from a file or a spreadsheet: cells typed by their column, with the cell named on error. */
export function coerceRows(loaded: LoadedFlow, table: AnnexTable, raw: unknown, today: string): { rows: TableValue; problems: TableProblem[] } {
  const problems: TableProblem[] = [];
  const rows: TableValue = [];
  if (!Array.isArray(raw)) return { rows, problems: [{ table: table.id, level: 'error', message: `${table.title}应是行的列表` }] };
  raw.forEach((item, i) => {
    // Annex rows may leave cells empty: a missing cell is for the table's own checks to judge, not a parse error.
    const { row, errors } = parseRowObject(item, table.columns, loaded, today, { allOptional: true });
    for (const error of errors) problems.push({ table: table.id, row: i + 1, level: 'error', message: `${table.title}第 ${i + 1} 行${error}` });
    rows.push(row);
  });
  return { rows, problems };
}

function renderRow(message: string, row: Record<string, unknown>): string {
  return message.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, id: string) => (row[id] === undefined || row[id] === null ? whole : String(row[id])));
}

export function checkTables(loaded: LoadedFlow, tables: Record<string, TableValue>, answers: Answers, env: Env): TableProblem[] {
  const problems: TableProblem[] = [];
  const scope: Scope = { ...buildScope(loaded, answers, env), ...tables };
  for (const table of loaded.flow.tables) {
    const rows = tables[table.id];
    if (!rows) continue;
    rows.forEach((row, i) => {
      // A row sees its own cells first, then the answers (a rule may depend on the declared category).
      const rowScope: Scope = { ...scope, ...row };
      for (const check of table.rowChecks) {
        if (check.when && holds(check.when, rowScope) !== true) continue;
        if (holds(check.assert, rowScope) !== false) continue;
        problems.push({ table: table.id, row: i + 1, level: check.level, message: `${table.title}第 ${i + 1} 行：${renderRow(check.message, row)}` });
      }
    });
  }
  for (const table of loaded.flow.tables) {
    for (const check of table.checks) {
      if (check.when && holds(check.when, scope) !== true) continue;
      if (holds(check.assert, scope) !== false) continue;
      problems.push({ table: table.id, level: check.level, message: renderMessage(check.message, loaded, answers, scope) });
    }
  }
  return problems;
}
