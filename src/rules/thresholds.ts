import { z } from 'zod';
import { evaluate, holds, identifiersOf, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Threshold } from '../flow/schema.ts';
import { questionTitle, renderMessage } from '../engine/format.ts';
import type { Answers } from '../engine/values.ts';

/**
 * 门槛条件 verdicts: pass, fail, unknown (data missing) or review (relaxable, or needs a person's reading of documents).
 * Pure: a function of the flow and the answers.
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

function missingLabels(loaded: LoadedFlow, names: string[]): string[] {
  return names.map((name) => {
    const q = loaded.questions.get(name);
    return q ? questionTitle(q) : name;
  });
}

function missingOf(expression: string, scope: Scope): string[] {
  return identifiersOf(expression).filter((name) => scope[name] === null || scope[name] === undefined);
}

export function evaluateThreshold(loaded: LoadedFlow, threshold: Threshold, answers: Answers, scope: Scope): Verdict {
  const base = { number: threshold.number, title: threshold.title, missing: [] as string[] };
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
      if (applies === null) return unknown(missingOf(c.when, scope));
      if (!applies) continue;
    }
    const result = evaluate(c.pass, scope);
    if (!result.ok) return result.missing ? unknown(result.missing) : { ...base, status: 'unknown', reason: result.error };
    if (result.value) return { ...base, status: 'pass', reason: `门槛条件${threshold.number}（${threshold.title}）已满足` };
    const message = renderMessage(c.message, loaded, answers, scope);
    if (c.reviewWhen && holds(c.reviewWhen, scope) === true) {
      return { ...base, status: 'review', reason: `${message}（该条件可放宽，需由主管部门审核认定）` };
    }
    return { ...base, status: 'fail', reason: message };
  }
  return { ...base, status: 'unknown', reason: `门槛条件${threshold.number}：没有适用的判断规则` };
}

export function evaluateThresholds(loaded: LoadedFlow, answers: Answers, scope: Scope): Verdict[] {
  return loaded.flow.thresholds.map((t) => evaluateThreshold(loaded, t, answers, scope));
}
