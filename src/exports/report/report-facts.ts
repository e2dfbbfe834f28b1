import { evaluate, identifiersOf, type Scope } from '../../flow/expression.ts';
import type { LoadedFlow } from '../../flow/loader.ts';
import type { Question, Report } from '../../flow/schema.ts';
import { formatNumber, formatValue } from '../../engine/format.ts';
import { buildScope, type Env } from '../../engine/scope.ts';
import type { Answers, TableValue } from '../../engine/values.ts';
import { relevance } from '../../rules/relevance.ts';

/**
 * The report's facts said with the declaration's answers and annex tables. A value not known yet is never printed
 * as undefined or null: it becomes a piece naming what is missing, which the draft shows as a highlighted 【待填写：…】.
 */

/** Said text, or the names of what must still be filled in (none: named earlier in the same sentence). */
export type Piece = { text: string } | { missing: string[] };

export type ReportFact = Report['chapters'][number]['facts'][number];

/** What a report's expressions see: the answers' scope with each annex table's rows under its id, as table checks do. */
export function reportScope(loaded: LoadedFlow, answers: Answers, tables: Record<string, TableValue>, env: Env): Scope {
  return { ...buildScope(loaded, answers, env), ...tables };
}

const PLACEHOLDER = /\{([^{}]+)\}/g;
const BARE_ID = /^[a-z_][a-z0-9_]*$/;

/** How an operator knows what is missing: a question by its label, an annex table by its number and title. */
export function missingName(loaded: LoadedFlow, id: string): string {
  const question = loaded.questions.get(id);
  if (question) return question.label;
  const table = loaded.flow.tables.find((t) => t.id === id);
  if (table) return `${table.ref} ${table.title}`;
  const column = id.startsWith('org_') ? loaded.flow.directory.columns[id.slice(4)] : undefined;
  return column ?? id;
}

/**
 * Identifiers an expression still waits for. A question that is not asked (its condition is false) is settled as no
 * answer rather than awaited: `workstation == "未建设" and ws_commitment` is decided once the station is built.
 */
function awaited(loaded: LoadedFlow, expression: string, scope: Scope): string[] {
  return identifiersOf(expression).filter((id) => {
    if (scope[id] !== undefined && scope[id] !== null) return false;
    const question = loaded.questions.get(id);
    return !question || relevance(loaded, question, scope) !== false;
  });
}

/** Evaluate, reading questions that are not asked as null; `missing` when an awaited value is not in yet. */
function evaluateReport(loaded: LoadedFlow, expression: string, scope: Scope): { value: unknown } | { missing: string[] } {
  const waiting = awaited(loaded, expression, scope);
  if (waiting.length) return { missing: waiting.map((id) => missingName(loaded, id)) };
  const result = evaluate(expression, scope, { lenient: true });
  if (!result.ok) return { missing: identifiersOf(expression).map((id) => missingName(loaded, id)) };
  return { value: result.value };
}

/** A figure for a sentence: grouped digits, at most four decimals, no unit (the sentence carries it). */
function formatFigure(value: number): string {
  return formatNumber(value, 4);
}

/** One answered question as a sentence says it: numbers without their unit, text without its closing full stop. */
function questionPiece(loaded: LoadedFlow, question: Question, answers: Answers, scope: Scope): Piece {
  if (question.type === 'derived') {
    const value = scope[question.id];
    return typeof value === 'number' && Number.isFinite(value) ? { text: formatNumber(value, question.decimals) } : { missing: [question.label] };
  }
  const value = answers[question.id]?.value;
  if (value === undefined || value === null) return { missing: [question.label] };
  if (['integer', 'amount', 'percent', 'area'].includes(question.type)) return { text: formatNumber(value as number | string) };
  const text = formatValue(loaded, question, value);
  return { text: question.type === 'text' ? text.replace(/。+$/, '') : text };
}

function valuePiece(value: unknown, expression: string, loaded: LoadedFlow): Piece {
  if (typeof value === 'number' && Number.isFinite(value)) return { text: formatFigure(value) };
  if (typeof value === 'boolean') return { text: value ? '是' : '否' };
  if (typeof value === 'string' && value !== '') return { text: value };
  if (Array.isArray(value)) return { text: value.length ? value.map(String).join('、') : '无' };
  // NaN, a share of nothing (percent of 0), an empty text: nothing sensible to print.
  return { missing: identifiersOf(expression).map((id) => missingName(loaded, id)) };
}

/** One placeholder's piece: a question id as the assistant shows its answer, else any expression's value. */
function placeholderPiece(loaded: LoadedFlow, inner: string, answers: Answers, scope: Scope): Piece {
  const expression = inner.trim();
  const question = BARE_ID.test(expression) ? loaded.questions.get(expression) : undefined;
  if (question) return questionPiece(loaded, question, answers, scope);
  const result = evaluateReport(loaded, expression, scope);
  return 'missing' in result ? result : valuePiece(result.value, expression, loaded);
}

/**
 * A fact as pieces, or null when its condition does not hold. A condition that cannot be decided yet is said as one
 * missing piece naming what it waits for, so the operator sees the sentence depends on it.
 */
export function renderFact(loaded: LoadedFlow, fact: ReportFact, answers: Answers, scope: Scope): Piece[] | null {
  if (fact.when) {
    const held = evaluateReport(loaded, fact.when, scope);
    if ('missing' in held) return [held];
    if (!held.value) return null;
  }
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of fact.message.matchAll(PLACEHOLDER)) {
    if (m.index > at) pieces.push({ text: fact.message.slice(at, m.index) });
    pieces.push(placeholderPiece(loaded, m[1], answers, scope));
    at = m.index + m[0].length;
  }
  if (at < fact.message.length) pieces.push({ text: fact.message.slice(at) });
  return namedOnce(pieces);
}

/** Within one sentence, what is missing is named the first time only: later placeholders waiting for it stay short. */
function namedOnce(pieces: Piece[]): Piece[] {
  const named = new Set<string>();
  return pieces.map((piece) => {
    if ('text' in piece) return piece;
    const fresh = piece.missing.filter((name) => !named.has(name));
    for (const name of fresh) named.add(name);
    return { missing: fresh };
  });
}

/** The placeholders of a fact's message: the expressions between braces. */
