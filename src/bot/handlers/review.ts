import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may, refusal } from '../permissions.ts';
import { feedback, say } from '../views.ts';
import { questionTitle } from '../../engine/format.ts';
import { resolveQuestion } from '../targets.ts';
import { sectionLabel } from '../render.ts';
import { unitNamed } from '../../exports/declaration-files.ts';
import { addReviewEvent, reviewState, reviewersOf, waitingForReview, type ReviewReason } from '../../store/review-store.ts';
import { operatorsOfOrganisation } from '../../store/assignment-store.ts';

/**
 * Review by a coordinator: an operator marks a finished declaration 提交审核; a coordinator in reach sees it (待审核),
 * opens it, and 退回 it with reasons (one per line, a line may start with the question: “【三】1 数字与名单不符”) or
 * 审核通过. Each step is recorded and told to the other side through the outbox. The assistant prepares; people submit.
 */
export const review: Handler = async (ctx, next) => {
  switch (ctx.command?.kind) {
    case 'submit_review':
      return submit(ctx);
    case 'review_queue':
      return queue(ctx);
    case 'return':
      return decide(ctx, 'returned', ctx.command.reason);
    case 'approve':
      return decide(ctx, 'confirmed');
    default:
      return next();
  }
};

const unitOf = (ctx: TurnContext) => unitNamed(Conversation.of(ctx).loaded, Conversation.of(ctx).env.org).unit;
const orgOf = (ctx: TurnContext) => ({ organisationId: ctx.declaration!.organisationId, flowId: ctx.declaration!.flowId, district: ctx.declaration!.district });

async function submit(ctx: TurnContext): Promise<void> {
  if (!ctx.declaration) return ctx.reply(say('请先打开要提交审核的申报（发送单位名称或邀请码）。'));
  if (!may(ctx, 'answer')) return ctx.reply(say(refusal(ctx, 'answer')));
  const c = Conversation.of(ctx);
  const open = c.sectionLines().filter((l) => l.status !== 'done');
  if (open.length) {
    return ctx.reply(feedback('refused', `还有 ${open.length} 个部分没有完成，不能提交审核：${open.map((l) => sectionLabel(l.section)).join('、')}。请填完并确认各部分后再回复“提交审核”。`));
  }
  const state = await reviewState(ctx.sql, c.state.id);
  if (state?.action === 'submitted') return ctx.reply(say('申报已经提交审核，请等待协调人审核。'));
  await addReviewEvent(ctx.sql, c.state.id, 'submitted', ctx.person.userId);
  const reviewers = await reviewersOf(ctx.sql, orgOf(ctx));
  for (const to of reviewers) {
    ctx.push(to, [say(`📋 “${unitOf(ctx)}”提交了申报，请审核（提交人：${ctx.person.displayName}）。发送“${unitOf(ctx)}”打开查看，然后回复“审核通过”，或“退回 原因”（每行一条，可写题号，如“【三】1 与名单不符”）。`)]);
  }
  ctx.reply(feedback('completed', `已提交审核${reviewers.length ? '，已通知协调人' : ''}。审核结果会发到这里。提交到申报系统仍需您本人完成。`));
}

async function queue(ctx: TurnContext): Promise<void> {
  if (ctx.person.role === 'operator') return ctx.reply(say('“待审核”供协调人和主管部门使用。您可以在填完后回复“提交审核”。'));
  const mine = (await waitingForReview(ctx.sql)).filter((d) => may(ctx, 'review', d));
  if (mine.length === 0) return ctx.reply(say('目前没有等待您审核的申报。'));
  ctx.reply(say([`等待审核的申报共 ${mine.length} 份：`, ...mine.map((d, i) => `${i + 1}. ${d.unit}（${d.at.slice(0, 10)} 提交）`), '发送单位名称打开查看。'].join('\n')));
}

async function decide(ctx: TurnContext, action: 'returned' | 'confirmed', text = ''): Promise<void> {
  if (!ctx.declaration || !may(ctx, 'review')) return ctx.reply(say(ctx.declaration ? refusal(ctx, 'review') : '请先发送单位名称打开要审核的申报。'));
  const c = Conversation.of(ctx);
  const state = await reviewState(ctx.sql, c.state.id);
  if (state?.action !== 'submitted') return ctx.reply(say(`“${unitOf(ctx)}”的申报${state?.action === 'returned' ? '已退回，正在等待修改后重新提交' : state?.action === 'confirmed' ? '已经确认过' : '还没有提交审核'}。`));
  let reasons: ReviewReason[] = [];
  if (action === 'returned') {
    reasons = text.split(/\n|；/).map((l) => l.trim()).filter(Boolean).map((line) => {
      const [head, ...rest] = line.split(/\s+/);
      // Only a seed reference names a question here (【三】1): a plain word is the start of the reason.
      const target = rest.length && /[【】\d]/.test(head) ? resolveQuestion(c.loaded, c.current, head, c.scope()) : null;
      return target && 'question' in target ? { question: questionTitle(target.question), text: rest.join(' ') } : { text: line };
    });
    if (reasons.length === 0) return ctx.reply(say('请写明退回原因，例如“退回 【三】1 入驻企业家数与名单不符”；多条原因每行一条。'));
  }
  await addReviewEvent(ctx.sql, c.state.id, action, ctx.person.userId, reasons);
  const lines = reasons.map((r) => `• ${r.question ? `${r.question}：` : ''}${r.text}`);
  const told = action === 'returned'
    ? [`↩️ 协调人${ctx.person.displayName}退回了“${unitOf(ctx)}”的申报，请按以下意见修改：`, ...lines, '改好后回复“提交审核”重新提交。'].join('\n')
    : `✅ “${unitOf(ctx)}”的申报已由协调人${ctx.person.displayName}审核确认。提交到申报系统仍需您本人完成；可回复“导出”和“打包”领取材料。`;
  const operators = await operatorsOfOrganisation(ctx.sql, c.state.id, c.state.organisationId);
  for (const to of operators.flatMap((o) => o.chats)) ctx.push(to, [say(told)]);
  ctx.reply(feedback('saved', `${action === 'returned' ? `已退回（${reasons.length} 条意见）` : '已确认'}，已通知该单位的 ${operators.length} 位填报人。`));
}
