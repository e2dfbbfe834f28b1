import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { CheckSchema, ThresholdSchema } from '../../src/flow/schema.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { runChecks } from '../../src/rules/checks.ts';
import { evaluateThreshold } from '../../src/rules/thresholds.ts';

/**
 * What the assistant adds to the seed says so where the operator reads it: a check of its own is labelled as such, and
 * a condition of its own can never fail a threshold, only ask for review.
 */

const flow = getFlow('beijing-base-2023');
const env = { today: '2026-11-21' };
const { answers } = fillAnswers(flow, { resident_total: 80, resident_small: 65 }, env);
const scope = buildScope(flow, answers, env);

describe('the assistant’s additions', () => {
  it('a check of its own says that the documents do not require it', () => {
    const check = CheckSchema.parse({ id: 'plausible', assert: 'resident_small < 60', level: 'warning', message: '小微企业占比很高，请核对。', extra: true, reason: '助手据常见情况提醒' });
    const { warnings } = runChecks(flow, [check], answers, scope);
    expect(warnings.map((w) => w.message)).toEqual(['小微企业占比很高，请核对。（此项是助手的核对，申报文件未作此要求：助手据常见情况提醒）']);
    const seedCheck = CheckSchema.parse({ id: 'seed', assert: 'resident_small < 60', level: 'warning', message: '不满足。', ref: '四（一）3' });
    expect(runChecks(flow, [seedCheck], answers, scope).warnings.map((w) => w.message)).toEqual(['不满足。']);
  });

  it('a condition of its own gives review, never fail, and says why', () => {
    const threshold = ThresholdSchema.parse({
      number: 99, title: '示例', text: '示例', ref: '四（一）3',
      cases: [{ conditions: [{ pass: 'resident_small >= 100', message: '入驻小微企业{resident_small}家', extra: true, reason: '助手的建议标准' }] }],
    });
    const verdict = evaluateThreshold(flow, threshold, answers, scope);
    expect(verdict.status).toBe('review');
    expect(verdict.reason).toBe('门槛条件99：入驻小微企业65家（此项是助手补充的判断，申报文件未作此要求：助手的建议标准）');
  });

  it('a case is one rule or a list of conditions, not both', () => {
    const both = ThresholdSchema.safeParse({ number: 1, title: 't', text: 't', ref: 'r', cases: [{ pass: 'true', message: 'm', conditions: [{ pass: 'true', message: 'm' }] }] });
    expect(both.success).toBe(false);
  });
});
