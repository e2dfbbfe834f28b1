import type { Question } from '../../flow/schema.ts';
import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may, refusal } from '../permissions.ts';
import { resolveQuestion } from '../targets.ts';
import { feedback, say } from '../views.ts';
import { normalise } from '../../engine/parse-answer.ts';
import { questionTitle } from '../../engine/format.ts';
import { channelName, formatChangedValue } from '../../engine/format-change.ts';
import { shortTimeInChina } from '../../engine/today.ts';
import { answerChanges } from '../../store/history-store.ts';

/**
 * 谁填的: a question's history — each change with its value as the review shows it, who made it, when (Asia/Shanghai),
 * through which channel and with which 情况说明 — newest first, a page at a time. The question is named as for 修改
 * (谁填的 3, 谁填的 【三】1, 谁填的 建筑面积) or is the current one. Anyone who may read the declaration may ask.
 */
export const whoAnswered: Handler = async (ctx, next) => {
  const pending = ctx.chatState.whoCandidates;
  if (pending) {
    // The message after a list of candidates: a number picks one; anything else goes on as usual.
    ctx.chatState = { ...ctx.chatState, whoCandidates: undefined };
    const t = normalise(ctx.text);
    const picked = !ctx.command && /^\d+$/.test(t) ? pending[Number(t) - 1] : undefined;
    if (picked) ctx.command = { kind: 'who', target: picked };
  }
  const command = ctx.command;
  if (command?.kind !== 'who') return next();
  if (!may(ctx, 'read')) return ctx.reply(say(refusal(ctx, 'read')));
  const c = Conversation.of(ctx);
  if (command.target === '') {
    const { questionId } = c.position();
    const said = questionId
      ? await history(ctx, c.loaded.questions.get(questionId)!, command.page ?? 1)
      : `请写明要查看哪一题的修改记录，例如“谁填的 3”（本节答案一览中的序号）、“谁填的 【三】1”或题目名称。`;
    return ctx.reply(...c.respond(c.turn(), [say(said)]));
  }
  const found = resolveQuestion(c.loaded, c.current, command.target, c.scope());
  if (found && 'candidates' in found) {
    ctx.chatState = { ...ctx.chatState, whoCandidates: found.candidates.map((q) => q.id), editCandidates: undefined, awaitEdit: undefined };
    return ctx.reply(
      say(
        `“${command.target.slice(0, 20)}”对应多个题目，要看哪一题的修改记录？请回复序号：\n${found.candidates.map((q, i) => `${i + 1}. ${questionTitle(q)}`).join('\n')}`,
        found.candidates.map((q, i) => ({ label: questionTitle(q).slice(0, 30), value: String(i + 1) })),
      ),
    );
  }
  if (!found) {
    return ctx.reply(...c.respond(c.turn(), [feedback('refused', `没有找到“${command.target.slice(0, 30)}”。请写本节答案一览中的序号（如“谁填的 2”）、题号（如“谁填的 【三】1”）或题目名称；回复“查看”列出本节答案。`)]));
  }
  return ctx.reply(...c.respond(c.turn(), [say(await history(ctx, found.question, command.page ?? 1))]));
};

/** Changes shown at once: a few lines, the rest a page further. */
const PAGE = 5;
/** A value longer than this (a table, a matrix, a long text) is cut: the whole of it is in the workbook's 修改记录. */
const VALUE_CHARS = 60;

const short = (text: string) => {
  const flat = text.replace(/\s*\n\s*/g, '；').trim();
  return [...flat].length > VALUE_CHARS ? `${[...flat].slice(0, VALUE_CHARS).join('')}…` : flat;
};

async function history(ctx: TurnContext, question: Question, page: number): Promise<string> {
  const c = Conversation.of(ctx);
  const title = questionTitle(question);
  if (question.type === 'derived' && !question.confirm) return `${title} 由系统根据其他数据计算，没有人工填写记录；请查看它所依据的题目。`;
  const readPage = (n: number) => answerChanges(ctx.sql, c.state.id, { questionId: question.id, order: 'newest', limit: PAGE, offset: (n - 1) * PAGE });
  let p = Math.max(1, page);
  let read = await readPage(p);
  const pages = Math.ceil(read.total / PAGE);
  // A page past the end: the last one instead.
  if (p > pages && pages > 0) read = await readPage((p = pages));
  const { changes, total } = read;
  if (total === 0) return `${title} 还没有修改记录（还没有人填写过）。`;
  const lines = [`${title} 的修改记录（共 ${total} 次，最新的在前）：`];
  changes.forEach((h, i) => {
    const from = formatChangedValue(c.loaded, question, h.oldValue, 'old');
    const to = formatChangedValue(c.loaded, question, h.newValue, 'new');
    lines.push(`${(p - 1) * PAGE + i + 1}. ${shortTimeInChina(h.at)}　${h.name ?? '（未知）'}（${channelName(h.channel)}）：${short(from)} → ${short(to)}`);
    if (h.note) lines.push(`　　情况说明：${short(h.note)}`);
  });
  if (pages > 1) lines.push(`第 ${p}/${pages} 页${p < pages ? `，回复“谁填的 ${title} 第${p + 1}页”看更早的记录` : ''}`);
  return lines.join('\n');
}
