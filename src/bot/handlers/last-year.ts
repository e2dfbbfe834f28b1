import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { allowed } from '../permissions.ts';
import { pendingOffers } from '../../engine/last-year.ts';
import type { TurnResult } from '../../engine/session.ts';
import type { Question } from '../../flow/schema.ts';
import { TAKE_LAST_YEAR } from '../last-year.ts';
import { feedback } from '../views.ts';

/**
 * “全部沿用”: last year's answers to the current section's stable questions, each given as if the operator had gone to
 * the question and said 沿用 — so every check runs as for a typed answer, and a warning stops there for its 情况说明.
 * The reply lists what was taken; each can be corrected with 修改 like any answer.
 */
export const lastYear: Handler = async (ctx, next) => {
  if (ctx.command?.kind !== 'carry_all') return next();
  return takeAll(ctx, next);
};

const takeAll = allowed('answer', async (ctx) => {
  const c = Conversation.of(ctx);
  const offers = pendingOffers(c.loaded, c.current, c.answers, c.scope(), c.env);
  if (offers.length === 0) return ctx.reply(...c.respond(c.turn(), [feedback('refused', '本部分没有待确认的上年答案可以沿用；请直接回答当前题目。')]));
  const taken: { question: Question; shown: string }[] = [];
  const emitted: TurnResult['emitted'] = [];
  let first: TurnResult | undefined;
  let last: TurnResult | undefined;
  for (const { question, offer } of offers) {
    const jumped = c.turn({ type: 'JUMP', questionId: question.id });
    first ??= jumped;
    last = c.turn({ type: 'ANSWER', text: TAKE_LAST_YEAR });
    const saved = last.emitted.some((e) => e.type === 'answer' && e.questionId === question.id);
    // What was taken is said once, together; anything else (a refusal, a warning, a notice) as it would be.
    emitted.push(...jumped.emitted, ...last.emitted.filter((e) => !(e.type === 'answer' && e.questionId === question.id)));
    if (!saved) break;
    taken.push({ question, shown: offer.shown });
  }
  const year = c.env.lastYear!.year;
  const said = taken.length
    ? [feedback('saved', `已沿用上年（${year}年度）的 ${taken.length} 项：\n${taken.map((t) => `· ${t.question.label}：${t.shown}`).join('\n')}\n如有变化，回复“修改 题号”更正。`)]
    : [];
  return ctx.reply(...c.respond({ ...last!, emitted, answersBefore: first!.answersBefore }, said));
});
