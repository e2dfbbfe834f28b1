import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ChatHarness } from './chat.ts';
import type { LoadedFlow } from '../../src/flow/loader.ts';
import type { Question } from '../../src/flow/schema.ts';
import { positionOf } from '../../src/engine/section-machine.ts';

/**
 * A whole declaration walked through the chat from a programme's answer fixture: at each step the walker asks the
 * database where the operator is and types the fixture's answer the way an operator would.
 */

export function answerFixture(id: string): { answers: Record<string, unknown>; seq: number } {
  const text = readFileSync(fileURLToPath(new URL(`../fixtures/answers/${id}.yaml`, import.meta.url)), 'utf8');
  const seq = Number(text.match(/--org (\d+)/)?.[1] ?? 1);
  return { answers: parseYaml(text), seq };
}

/** A fixture value as an operator would type it in the chat. */
export function typed(question: Question, value: unknown): string {
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

export async function whereIs(chat: ChatHarness, loaded: LoadedFlow) {
  const declaration = await chat.db.prisma.declaration.findFirstOrThrow();
  if (declaration.status === 'completed') return { done: true as const };
  // The walk is one operator's: their cursor says where they are.
  const cursor = await chat.db.prisma.operatorCursor.findFirstOrThrow({ where: { declarationId: declaration.id } });
  const snapshots = cursor.snapshots as Record<string, { value?: unknown }>;
  const position = positionOf(snapshots[cursor.sectionId!]?.value);
  return { done: false as const, position, question: position.questionId ? loaded.questions.get(position.questionId) : undefined };
}

export interface Walk { replies: string[]; sent: string[]; last: string }

/** Open the fixture's organisation and answer until the declaration is complete (or 600 messages). */
export async function walkDeclaration(chat: ChatHarness, loaded: LoadedFlow, type: (question: Question, value: unknown) => string = typed): Promise<Walk> {
  const { answers, seq } = answerFixture(loaded.flow.id);
  const sent: string[] = [];
  const replies: string[] = [];
  const say = async (text: string) => {
    sent.push(text);
    const reply = await chat.say(text);
    replies.push(reply);
    return reply;
  };
  await say('/start');
  let last = await say(loaded.directory.find((e) => e.seq === seq)!.unit);
  if (last.includes('请回复序号选择')) last = await say('1');
  for (let turn = 0; turn < 600; turn++) {
    const now = await whereIs(chat, loaded);
    if (now.done) break;
    const { position, question } = now;
    let text: string;
    if (position.phase === 'review' || position.phase === 'done') text = '确认';
    else if (position.phase === 'explaining') text = '数据已核实，情况说明随附件提交';
    else if (position.phase === 'confirming' || question?.type === 'derived') text = '是';
    else text = question && question.id in answers ? type(question, answers[question.id]) : '跳过';
    last = await say(text);
  }
  return { replies, sent, last };
}
