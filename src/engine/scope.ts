import { evaluate, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import type { AnswerValue, Answers } from './values.ts';

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

/** What expressions see besides the answers: today's date and the organisation's directory entry. */
export interface Env { today: string; org?: OrgValues }

/**
 * The last scope built for an answers object. Answers are never changed in place (a change makes a new object), so a
 * message that asks for the scope of the same answers many times — the machine's guards, the reply, the review, the
 * progress — builds it once.
 */
const built = new WeakMap<Answers, { loaded: LoadedFlow; today: string; org: OrgValues | undefined; scope: Scope }>();

/** The scope expressions see for these answers (read-only: shared by everyone who asks for the same answers). */
export function buildScope(loaded: LoadedFlow, answers: Answers, env: Env): Scope {
  const hit = built.get(answers);
  if (hit && hit.loaded === loaded && hit.today === env.today && hit.org === env.org) return hit.scope;
  const scope = Object.freeze(computeScope(loaded, answers, env)) as Scope;
  built.set(answers, { loaded, today: env.today, org: env.org, scope });
  return scope;
}

function computeScope(loaded: LoadedFlow, answers: Answers, env: Env): Scope {
  const scope: Scope = { ...loaded.constants, ...env.org, today: env.today };
  for (const [id, question] of loaded.questions) {
    if (question.type === 'derived') continue;
    scope[id] = scopeValue(question, answers[id]?.value);
    // The text written after 其他, as `<id>_other`: '' rather than missing, so a rule can test it without waiting.
    if ((question.type === 'choice' || question.type === 'multi') && question.other) {
      const value = answers[id]?.value as { other?: string } | null | undefined;
      scope[`${id}_other`] = value ? (value.other ?? '') : null;
    }
  }
  // Derived values may build on one another: evaluate in flow order, twice for forward references.
  for (let pass = 0; pass < 2; pass++) {
    for (const [id, question] of loaded.questions) {
      if (question.type === 'derived') scope[id] = derive(question, scope);
    }
  }
  return scope;
}
