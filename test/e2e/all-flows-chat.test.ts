import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import type { Question } from '../../src/flow/schema.ts';
import { positionOf } from '../../src/engine/section-machine.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { orgScope } from '../../src/engine/scope.ts';

/**
 * Every programme answered in full through the chat, from the same complete fixtures the headless fill uses: each
 * question is answered the way an operator types it, and the chat must end where `shenbao fill` ends.
 */

const FLOWS = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'];
let chat: ChatHarness;
afterEach(async () => chat?.close());

function fixture(id: string): { answers: Record<string, unknown>; seq: number } {
  const text = readFileSync(fileURLToPath(new URL(`../fixtures/answers/${id}.yaml`, import.meta.url)), 'utf8');
  const seq = Number(text.match(/--org (\d+)/)?.[1] ?? 1);
  return { answers: parseYaml(text), seq };
}

/** A fixture value as an operator would type it in the chat. */
function typed(question: Question, value: unknown): string {
  if (value === null || value === undefined) return '跳过';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (question.type === 'table' && Array.isArray(value)) {
    return value.map((row) => question.columns.map((c) => String((row as Record<string, unknown>)[c.id] ?? '')).join('，')).join('；') || '无';
  }
  if (question.type === 'matrix' && value && typeof value === 'object') {
    return Object.entries(value as Record<string, Record<string, number>>)
      .map(([row, cols]) => `${row} ${question.columns.map((c) => cols[c.id]).join(' ')}`)
      .join('；');
  }
  if (Array.isArray(value)) return value.length ? value.join('、') : '无';
  if (typeof value === 'object' && 'value' in (value as object)) {
    const choice = value as { value: string; other?: string };
    return choice.other ? `${choice.value}：${choice.other}` : choice.value;
  }
  return String(value);
}

async function where(loaded: LoadedFlow) {
  const declaration = await chat.db.prisma.declaration.findFirstOrThrow();
  if (declaration.status === 'completed') return { done: true as const };
  const progress = await chat.db.prisma.sectionProgress.findUniqueOrThrow({
    where: { declarationId_sectionId: { declarationId: declaration.id, sectionId: declaration.currentSectionId! } },
  });
  const position = positionOf((progress.snapshot as { value?: unknown }).value);
  return { done: false as const, position, question: position.questionId ? loaded.questions.get(position.questionId) : undefined };
}

describe('a complete declaration of every programme through the chat', () => {
  for (const id of FLOWS) {
    it(id, async () => {
      const loaded = getFlow(id);
      const { answers, seq } = fixture(id);
      chat = await openChat({ flows: [loaded] });
      await chat.say('/start');
      const unit = loaded.directory.find((e) => e.seq === seq)!.unit;
      let reply = await chat.say(unit);
      if (reply.includes('请回复序号选择')) reply = await chat.say('1');
      expect(reply).toContain(`已确认：${unit}`);
      const refused: string[] = [];
      for (let turn = 0; turn < 600; turn++) {
        const now = await where(loaded);
        if (now.done) break;
        const { position, question } = now;
        let text: string;
        if (position.phase === 'review' || position.phase === 'done') text = '确认';
        else if (position.phase === 'explaining') text = '数据已核实，情况说明随附件提交';
        else if (position.phase === 'confirming' || question?.type === 'derived') text = '是';
        else text = question && question.id in answers ? typed(question, answers[question.id]) : '跳过';
        reply = await chat.say(text);
        if (/不是有效|不在选项中|不能为空|必填项|不能大于|不能小于|不能超过/.test(reply)) refused.push(`${question?.id}: ${text} → ${reply.split('\n')[0]}`);
      }
      expect(refused).toEqual([]);
      expect(reply).toContain(`全部 ${loaded.flow.sections.length} 个部分已填写完成`);
      expect(reply).not.toContain('❌');
      // The chat and the headless fill agree on every threshold.
      const headless = fillAnswers(loaded, answers, { today: '2026-11-21', org: orgScope(loaded.directory.find((e) => e.seq === seq)) });
      expect(headless.thresholds.every((t) => t.status === 'pass')).toBe(true);
      for (const t of headless.thresholds) expect(reply).toContain(`✅ 满足　门槛条件${t.number} `);
    });
  }
});
