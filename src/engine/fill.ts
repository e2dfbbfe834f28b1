import { choicesOf, type LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import { isRelevant } from '../rules/relevance.ts';
import { evaluateThresholds, type Verdict } from '../rules/thresholds.ts';
import { checkTables, coerceRows, type TableProblem } from '../rules/table-checks.ts';
import { assessValue } from './assess-answer.ts';
import { parseAnswer, parseInteger, parseRowObject, type Parsed } from './parse-answer.ts';
import { buildScope, type Env } from './scope.ts';
import type { AnswerValue, Answers, TableValue } from './values.ts';
import { questionTitle } from './format.ts';

/**
 * Headless filling: answers keyed by question id (as a person would type them, or as JSON values) run through the
 * same parsing, checks and threshold rules as the chat, without a conversation.
 */

export interface FieldProblem { field: string; ref?: string; message: string }

export interface FillResult {
  answers: Answers;
  /** Bad values and broken hard constraints: the input is malformed. */
  errors: FieldProblem[];
  /** Soft warnings: would need a 情况说明 in chat. */
  warnings: FieldProblem[];
  /** Relevant required questions without an answer. */
  missing: FieldProblem[];
  derived: Record<string, number | null>;
  thresholds: Verdict[];
  /** Problems found in annex table rows, when tables were given. */
  tables: TableProblem[];
  /** The annex tables' rows as read (typed by their columns), by table id. */
  tableRows: Record<string, TableValue>;
}

/** Turn one JSON value into the stored form of a question's answer. */
export function coerceAnswer(loaded: LoadedFlow, question: Question, raw: unknown, today: string): Parsed {
  if (question.type === 'table' && Array.isArray(raw)) {
    const rows: Record<string, string | number | boolean | null>[] = [];
    for (const [i, item] of raw.entries()) {
      const { row, errors } = parseRowObject(item, question.columns, loaded, today);
      if (errors.length) return { ok: false, message: `第 ${i + 1} 行${errors[0]}` };
      rows.push(row);
    }
    if (rows.length < question.minRows) return { ok: false, message: `至少需要 ${question.minRows} 行，给出了 ${rows.length} 行` };
    if (question.maxRows !== undefined && rows.length > question.maxRows) return { ok: false, message: `最多 ${question.maxRows} 行，给出了 ${rows.length} 行` };
    return { ok: true, value: rows };
  }
  if (question.type === 'matrix' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const out: Record<string, Record<string, number>> = {};
    const rows = choicesOf(loaded, question);
    for (const [row, cols] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
      if (!rows.some((r) => r.value === row)) return { ok: false, message: `“${row}”不是本表的行；可用的行：${rows.map((r) => r.label).join('、')}` };
      out[row] = {};
      for (const column of question.columns) {
        const n = parseInteger(String(cols?.[column.id] ?? cols?.[column.label] ?? ''), { min: 0 });
        if (!n.ok) return { ok: false, message: `“${row}”的“${column.label}”：${n.message}` };
        out[row][column.id] = n.value;
      }
    }
    const missing = choicesOf(loaded, question).filter((r) => !out[r.value]).map((r) => r.label);
    if (missing.length) return { ok: false, message: `缺少以下各行：${missing.join('、')}（没有开展的请填 0）` };
    return { ok: true, value: out };
  }
  if (Array.isArray(raw)) return parseAnswer(question, raw.map(String).join('，'), loaded, today);
  if (raw && typeof raw === 'object' && 'value' in raw) {
    const choice = raw as { value: unknown; other?: unknown };
    return parseAnswer(question, choice.other ? `${choice.value}：${choice.other}` : String(choice.value), loaded, today);
  }
  if (typeof raw === 'boolean' && question.type === 'yesno') return { ok: true, value: raw };
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return parseAnswer(question, String(raw), loaded, today);
  return { ok: false, message: `无法识别的值类型（${raw === null ? 'null' : typeof raw}）` };
}

export function fillAnswers(loaded: LoadedFlow, input: Record<string, unknown>, env: Env, rawTables: Record<string, unknown> = {}): FillResult {
  const errors: FieldProblem[] = [];
  const warnings: FieldProblem[] = [];
  const answers: Answers = {};
  for (const field of Object.keys(input)) {
    if (!loaded.questions.has(field)) errors.push({ field, message: `“${field}”不是本项目的题目 id；可用 shenbao flows show ${loaded.flow.id} 查看全部题目` });
  }
  // In flow order, so that a check comparing two answers runs once both are in.
  for (const question of loaded.questions.values()) {
    if (!(question.id in input) || question.type === 'derived') continue;
    const raw = input[question.id];
    const where = { field: question.id, ref: questionTitle(question) };
    if (raw === null || raw === undefined || raw === '') {
      if (!question.required) answers[question.id] = { value: null, skipped: true };
      continue;
    }
    const parsed = coerceAnswer(loaded, question, raw, env.today);
    if (!parsed.ok) {
      errors.push({ ...where, message: parsed.message });
      continue;
    }
    const assessment = assessValue(loaded, question, parsed.value as AnswerValue, answers, env);
    if (assessment.kind === 'invalid') errors.push({ ...where, message: assessment.message });
    else {
      if (assessment.kind === 'warn') for (const message of assessment.warnings) warnings.push({ ...where, message });
      answers[question.id] = { value: assessment.value, skipped: false };
    }
  }
  const scope = buildScope(loaded, answers, env);
  const missing: FieldProblem[] = [];
  const derived: Record<string, number | null> = {};
  for (const question of loaded.questions.values()) {
    if (question.type === 'derived') derived[question.id] = scope[question.id] as number | null;
    else if (question.required && isRelevant(loaded, question, scope) && !answers[question.id]) {
      missing.push({ field: question.id, ref: questionTitle(question), message: '未填写' });
    }
  }
  const tableProblems: TableProblem[] = [];
  const tables: Record<string, TableValue> = {};
  for (const [id, raw] of Object.entries(rawTables)) {
    const table = loaded.flow.tables.find((t) => t.id === id);
    if (!table) {
      errors.push({ field: id, message: `“${id}”不是本项目的附表 id；可用：${loaded.flow.tables.map((t) => t.id).join('、') || '无'}` });
      continue;
    }
    const coerced = coerceRows(loaded, table, raw, env.today);
    tables[id] = coerced.rows;
    tableProblems.push(...coerced.problems);
  }
  tableProblems.push(...checkTables(loaded, tables, answers, env));
  for (const p of tableProblems.filter((p) => p.level === 'error')) errors.push({ field: p.table, message: p.message });
  return { answers, errors, warnings, missing, derived, thresholds: evaluateThresholds(loaded, answers, scope), tables: tableProblems, tableRows: tables };
}
