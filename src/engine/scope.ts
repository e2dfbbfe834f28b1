import { evaluate, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import type { AnswerValue, Answers, StoredAnswer } from './values.ts';
import type { LastYear } from './last-year.ts';

/**
 * The values expressions see: each answered question by id (numbers as numbers, choices by value,
 * multiple choices as lists, tables as lists of rows), derived values computed, and the flow's constants.
 */

/** A stored value as an expression reads it. */
export function scopeValue(question: Question, value: AnswerValue | null | undefined): unknown {
  if (value === null || value === undefined) return null;
  switch (question.type) {
    case 'amount':
    case 'percent':
    case 'area':
      return Number(value);
    case 'choice':
      return (value as { value: string }).value;
    case 'multi':
      return (value as { values: string[] }).values;
    case 'upload':
      return (value as { status: string }).status;
    default:
      return value;
  }
}

/**
 * Compute a derived question's value, or null when an input is missing. The value is exact: it is rounded only where
 * it is shown, so a share of 49.999 % fails "不低于50%" though it displays as 50.00 %.
 */
export function derive(question: Extract<Question, { type: 'derived' }>, scope: Scope): number | null {
  const result = evaluate(question.formula, scope);
  if (!result.ok || typeof result.value !== 'number' || !Number.isFinite(result.value)) return null;
  return result.value;
}

/** The organisation's directory entry, as expressions see it: `org_<column>`. */
export type OrgValues = Record<string, string | number>;

export function orgScope(entry: Record<string, unknown> | null | undefined): OrgValues {
  const out: OrgValues = {};
  for (const [k, v] of Object.entries(entry ?? {})) if (typeof v === 'string' || typeof v === 'number') out[`org_${k}`] = v;
  return out;
}

/**
 * What expressions see besides the answers: today's date and the organisation's directory entry; and, never seen by
 * expressions, the organisation's last year's answers (offered back and compared with, see last-year.ts).
 */
export interface Env { today: string; org?: OrgValues; lastYear?: LastYear }

/**
 * The last scope built for an answers object. Answers are never changed in place (a change makes a new object), so a
 * message that asks for the scope of the same answers many times — the machine's guards, the reply, the review, the
 * progress — builds it once.
 */
const built = new WeakMap<Answers, { loaded: LoadedFlow; today: string; org: OrgValues | undefined; scope: Scope }>();

/** Answers made from others by one change (`withAnswer`): their scope is the other's with that question redone. */
const lineage = new WeakMap<Answers, { base: Answers; questionId: string }>();

/** `answers` with one question's answer set — a new object, whose scope can be built from the old one's. */
export function withAnswer(answers: Answers, questionId: string, stored: StoredAnswer): Answers {
  const next = { ...answers, [questionId]: stored };
  lineage.set(next, { base: answers, questionId });
  return next;
}

/** The scope expressions see for these answers (read-only: shared by everyone who asks for the same answers). */
export function buildScope(loaded: LoadedFlow, answers: Answers, env: Env): Scope {
  const hit = built.get(answers);
  if (hit && hit.loaded === loaded && hit.today === env.today && sameOrg(hit.org, env.org)) return hit.scope;
  const parent = lineage.get(answers);
  const base = parent && built.get(parent.base);
  const reusable = base && base.loaded === loaded && base.today === env.today && sameOrg(base.org, env.org);
  const scope = Object.freeze(reusable ? updateScope(loaded, base.scope, answers, parent.questionId) : computeScope(loaded, answers, env)) as Scope;
  built.set(answers, { loaded, today: env.today, org: env.org, scope });
  // Built: the link to the answers it came from is no longer needed, and kept it would hold every earlier version alive.
  lineage.delete(answers);
  return scope;
}

/** The same directory values (each message reads the organisation afresh: equal, not the same object). */
function sameOrg(a: OrgValues | undefined, b: OrgValues | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** A scope from the one before a single answer changed: that question's values, then every derived value, again. */
function updateScope(loaded: LoadedFlow, before: Scope, answers: Answers, questionId: string): Scope {
  const scope: Scope = { ...before };
  const question = loaded.questions.get(questionId);
  if (question && question.type !== 'derived') setAnswerValues(scope, questionId, question, answers);
  // Derived values start from nothing, as in a full build, so forward references resolve the same way.
  for (const [id, q] of loaded.questions) if (q.type === 'derived') delete scope[id];
  deriveAll(loaded, scope);
  return scope;
}

function computeScope(loaded: LoadedFlow, answers: Answers, env: Env): Scope {
  const scope: Scope = { ...loaded.constants, ...env.org, today: env.today };
  for (const [id, question] of loaded.questions) {
    if (question.type !== 'derived') setAnswerValues(scope, id, question, answers);
  }
  deriveAll(loaded, scope);
  return scope;
}

/** What expressions see of one answered question: its value, and the text written after 其他 as `<id>_other`. */
function setAnswerValues(scope: Scope, id: string, question: Question, answers: Answers): void {
  scope[id] = scopeValue(question, answers[id]?.value);
  // '' rather than missing, so a rule can test it without waiting.
  if ((question.type === 'choice' || question.type === 'multi') && question.other) {
    const value = answers[id]?.value as { other?: string } | null | undefined;
    scope[`${id}_other`] = value ? (value.other ?? '') : null;
  }
}

/** Derived values may build on one another: evaluate in flow order, twice for forward references. */
function deriveAll(loaded: LoadedFlow, scope: Scope): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const [id, question] of loaded.questions) {
      if (question.type === 'derived') scope[id] = derive(question, scope);
    }
  }
}
