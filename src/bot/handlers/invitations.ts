import type { Handler, TurnContext } from '../context.ts';
import { may, refusal } from '../permissions.ts';
import { matchOf, oneOrganisation, organisationOf } from '../onboarding.ts';
import { feedback, say } from '../views.ts';
import { begin } from './onboarding.ts';
import { INVITATION, createInvitation, createRoleInvitation, ensureOrganisation, normaliseCode, organisationId, redeemInvitation, type ScopeGrant } from '../../store/people-store.ts';
import { readScope } from '../scope-words.ts';
import { shortTimeInChina } from '../../engine/today.ts';

/**
 * Binding people to organisations: an operator sends the one-time code a coordinator or staff gave them and is bound to
 * that organisation (and its declaration opens); a coordinator or staff member asks `邀请码 <单位>` for a new code.
 */
export const invitations: Handler = async (ctx, next) => {
  const code = normaliseCode(ctx.text);
  if (INVITATION.test(code)) return redeem(ctx, code);
  const role = ctx.text.trim().match(/^(协调人|工作人员)邀请码\s*([\s\S]*)$/);
  if (role && ctx.person.role !== 'operator') return issueRole(ctx, role[1] === '协调人' ? 'coordinator' : 'staff', role[2].trim());
  const asked = ctx.text.trim().match(/^(?:邀请码|生成邀请码|invite)\s*(.*)$/i);
  if (asked && ctx.person.role !== 'operator') return issue(ctx, asked[1].trim());
  return next();
};

async function redeem(ctx: TurnContext, code: string): Promise<void> {
  const result = await redeemInvitation(ctx.sql, code, ctx.person.userId, ctx.now);
  if (!result.ok) {
    if (result.reason === 'used' && result.usedByMe) return ctx.reply(say('您已经用这个邀请码绑定过这家单位，直接继续填报即可（回复“开始”）。'));
    const said = {
      unknown: `邀请码“${code}”不存在。请核对后重新发送（SB 开头，共 10 位字母和数字；不会区分大小写）。`,
      expired: `邀请码“${code}”已过期（有效期 7 天）。请联系发给您邀请码的协调人或主管部门重新获取。`,
      used: `邀请码“${code}”已经被使用过（每个邀请码只能使用一次）。请联系协调人为您单独生成一个。`,
    }[result.reason];
    return ctx.reply(feedback('refused', said));
  }
  if (result.role !== 'operator') {
    const what = result.role === 'staff' ? '主管部门工作人员，可查看全部单位、管理人员和申报活动' : '协调人';
    return ctx.reply(
      feedback('saved', `绑定成功：您现在是${what}。发送“进度汇总”查看${result.role === 'staff' ? '各单位' : '所负责单位'}的进度，“待审核”查看等待审核的申报，“活动”查看申报活动，“邀请码 单位名”为单位生成填报人邀请码。`),
    );
  }
  ctx.person.organisations.push(result.organisationId);
  const match = await matchOf(ctx.sql, ctx.flows, result.organisationId);
  if (!match) return ctx.reply(say('已绑定单位，但它所属的申报项目目前没有开放。请联系主管部门。'));
  // Whatever was open before, the organisation just bound is the one to work on now.
  ctx.declaration = null;
  ctx.activeDeclarationId = null;
  ctx.reply(feedback('saved', `绑定成功：您现在是“${match.entry.unit}”的填报人。`));
  return begin(ctx, match);
}

async function issue(ctx: TurnContext, name: string): Promise<void> {
  if (!name) return ctx.reply(say('请在“邀请码”后写单位名称，例如“邀请码 首冶新元”。'));
  const found = oneOrganisation([...ctx.flows.values()], name);
  if (!found.ok) return ctx.reply(say(found.problem));
  const organisation = organisationOf(found.match);
  const org = { organisationId: await organisationId(ctx.sql, organisation.flowId, organisation.seq), flowId: organisation.flowId, district: organisation.district };
  if (!may(ctx, 'invite', org)) return ctx.reply(say(refusal(ctx, 'invite')));
  const id = await ensureOrganisation(ctx.sql, organisation);
  const entry = found.match.entry;
  const { code, expiresAt } = await createInvitation(ctx.sql, id, ctx.person.userId, 7, ctx.now);
  ctx.reply(say(`“${entry.unit}”的邀请码：${code}\n${shortTimeInChina(expiresAt)} 前有效，只能使用一次。请转给该单位的填报人：在 Telegram 或飞书中把邀请码发给申报助手即可绑定。每位填报人需要一个邀请码。`));
}

/** `协调人邀请码 <范围>` / `工作人员邀请码`: staff make a code that gives its sender that role (and a coordinator's reach). */
async function issueRole(ctx: TurnContext, role: 'coordinator' | 'staff', words: string): Promise<void> {
  if (!may(ctx, 'manage')) return ctx.reply(say(`${refusal(ctx, 'manage')}协调人和工作人员的邀请码请联系主管部门生成。`));
  let grants: ScopeGrant[] = [];
  let labels: string[] = [];
  if (role === 'coordinator') {
    const scope = readScope([...ctx.flows.values()], words);
    if (!scope.ok) return ctx.reply(feedback('refused', scope.problem));
    grants = scope.grants.map((g) => g.grant);
    labels = scope.grants.map((g) => g.label);
    for (const unit of scope.units) {
      grants.push({ organisationId: await ensureOrganisation(ctx.sql, organisationOf(unit)) });
      labels.push(unit.entry.unit);
    }
  }
  const { code, expiresAt } = await createRoleInvitation(ctx.sql, role, grants, ctx.person.userId, 7, ctx.now);
  const who = role === 'staff' ? '主管部门工作人员' : `协调人（负责：${labels.join('、')}）`;
  ctx.reply(say(`${who}的邀请码：${code}\n${shortTimeInChina(expiresAt)} 前有效，只能使用一次。请转给本人：在 Telegram 或飞书中把邀请码发给申报助手即成为${role === 'staff' ? '工作人员' : '协调人'}。`));
}
