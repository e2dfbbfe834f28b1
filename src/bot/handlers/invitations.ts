import type { Handler, TurnContext } from '../context.ts';
import { may, refusal } from '../permissions.ts';
import { findOrganisations, describeMatch, matchOf, organisationOf } from '../onboarding.ts';
import { feedback, say } from '../views.ts';
import { begin } from './onboarding.ts';
import { INVITATION, createInvitation, ensureOrganisation, normaliseCode, organisationId, redeemInvitation } from '../../store/people-store.ts';

/**
 * Binding people to organisations: an operator sends the one-time code a coordinator or staff gave them and is bound to
 * that organisation (and its declaration opens); a coordinator or staff member asks `邀请码 <单位>` for a new code.
 */
export const invitations: Handler = async (ctx, next) => {
  const code = normaliseCode(ctx.text);
  if (INVITATION.test(code)) return redeem(ctx, code);
  const asked = ctx.text.trim().match(/^(?:邀请码|生成邀请码|invite)\s*(.*)$/i);
  if (asked && ctx.person.role !== 'operator') return issue(ctx, asked[1].trim());
  return next();
};

const WHEN = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });

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
  const matches = findOrganisations([...ctx.flows.values()], name);
  if (matches.length === 0) return ctx.reply(say(`名录中没有找到“${name.slice(0, 40)}”。请写与名录一致的单位名称（可以只写其中一段）。`));
  if (matches.length > 1) {
    return ctx.reply(say(`“${name}”对应 ${matches.length} 家单位，请写得更完整些：\n${matches.slice(0, 10).map((m) => `• ${describeMatch(m)}`).join('\n')}`));
  }
  const organisation = organisationOf(matches[0]);
  const org = { organisationId: await organisationId(ctx.sql, organisation.flowId, organisation.seq), flowId: organisation.flowId, district: organisation.district };
  if (!may(ctx, 'invite', org)) return ctx.reply(say(refusal(ctx, 'invite')));
  const id = await ensureOrganisation(ctx.sql, organisation);
  const entry = matches[0].entry;
  const { code, expiresAt } = await createInvitation(ctx.sql, id, ctx.person.userId, 7, ctx.now);
  ctx.reply(say(`“${entry.unit}”的邀请码：${code}\n${WHEN.format(expiresAt)}前有效，只能使用一次。请转给该单位的填报人：在 Telegram 或飞书中把邀请码发给申报助手即可绑定。每位填报人需要一个邀请码。`));
}
