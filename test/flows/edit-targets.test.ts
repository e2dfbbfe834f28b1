import { describe, expect, it } from 'vitest';
import { getFlow, listFlowIds } from '../../src/flow/loader.ts';
import { editTarget } from '../../src/engine/assess-answer.ts';
import { resolveQuestion } from '../../src/bot/targets.ts';

/**
 * The assistant tells the operator what to send to change an answer (“如需更正，回复‘修改 …’”): whatever it names
 * must take them to that very question, from any section, in every programme — not to a list of thirteen (a Hebei
 * reference begins with its section), nor to a neighbour sharing its number (【三】8 and 【三】8 其中…).
 */
describe('修改 hints reach their question', () => {
  for (const id of listFlowIds()) {
    it(id, () => {
      const loaded = getFlow(id);
      const astray: string[] = [];
      for (const question of loaded.questions.values()) {
        if (question.type === 'derived' && !question.confirm) continue;
        const target = editTarget(loaded, question);
        for (const from of loaded.flow.sections) {
          const found = resolveQuestion(loaded, from, target, {});
          if (!found || !('question' in found) || found.question.id !== question.id) astray.push(`修改 ${target} → ${question.id}`);
        }
      }
      expect(astray).toEqual([]);
    });
  }
});
