import { choicesOf, type LoadedFlow, type NormalChoice } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import { normalise, parseMatrix, type Parsed } from './parse-answer.ts';
import type { MatrixValue } from './values.ts';

/**
 * A matrix (e.g. 8 service types × activities, enterprises, people) is entered row by row over several messages:
 * each message adds rows to what was collected so far; once every row is in, the totals are shown for confirmation.
 */

type MatrixQuestion = Extract<Question, { type: 'matrix' }>;

export interface MatrixProgress { value: MatrixValue; missing: NormalChoice[] }

export function matrixRows(loaded: LoadedFlow, question: MatrixQuestion): NormalChoice[] {
  return choicesOf(loaded, question);
}

export function missingRows(loaded: LoadedFlow, question: MatrixQuestion, value: MatrixValue | undefined): NormalChoice[] {
  return matrixRows(loaded, question).filter((row) => !value?.[row.value]);
}

/** Add what the operator sent to the rows collected so far. "其余为0" fills every missing row with zeros. */
export function collectMatrix(loaded: LoadedFlow, question: MatrixQuestion, collected: MatrixValue | undefined, text: string): Parsed<MatrixProgress> {
  const rows = matrixRows(loaded, question);
  const before = collected ?? {};
  if (/^(其余|其他|剩下的?)(都)?(为|填|是)?\s*0$/.test(normalise(text))) {
    const zero = Object.fromEntries(question.columns.map((c) => [c.id, 0]));
    const value = { ...before, ...Object.fromEntries(missingRows(loaded, question, before).map((r) => [r.value, { ...zero }])) };
    return { ok: true, value: { value, missing: [] } };
  }
  const parsed = parseMatrix(text, rows, question.columns, missingRows(loaded, question, before)[0]);
  if (!parsed.ok) return parsed;
  const value = { ...before, ...parsed.value };
  return { ok: true, value: { value, missing: missingRows(loaded, question, value) } };
}
