import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { buildScope, withAnswer } from '../../src/engine/scope.ts';
import type { Answers } from '../../src/engine/values.ts';

/**
 * A scope built from the previous answers' scope plus one changed answer (what every message does) is exactly the
 * scope built from scratch: every threshold, check and derived value sees the same figures either way.
 */
describe.each(['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'])('%s', (flowId) => {
  it('answering the whole declaration one answer at a time, and changing answers back, keeps the scope exact', () => {
    const loaded = getFlow(flowId);
    const env = { today: '2026-11-21', org: {} };
    const fixture = parse(readFileSync(new URL(`../fixtures/answers/${flowId}.yaml`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const given = Object.entries((fixture.answers as Record<string, unknown>) ?? fixture).filter(([q]) => loaded.questions.has(q));
    expect(given.length).toBeGreaterThan(20);
    let answers: Answers = {};
    buildScope(loaded, answers, env);
    const steps = [...given, ...given.slice(0, 5).map(([q]) => [q, null] as const)];
    for (const [q, value] of steps) {
      answers = withAnswer(answers, q, { value: value as never, skipped: value === null });
      const incremental = buildScope(loaded, answers, env);
      const full = buildScope(loaded, { ...answers }, env);
      expect(incremental, `after ${q}`).toEqual(full);
    }
  });
});
