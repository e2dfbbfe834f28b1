import type { Handler, TurnContext } from '../context.ts';
import { may, refusal } from '../permissions.ts';
import { oneOrganisation, organisationOf, type Match } from '../onboarding.ts';
import { feedback, say } from '../views.ts';
import { openCampaigns } from '../../store/campaign-store.ts';
import { findReminder, planManualReminder } from '../../store/reminder-store.ts';
import { organisationId } from '../../store/people-store.ts';
import { clockText, isQuiet, nextAllowed, reminderClockFromEnv } from '../../reminders/reminder-clock.ts';
import { sendReminder } from '../../reminders/send-reminder.ts';

/**
 * `提醒 <单位>` (or `提醒` with a declaration open): a coordinator or staff member reminds an organisation's operators now,
 * with the same message a scheduled reminder would send, naming what is missing. Once a day per organisation; in quiet
 * hours it waits for their end.
 */
export const remind: Handler = async (ctx, next) => {
  if (ctx.person.role === 'operator') return next();
  const asked = ctx.text.trim().match(/^(?:提醒|催办|\/remind)\s*(.*)$/i);
  if (!asked) return next();
  const name = asked[1].trim();
  if (name) {
    const found = oneOrganisation([...ctx.flows.values()], name);
    return found.ok ? remindOne(ctx, found.match) : ctx.reply(say(found.problem));
  }
  const d = ctx.declaration;
  const open = d && d.id === ctx.activeDeclarationId ? ctx.flows.get(d.flowId) : undefined;
  const entry = open && d ? open.directory.find((e) => e.seq === Number(d.orgExtra.seq)) : undefined;
  if (!open || !entry) return ctx.reply(say('请写要提醒的单位，例如“提醒 首冶新元”。'));
  return remindOne(ctx, { loaded: open, entry });
};

async function remindOne(ctx: TurnContext, match: Match): Promise<void> {
  const org = organisationOf(match);
  const ref = { organisationId: await organisationId(ctx.sql, org.flowId, org.seq), flowId: org.flowId, district: org.district };
  if (!may(ctx, 'remind', ref)) return ctx.reply(say(refusal(ctx, 'remind')));
  const campaign = (await openCampaigns(ctx.sql, ctx.today)).find((c) => c.flowId === org.flowId);
  if (!campaign) {
    return ctx.reply(say(`“${org.unitName}”所在的项目还没有进行中的申报活动（截止日期），无法发送提醒。${ctx.person.role === 'staff' ? '请先发“新建活动 项目 截止日期”创建。' : '请联系主管部门创建申报活动。'}`));
  }
  const clock = reminderClockFromEnv();
  const key = { campaignId: campaign.id, kind: 'manual' as const, subject: String(org.seq), dueOn: ctx.today };
  const reminder = await planManualReminder(ctx.sql, { ...key, dueAt: nextAllowed(clock, ctx.now), requestedById: ctx.person.userId });
  if (!reminder) {
    const earlier = await findReminder(ctx.sql, key);
    return ctx.reply(say(`今天已经提醒过“${org.unitName}”${earlier?.status === 'planned' ? '，提醒将在免打扰时段结束后发出' : ''}。同一家单位每天最多提醒一次，明天可再提醒。`));
  }
  if (isQuiet(clock, ctx.now)) {
    return ctx.reply(feedback('saved', `现在是免打扰时段（${clockText(clock.quiet!.start)}–${clockText(clock.quiet!.end)}），对“${org.unitName}”的提醒将在 ${clockText(clock.quiet!.end)} 发出。`));
  }
  const outcome = await sendReminder(ctx.sql, reminder, { flows: ctx.flows, now: ctx.now });
  const said: Record<string, string> = {
    nothing_missing: `“${org.unitName}”的申报已提交审核或已确认，无需提醒。`,
    nobody_bound: `“${org.unitName}”还没有绑定填报人，提醒无人可收。可发“邀请码 ${org.unitName}”生成邀请码，转给该单位。`,
    over_feishu_budget: `“${org.unitName}”的填报人只用飞书，而本次活动的飞书调用额度已用完，提醒没有发出。请联系主管部门调整额度。`,
    after_deadline: `申报活动已截止，不再发送提醒。`,
  };
  if (outcome.status === 'skipped') return ctx.reply(say(said[outcome.outcome] ?? `没有发送提醒（${outcome.outcome}）。`));
  const count = Number(outcome.outcome.match(/^sent:(\d+)/)?.[1] ?? 0);
  const lost = outcome.outcome.includes('over_feishu_budget') ? '（飞书调用额度已用完，飞书上的填报人没有收到。）' : '';
  ctx.reply(feedback('saved', `已提醒“${org.unitName}”的 ${count} 位填报人${lost}，内容如下：\n${outcome.text ?? ''}`));
}
