import { holds, identifiersOf, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Check, Question } from '../flow/schema.ts';
import { renderMessage } from '../engine/format.ts';
import type { Answers } from '../engine/values.ts';

/** Hard constraints and soft warnings, evaluated for the answer just given. */

export interface CheckFailure { check: Check; message: string }

/** The question a check is about: declared, the question defining it, or the first question its assert names. */
export function checkSubject(loaded: LoadedFlow, check: Check): string | undefined {
  if (check.about) return check.about;
  for (const q of loaded.questions.values()) if (q.checks.includes(check)) return q.id;
  return identifiersOf(check.assert).find((name) => loaded.questions.has(name));
}

export interface CheckResult { errors: CheckFailure[]; warnings: CheckFailure[] }

/** The checks an answer to `question` can break: its own, and every other check that names it. */
export function checksTouching(loaded: LoadedFlow, question: Question): Check[] {
  const own = question.checks;
  const others = [...loaded.flow.checks, ...[...loaded.questions.values()].filter((q) => q !== question).flatMap((q) => q.checks)].filter(
    (check) => identifiersOf(check.assert).includes(question.id) || (check.when && identifiersOf(check.when).includes(question.id)),
  );
  return [...own, ...others];
}

/** Run checks on answers that already include the candidate answer; undecidable checks (missing data) stay silent. */
export function runChecks(loaded: LoadedFlow, checks: Check[], answers: Answers, scope: Scope): CheckResult {
  const result: CheckResult = { errors: [], warnings: [] };
  for (const check of checks) {
    if (check.when && holds(check.when, scope) !== true) continue;
    if (holds(check.assert, scope) !== false) continue;
    // The assistant's own plausibility checks say so: the documents do not make them requirements.
    const addition = check.extra ? `（此项是助手的核对，申报文件未作此要求：${check.reason}）` : '';
    const failure = { check, message: renderMessage(check.message, loaded, answers, scope) + addition };
    (check.level === 'error' ? result.errors : result.warnings).push(failure);
  }
  return result;
}
