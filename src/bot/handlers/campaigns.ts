import type { Handler, TurnContext } from '../context.ts';
import { may, refusal } from '../permissions.ts';
import { feedback, say } from '../views.ts';
import { campaignName, readCampaignRequest, readDeadline } from '../campaign-request.ts';
import { allCampaigns, closeCampaign, coveredEntries, createCampaign, daysBefore, daysUntil, moveDeadline, openCampaigns } from '../../store/campaign-store.ts';
import { reminderCounts } from '../../store/reminder-store.ts';
import { clockText, reminderClockFromEnv } from '../../reminders/reminder-clock.ts';
import { monthDay, whenText } from '../deadline-text.ts';

/**
 * Campaigns by chat, for staff and coordinators: `活动` lists the running ones with their deadline and reminders sent;
 * staff open one with `新建活动 <项目> <截止日期> [区县…]`, move its deadline with `延期 <编号> <日期>` and end one early
 * with `结束活动 <编号>`. Operators never see these words as commands (to them they are answers).
 */
export const campaigns: Handler = async (ctx, next) => {
  if (ctx.person.role === 'operator') return next();
  const text = ctx.text.trim();
  const created = text.match(/^(?:新建活动|创建活动|新建申报活动)\s*([\s\S]*)$/);
  if (created) return create(ctx, created[1]);
  const closed = text.match(/^(?:结束活动|关闭活动)\s*(\d*)$/);
  if (closed) return close(ctx, closed[1]);
  const moved = text.match(/^(?:延期|修改截止日期|修改截止)\s*([\s\S]*)$/);
  if (moved) return postpone(ctx, moved[1].trim());
  if (/^(?:活动|申报活动|活动列表|\/campaigns?)$/i.test(text)) return list(ctx);
  return next();
};

async function create(ctx: TurnContext, words: string): Promise<void> {
  if (!may(ctx, 'manage')) return ctx.reply(say(`${refusal(ctx, 'manage')}如需新的申报活动，请联系主管部门创建。`));
  const request = readCampaignRequest([...ctx.flows.values()], words, ctx.today);
  if (!request.ok) return ctx.reply(feedback('refused', request.problem));
  const { loaded, deadline, districts } = request;
  const campaign = await createCampaign(ctx.sql, {
    flowId: loaded.flow.id,
    name: campaignName(loaded),
    deadline,
    covers: districts.length ? { districts } : null,
    createdById: ctx.person.userId,
  });
  const count = coveredEntries(loaded, campaign.covers).length;
  const clock = reminderClockFromEnv();
  const days = campaign.schedule.map((d) => daysBefore(deadline, d)).filter((day) => day >= ctx.today).map((day) => (day === deadline ? '截止当天' : monthDay(day)));
  ctx.reply(
    feedback(
      'saved',
      [
        `已创建申报活动：${campaign.name}，${whenText(deadline, daysUntil(ctx.today, deadline))}，覆盖${districts.length ? ` ${districts.join('、')} 的` : ''} ${count} 家单位。`,
        days.length ? `未完成的单位将在 ${days.join('、')} ${clockText(clock.sendAt)} 收到提醒，写明还缺什么；` : '',
        `协调人每天 ${clockText(clock.sendAt)} 收到所负责单位的进度${clock.quiet ? `；${clockText(clock.quiet.start)}–${clockText(clock.quiet.end)} 不发提醒` : ''}。`,
        '回复“活动”查看各活动，“进度汇总”查看进度。',
      ].filter(Boolean).join(''),
    ),
  );
}

async function list(ctx: TurnContext): Promise<void> {
  const running = (await openCampaigns(ctx.sql, ctx.today)).filter((c) => ctx.flows.has(c.flowId) && (ctx.person.role === 'staff' || ctx.person.scopes.some((s) => s.flowId === null || s.flowId === c.flowId)));
  if (running.length === 0) {
    return ctx.reply(say(ctx.person.role === 'staff' ? '目前没有进行中的申报活动。发送“新建活动 北京基地 12月15日”创建一个（项目名称中的几个字 + 截止日期）。' : '目前没有进行中的申报活动。'));
  }
  const all = await allCampaigns(ctx.sql);
  const lines = ['进行中的申报活动：'];
  for (const c of running) {
    const counts = await reminderCounts(ctx.sql, c.id);
    const sent = counts.filter((r) => r.status === 'sent').reduce((a, r) => a + r.count, 0);
    const covered = coveredEntries(ctx.flows.get(c.flowId)!, c.covers).length;
    lines.push(`${all.find((x) => x.id === c.id)!.number}. ${c.name}：${whenText(c.deadline, daysUntil(ctx.today, c.deadline))}，${covered} 家单位${c.covers?.districts?.length ? `（${c.covers.districts.join('、')}）` : ''}，已发提醒 ${sent} 次`);
  }
  if (ctx.person.role === 'staff') lines.push('改截止日期：“延期 编号 新日期”（如“延期 1 12月20日”）；提前结束某个活动（不再提醒）：“结束活动 编号”。');
  ctx.reply(say(lines.join('\n')));
}

/** `延期 1 12月20日`, or `延期 12月20日` while one campaign runs: a new deadline, its reminders planned afresh. */
async function postpone(ctx: TurnContext, words: string): Promise<void> {
  if (!may(ctx, 'manage')) return ctx.reply(say(`${refusal(ctx, 'manage')}如需延期，请联系主管部门。`));
  const m = words.match(/^(?:(\d{1,3})\s+)?(\S+)$/);
  const deadline = m ? readDeadline(m[2], ctx.today) : null;
  if (!m || !deadline) return ctx.reply(say('请写活动编号和新的截止日期，例如“延期 1 12月20日”；回复“活动”查看编号。'));
  if (deadline < ctx.today) return ctx.reply(say(`新的截止日期 ${deadline} 已经过去，请写今天或以后的日期。`));
  const all = await allCampaigns(ctx.sql);
  const running = all.filter((c) => !c.closedAt && c.deadline >= ctx.today);
  const campaign = m[1] ? all.find((c) => c.number === Number(m[1])) : running.length === 1 ? running[0] : undefined;
  if (!campaign) return ctx.reply(say(m[1] ? `没有编号为 ${m[1]} 的活动，回复“活动”查看编号。` : '进行中的活动不止一个，请写编号，例如“延期 1 12月20日”；回复“活动”查看编号。'));
  if (campaign.closedAt) return ctx.reply(say(`“${campaign.name}”已经结束，不能延期。`));
  if (campaign.deadline === deadline) return ctx.reply(say(`“${campaign.name}”的截止日期已经是 ${monthDay(deadline)}。`));
  await moveDeadline(ctx.sql, campaign.id, deadline);
  ctx.reply(feedback('saved', `“${campaign.name}”的截止日期已从 ${monthDay(campaign.deadline)} 改为 ${monthDay(deadline)}（${whenText(deadline, daysUntil(ctx.today, deadline))}），之后的提醒按新日期发送。`));
}

async function close(ctx: TurnContext, number: string): Promise<void> {
  if (!may(ctx, 'manage')) return ctx.reply(say(refusal(ctx, 'manage')));
  const all = await allCampaigns(ctx.sql);
  const campaign = all.find((c) => c.number === Number(number));
  if (!campaign) return ctx.reply(say('请写要结束的活动编号，例如“结束活动 1”；回复“活动”查看编号。'));
  if (!(await closeCampaign(ctx.sql, campaign.id, ctx.now))) return ctx.reply(say(`“${campaign.name}”已经结束。`));
  ctx.reply(feedback('saved', `已结束“${campaign.name}”，不再发送它的提醒。`));
}
