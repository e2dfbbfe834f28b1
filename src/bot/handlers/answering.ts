import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may, refusal } from '../permissions.ts';
import { questionTitle } from '../../engine/format.ts';
import { openRequired } from '../../engine/section-machine.ts';
import { prefillOf } from '../../engine/assess-answer.ts';
import { lastYearOffer } from '../../engine/last-year.ts';
import { sectionLabel } from '../render.ts';
import { feedback, say } from '../views.ts';

/** What this handler answers: an answer (no command), and the words that move through the questions. */
const OWN = new Set<string | undefined>([undefined, 'start', 'back', 'skip', 'keep', 'confirm']);
/** What a reader who may not answer (a coordinator, staff) may still do here: see the question, step back. */
const READING = new Set<string | undefined>(['start', 'back']);

/** An answer, and the words that move through the questions: 继续, 返回, 跳过, 保留, 确认. */
export const answering: Handler = async (ctx, next) => {
  const kind = ctx.command?.kind;
  if (!OWN.has(kind)) return next();
  if (!may(ctx, READING.has(kind) ? 'read' : 'answer')) return ctx.reply(say(refusal(ctx, 'answer')));
  const c = Conversation.of(ctx);
  switch (kind) {
    case undefined: {
      if (ctx.text.trim() === '') return ctx.reply(...c.respond(c.turn(), [say('没有收到内容。请直接回复答案，或回复“帮助”查看可用的说法。')]));
      const result = c.turn({ type: 'ANSWER', text: ctx.text });
      // An answer given through “修改” in another section: back to where the operator was.
      const back = ctx.chatState.editReturn;
      if (back && result.emitted.some((e) => e.type === 'answer' && e.questionId === back.questionId)) {
        ctx.chatState = { ...ctx.chatState, editReturn: undefined };
        const there = c.turn(undefined, back.sectionId);
        // The corrected answer may have opened new questions where it was given: the operator is told, not kept there.
        const open = openRequired(c.loaded, result.section, c.answers, c.env).length;
        const reopened = [...result.reopened, ...(open ? [{ section: result.section, open }] : [])];
        return ctx.reply(
          ...c.respond({ ...there, emitted: result.emitted, answersBefore: result.answersBefore, completed: result.completed, reopened }, [], `已回到${sectionLabel(there.section)}。`),
        );
      }
      return ctx.reply(...c.respond(result));
    }
    case 'start':
      return ctx.reply(...c.respond(c.turn(), [say('欢迎回来，我们继续。')]));
    case 'back':
      return ctx.reply(...c.respond(c.turn({ type: 'BACK' })));
    case 'skip':
      return ctx.reply(...c.respond(c.turn({ type: 'SKIP' })));
    case 'keep':
      return ctx.reply(...c.respond(c.turn({ type: 'KEEP' })));
    case 'confirm': {
      const { phase, questionId } = c.position();
      if (phase === 'review' || phase === 'done' || phase === 'carrying') return ctx.reply(...c.respond(c.turn({ type: 'CONFIRM' })));
      const question = questionId ? c.loaded.questions.get(questionId) : undefined;
      // 确认 confirms what is waiting for it (a computed value, a matrix, a choice, the directory's or last year's value); it
      // is never a text answer, and never 是 to a yes/no question offering nothing: “是否受到处罚？”“确认” is no answer.
      const lastYear = question && !c.answers[question.id] ? lastYearOffer(c.loaded, question, c.env) : undefined;
      if (phase === 'explaining' || phase === 'confirming' || phase === 'adding') return ctx.reply(...c.respond(c.turn({ type: 'ANSWER', text: ctx.text })));
      if (question?.type === 'yesno') {
        // 确认 of last year's 否 is 否: said as 沿用, never read as 是.
        if (lastYear) return ctx.reply(...c.respond(c.turn({ type: 'ANSWER', text: '沿用' })));
        return ctx.reply(...c.respond(c.turn(), [feedback('refused', '“确认”不能作为这道是否题的答案，请回答“是”或“否”。')], undefined, true));
      }
      if ((question && (prefillOf(question, c.env) || lastYear)) || (question && question.type !== 'text')) {
        return ctx.reply(...c.respond(c.turn({ type: 'ANSWER', text: ctx.text })));
      }
      const open = openRequired(c.loaded, c.current, c.answers, c.env);
      const notice = feedback(
        'refused',
        `本节还有 ${open.length} 个必填项没有回答：${open.slice(0, 5).map(questionTitle).join('；')}${open.length > 5 ? ' 等' : ''}。` +
          '“确认”不能作为本题的答案，请直接填写；本节填完后会列出答案请您确认。',
      );
      return ctx.reply(...c.respond(c.turn(), [notice], undefined, true));
    }
    default:
      return next();
  }
};
