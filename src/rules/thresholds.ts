import { z } from 'zod';
import { evaluate, holds, identifiersOf, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Threshold, ThresholdCase, ThresholdCondition } from '../flow/schema.ts';
import { questionTitle, renderMessage } from '../engine/format.ts';
import type { Answers } from '../engine/values.ts';

/**
 * 门槛条件 verdicts: pass, fail, unknown (data missing) or review (relaxable, or needs a person's reading of documents).
 * Pure: a function of the flow and the answers. A case made of several conditions names each one that does not hold,
 * and decides as soon as it can: one failed condition fails the threshold even while others still lack data.
 */

export const VerdictStatus = z.enum(['pass', 'fail', 'unknown', 'review']);
export const VerdictSchema = z.object({
  number: z.number(),
  title: z.string(),
  status: VerdictStatus,
  reason: z.string(),
  missing: z.array(z.string()).default([]),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** Said after a reason whose verdict is review, unless the condition words its own review message. */
const REVIEW_NOTE = '（该条件可放宽，需由主管部门审核认定）';

function missingLabels(loaded: LoadedFlow, names: string[]): string[] {
  return names.map((name) => {
    const q = loaded.questions.get(name);
    return q ? questionTitle(q) : name;
  });
}

/** A case as a list of conditions: a single-rule case is one condition. */
function conditionsOf(c: ThresholdCase): ThresholdCondition[] {
  if (c.conditions) return c.conditions;
  return [{ pass: c.pass!, reviewWhen: c.reviewWhen, onFail: 'fail', message: c.message!, extra: false }];
}

type Outcome =
  | { kind: 'pass' }
  | { kind: 'unknown'; missing: string[]; error?: string }
  | { kind: 'fail' | 'review'; text: string };

function judge(condition: ThresholdCondition, loaded: LoadedFlow, answers: Answers, scope: Scope): Outcome {
  const result = evaluate(condition.pass, scope);
  if (!result.ok) return result.missing ? { kind: 'unknown', missing: result.missing } : { kind: 'unknown', missing: [], error: result.error };
  if (result.value) return { kind: 'pass' };
  if (condition.extra) return judgeAddition(condition, loaded, answers, scope);
  const review = condition.onFail === 'review' || (condition.reviewWhen !== undefined && holds(condition.reviewWhen, scope) === true);
  if (!review) return { kind: 'fail', text: renderMessage(condition.message, loaded, answers, scope) };
  if (condition.reviewMessage) return { kind: 'review', text: renderMessage(condition.reviewMessage, loaded, answers, scope) };
  return { kind: 'review', text: renderMessage(condition.message, loaded, answers, scope) + (condition.onFail === 'review' ? '' : REVIEW_NOTE) };
}

/** A condition the assistant adds to the seed's rule can never fail a threshold by itself: it asks for review. */
function judgeAddition(condition: ThresholdCondition, loaded: LoadedFlow, answers: Answers, scope: Scope): Outcome {
  const outcome = judge({ ...condition, extra: false, onFail: 'review' }, loaded, answers, scope);
  return outcome.kind === 'review' ? { kind: 'review', text: `${outcome.text}（此项是助手补充的判断，申报文件未作此要求：${condition.reason}）` } : outcome;
}

export function evaluateThreshold(loaded: LoadedFlow, threshold: Threshold, answers: Answers, scope: Scope): Verdict {
  const base = { number: threshold.number, title: threshold.title, missing: [] as string[] };
  const head = `门槛条件${threshold.number}：`;
  const unknown = (names: string[]): Verdict => {
    const missing = missingLabels(loaded, [...new Set(names)]);
    return { ...base, status: 'unknown', reason: `尚缺数据：${missing.join('；')}`, missing };
  };
  if (threshold.cases.length === 0) {
    const missing = threshold.reviewAfter.filter((id) => !answers[id] || answers[id].value === null);
    if (missing.length) return unknown(missing);
    return { ...base, status: 'review', reason: `门槛条件${threshold.number}需由评审人员根据证明材料判断：${threshold.text}` };
  }
  for (const c of threshold.cases) {
    if (c.when) {
      const applies = holds(c.when, scope);
      if (applies === null) return unknown(identifiersOf(c.when).filter((name) => scope[name] === null || scope[name] === undefined));
      if (!applies) continue;
    }
    // A single-rule case's message is the whole reason (it quotes the rule); conditions are listed after the number.
    const prefix = c.conditions ? head : '';
    const outcomes = conditionsOf(c).map((condition) => judge(condition, loaded, answers, scope));
    const texts = (kind: 'fail' | 'review') => outcomes.flatMap((o) => (o.kind === kind ? [o.text] : []));
    const failed = texts('fail');
    if (failed.length) return { ...base, status: 'fail', reason: prefix + failed.join('；') };
    const pending = outcomes.filter((o): o is Extract<Outcome, { kind: 'unknown' }> => o.kind === 'unknown');
    const broken = pending.find((o) => o.error);
    if (broken) return { ...base, status: 'unknown', reason: broken.error! };
    if (pending.length) return unknown(pending.flatMap((o) => o.missing));
    const reviews = texts('review');
    if (reviews.length) {
      const note = c.reviewNote ? `。${renderMessage(c.reviewNote, loaded, answers, scope)}` : '';
      return { ...base, status: 'review', reason: prefix + reviews.join('；') + note };
    }
    return { ...base, status: 'pass', reason: `门槛条件${threshold.number}（${threshold.title}）已满足` };
  }
  return { ...base, status: 'unknown', reason: `门槛条件${threshold.number}：没有适用的判断规则` };
}

/** The verdicts last judged for an answers object and scope (answers are never changed in place). */
const judged = new WeakMap<Answers, { loaded: LoadedFlow; scope: Scope; verdicts: Verdict[] }>();

export function evaluateThresholds(loaded: LoadedFlow, answers: Answers, scope: Scope): Verdict[] {
  const hit = judged.get(answers);
  // A reply compares the verdicts before and after a message; "before" is usually what the last message judged.
  if (hit && hit.loaded === loaded && hit.scope === scope) return hit.verdicts;
  const verdicts = loaded.flow.thresholds.map((t) => evaluateThreshold(loaded, t, answers, scope));
  judged.set(answers, { loaded, scope, verdicts });
  return verdicts;
}
