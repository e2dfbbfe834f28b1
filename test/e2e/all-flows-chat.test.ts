import { afterEach, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { answerFixture, walkDeclaration } from '../support/declaration-walk.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { orgScope } from '../../src/engine/scope.ts';

/**
 * Every programme answered in full through the chat, from the same complete fixtures the headless fill uses: each
 * question is answered the way an operator types it, and the chat must end where `shenbao fill` ends.
 */

const FLOWS = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'];
let chat: ChatHarness;
afterEach(async () => chat?.close());

const REFUSED = /不是有效|不在选项中|不能为空|必填项|不能大于|不能小于|不能超过|没有保存|请一次只填一个数/;

describe('a complete declaration of every programme through the chat', () => {
  for (const id of FLOWS) {
    it(id, async () => {
      const loaded = getFlow(id);
      const { answers, seq } = answerFixture(id);
      chat = await openChat({ flows: [loaded] });
      const { replies, sent, last } = await walkDeclaration(chat, loaded);
      const unit = loaded.directory.find((e) => e.seq === seq)!.unit;
      expect(replies.some((r) => r.includes(`已确认：${unit}`))).toBe(true);
      const refused = replies.flatMap((r, i) => (i > 1 && REFUSED.test(r) ? [`${sent[i]} → ${r.split('\n')[0]}`] : []));
      expect(refused).toEqual([]);
      expect(last).toContain(`全部 ${loaded.flow.sections.length} 个部分已填写完成`);
      expect(last).not.toContain('❌');
      // The chat and the headless fill agree on every threshold.
      const headless = fillAnswers(loaded, answers, { today: '2026-11-21', org: orgScope(loaded.directory.find((e) => e.seq === seq)) });
      expect(headless.thresholds.every((t) => t.status === 'pass')).toBe(true);
      for (const t of headless.thresholds) expect(last).toContain(`✅ 满足　门槛条件${t.number} `);
    });
  }
});
