import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { allowed } from '../permissions.ts';
import { questionTitle } from '../../engine/format.ts';
import { isRelevant } from '../../rules/relevance.ts';
import { renderReview, sectionRef } from '../render.ts';
import { resolveQuestion, resolveSection } from '../targets.ts';
import { feedback, say } from '../views.ts';

/** Moving around the declaration: 查看 (a section's answers), 目录, 第N节, 修改 …. */
export const navigation: Handler = allowed('read', async (ctx, next) => {
  const c = Conversation.of(ctx);
  const command = ctx.command;
  switch (command?.kind) {
    case 'review': {
      const { phase } = c.position();
      // At the review the list is the prompt itself: said once.
      if (phase === 'review' && !command.page && !command.all) return ctx.reply(...c.respond(c.turn()));
      const list = renderReview(c.loaded, c.current, c.answers, c.scope(), c.env, false, command.all ? 'all' : (command.page ?? 1));
      return ctx.reply(...c.respond(c.turn(), [{ kind: 'review', section: sectionRef(c.loaded, c.current), text: list.text }]));
    }
    case 'sections':
      return ctx.reply(c.overview());
    case 'section': {
      const target = resolveSection(c.loaded, command.target);
      const before = target ? [] : [feedback('refused', `没有找到“${command.target}”这一部分。请回复“目录”查看各部分及序号。`)];
      return ctx.reply(...c.respond(c.turn(undefined, target?.id), before));
    }
    case 'edit':
      return edit(ctx, next);
    default:
      return next();
  }
});

/** “修改 …”: find the question and take the operator there; from another section, back again once it is answered. */
const edit = allowed('answer', async (ctx) => {
  const c = Conversation.of(ctx);
  const target = ctx.command?.kind === 'edit' ? ctx.command.target : '';
  const scope = c.scope();
  if (target === '') {
    ctx.chatState = { ...ctx.chatState, awaitEdit: true };
    const list = renderReview(c.loaded, c.current, c.answers, scope, c.env, false, 1);
    return ctx.reply({ kind: 'review', section: sectionRef(c.loaded, c.current), text: `要修改哪一题？请回复序号（如“2”）、题号（如“【三】1”）或题目名称。\n\n${list.text}` });
  }
  const found = resolveQuestion(c.loaded, c.current, target, scope);
  if (found && 'candidates' in found) {
    ctx.chatState = { ...ctx.chatState, editCandidates: found.candidates.map((q) => q.id) };
    return ctx.reply(
      say(
        `“${target.slice(0, 20)}”对应多个题目，请回复序号选择：\n${found.candidates.map((q, i) => `${i + 1}. ${questionTitle(q)}`).join('\n')}`,
        found.candidates.map((q, i) => ({ label: questionTitle(q).slice(0, 30), value: String(i + 1) })),
      ),
    );
  }
  const question = found?.question;
  if (!question) {
    const notice = `没有找到“${target.slice(0, 30)}”。请写本节答案一览中的序号（如“修改 2”）、题号（如“修改 【三】1”）或题目名称；回复“查看”列出本节答案。`;
    return ctx.reply(...c.respond(c.turn(), [feedback('refused', notice)]));
  }
  if (question.type === 'derived' && !question.confirm) {
    const notice = `“${question.label}”由系统根据其他数据计算（${question.explain ?? question.formula}），请修改它所依据的题目。`;
    return ctx.reply(...c.respond(c.turn(), [feedback('refused', notice)]));
  }
  if (!isRelevant(c.loaded, question, scope)) {
    return ctx.reply(...c.respond(c.turn(), [feedback('refused', `按您之前的回答，${questionTitle(question)} 不需要填写。`)]));
  }
  const section = c.loaded.sectionOf.get(question.id)!;
  // From another section: once the answer is given, the operator is taken back to where they were.
  if (section.id !== c.current.id) {
    ctx.chatState = { ...ctx.chatState, editReturn: { sectionId: ctx.chatState.editReturn?.sectionId ?? c.current.id, questionId: question.id } };
  }
  return ctx.reply(...c.respond(c.turn({ type: 'JUMP', questionId: question.id }, section.id)));
});
