import { holds, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';

/**
 * Whether a question is asked: its section's and its own `when` must hold. A condition that cannot be decided yet
 * (it names an unanswered question) reads as false, as in XLSForm's `relevant`.
 */
export function isSectionRelevant(section: Section, scope: Scope): boolean {
  return !section.when || holds(section.when, scope) === true;
}

export function isRelevant(loaded: LoadedFlow, question: Question, scope: Scope): boolean {
  const section = loaded.sectionOf.get(question.id);
  if (section && !isSectionRelevant(section, scope)) return false;
  return !question.when || holds(question.when, scope) === true;
}

/** Derived values without confirmation are computed, never asked. */
export function isAsked(question: Question): boolean {
  return question.type !== 'derived' || question.confirm;
}

/** Whether a question is asked: true, false, or null while its condition cannot be decided yet. */
export function relevance(loaded: LoadedFlow, question: Question, scope: Scope): boolean | null {
  const section = loaded.sectionOf.get(question.id);
  const conditions = [section?.when, question.when].filter((c): c is string => Boolean(c));
  let result: boolean | null = true;
  for (const condition of conditions) {
    const held = holds(condition, scope);
    if (held === false) return false;
    if (held === null) result = null;
  }
  return result;
}
