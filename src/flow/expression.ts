import { compileExpression } from 'filtrex';

/**
 * Safe evaluation of the expressions in flow files (conditions, checks, formulas, threshold rules).
 * filtrex compiles them to sandboxed functions: no access to globals or prototypes.
 */

export type Scope = Record<string, unknown>;

export type Evaluation =
  | { ok: true; value: unknown }
  | { ok: false; missing: string[] }
  | { ok: false; error: string; missing?: undefined };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'of', 'if', 'then', 'else', 'mod', 'true', 'false', 'null']);

const toNumber = (v: unknown): number => (typeof v === 'string' && v.trim() !== '' ? Number(v) : (v as number));

/** Functions a flow may call besides filtrex's own (abs, ceil, floor, round, min, max, exists, empty …). */
export const FUNCTIONS: Record<string, (...args: any[]) => unknown> = {
  /** number of items in a list (selected choices, table rows) */
  count: (list: unknown) => (Array.isArray(list) ? list.length : list == null ? 0 : 1),
  /** whether a list (multiple choice) contains a value */
  has: (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value),
  /** characters in a text */
  len: (text: unknown) => (typeof text === 'string' ? [...text].length : 0),
  /** a / b × 100; no value when b is 0 (a share of nothing is undefined, not 0 %) */
  percent: (a: unknown, b: unknown) => {
    const d = toNumber(b);
    return d ? (toNumber(a) / d) * 100 : null;
  },
  /** (current − previous) ÷ previous × 100; no value when previous is 0 */
  growth: (current: unknown, previous: unknown) => {
    const p = toNumber(previous);
    return p ? ((toNumber(current) - p) / p) * 100 : null;
  },
  /** sum of one column of a matrix over its rows, e.g. matrix_sum(service_matrix, "enterprises") */
  matrix_sum: (matrix: unknown, column: string) =>
    matrix && typeof matrix === 'object'
      ? Object.values(matrix as Record<string, Record<string, unknown>>).reduce((acc, row) => acc + (Number(row?.[column]) || 0), 0)
      : 0,
  /** largest value of one column of a matrix, e.g. the busiest service type's enterprises */
  matrix_max: (matrix: unknown, column: string) =>
    matrix && typeof matrix === 'object'
      ? Math.max(0, ...Object.values(matrix as Record<string, Record<string, unknown>>).map((row) => Number(row?.[column]) || 0))
      : 0,
  /** sum of one column over the rows of a table, or of a list of numbers */
  sum: (list: unknown, column?: string) =>
    Array.isArray(list)
      ? list.reduce((acc: number, item) => acc + (Number(column ? (item as Record<string, unknown>)?.[column] : item) || 0), 0)
      : 0,
  /** number of table rows whose column equals a value */
  count_where: (list: unknown, column: string, value: unknown) =>
    Array.isArray(list) ? list.filter((row) => (row as Record<string, unknown>)?.[column] === value).length : 0,
  /** whole years from an ISO date to another ISO date */
  years_between: (from: unknown, to: unknown) => {
    if (typeof from !== 'string' || typeof to !== 'string') return 0;
    const [fy, fm, fd] = from.split('-').map(Number);
    const [ty, tm, td] = to.split('-').map(Number);
    return ty - fy - (tm < fm || (tm === fm && td < fd) ? 1 : 0);
  },
  /** ISO dates compare as text; this makes the intent explicit */
  date_before: (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a < b,
  /** true when every item of a list has no duplicate (by a column for tables) */
  unique: (list: unknown, column?: string) => {
    if (!Array.isArray(list)) return true;
    const keys = list.map((item) => String(column ? (item as Record<string, unknown>)?.[column] : item).trim());
    return new Set(keys).size === keys.length;
  },
  num: (v: unknown) => toNumber(v),
};

const identifiers = new Map<string, readonly string[]>();

/**
 * Identifiers an expression reads (question ids or constants), found by a lexical scan that skips strings and calls;
 * remembered, since a flow's expressions are few and asked about on every message.
 */
export function identifiersOf(expression: string): readonly string[] {
  let found = identifiers.get(expression);
  if (!found) identifiers.set(expression, (found = scanIdentifiers(expression)));
  return found;
}

function scanIdentifiers(expression: string): readonly string[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const found = new Set<string>();
  for (const m of withoutStrings.matchAll(/'([^']+)'|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?/g)) {
    const name = m[1] ?? m[2];
    if (m[3] || KEYWORDS.has(name)) continue;
    found.add(name);
  }
  return [...found];
}

/** Function names an expression calls. */
export function functionsOf(expression: string): string[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]).filter((n) => !KEYWORDS.has(n));
}

const compiled = new Map<string, (scope: Scope) => unknown>();

/** Compile once and cache; throws on malformed syntax (caught by `flows check`). */
export function compile(expression: string): (scope: Scope) => unknown {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = compileExpression(expression, {
      extraFunctions: FUNCTIONS,
      constants: { true: true, false: false, null: null },
      customProp: (name, get) => {
        const value = get(name);
        return value === undefined ? null : value;
      },
    });
    compiled.set(expression, fn);
  }
  return fn;
}

/**
 * Evaluate with every identifier known; a missing identifier makes the result unknown rather than guessed.
 * With `lenient`, missing identifiers read as null (used for "ask only when" conditions).
 */
export function evaluate(expression: string, scope: Scope, options: { lenient?: boolean } = {}): Evaluation {
  if (!options.lenient) {
    const missing = identifiersOf(expression).filter((name) => scope[name] === undefined || scope[name] === null);
    if (missing.length) return { ok: false, missing };
  }
  const value = compile(expression)(scope);
  if (value instanceof Error) return { ok: false, error: value.message };
  return { ok: true, value };
}

/** A condition: true, false, or null when it cannot be decided yet. */
export function holds(expression: string, scope: Scope): boolean | null {
  const result = evaluate(expression, scope);
  return result.ok ? Boolean(result.value) : null;
}
