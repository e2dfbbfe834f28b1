import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { ChatStateSchema, describeMatch, findOrganisations, isLaterYearOf, latestYearOf, matchOf, organisationOf, welcomeText, type Match } from '../onboarding.ts';
import { may, refusal } from '../permissions.ts';
import { addMembership, ensureOrganisation, organisationId } from '../../store/people-store.ts';
import { openDeclaration } from '../../store/organisation-store.ts';
import { say } from '../views.ts';
import { roleHelp } from '../role-help.ts';
import { lastYearWelcome } from '../last-year.ts';
import { lastYearSources } from '../../flow/earlier-flows.ts';

/**
 * No declaration open: greet; open the one organisation a bound operator has; otherwise find the unit in the
 * directories by the name typed and open its declaration — for those who may (see permissions.ts).
 */
export const onboarding: Handler = async (ctx, next) => {
  if (ctx.declaration) return next();
  const flows = [...ctx.flows.values()];
  const state = ChatStateSchema.safeParse(ctx.chatState).data ?? {};
  const trimmed = ctx.text.trim();
  if (ctx.command || trimmed === '') {
    const own = ctx.person.organisations.length === 1 && !ctx.trusted ? await matchOf(ctx.sql, ctx.flows, ctx.person.organisations[0]) : undefined;
    // Bound to last year's unit while next year's flow is served: next year's declaration is the one to fill.
    if (own) return begin(ctx, latestYearOf(ctx.flows.values(), own));
    ctx.chatState = { step: 'await_unit' };
    const role = roleHelp(ctx);
    if (role) return ctx.reply(say(`您好，我是申报助手。\n${role}`));
    return ctx.reply(say(welcomeText(flows, mayOpenByName(ctx))));
  }
  const number = trimmed.normalize('NFKC');
  if (state.step === 'choose_candidate' && state.candidates && /^\d+$/.test(number)) {
    const pick = state.candidates[Number(number) - 1];
    const loaded = pick && ctx.flows.get(pick.flowId);
    const entry = loaded?.directory.find((e) => e.seq === pick.seq);
    if (loaded && entry) return begin(ctx, { loaded, entry });
    return ctx.reply(say(`请回复 1 到 ${state.candidates.length} 之间的序号，或重新发送单位名称。`));
  }
  const matches = findOrganisations(flows, trimmed);
  if (matches.length === 1) return begin(ctx, matches[0]);
  if (matches.length === 0) {
    ctx.chatState = { step: 'await_unit' };
    // Someone who can only bind with a code is not sent looking for a name that would not open anything anyway.
    if (!mayOpenByName(ctx)) return ctx.reply(say(`“${trimmed.slice(0, 20)}”不是邀请码。请先发送贵单位的邀请码（SB 开头的 10 位字母数字，由主管部门或协调人提供）来绑定单位。`));
    return ctx.reply(say(`名录中没有找到“${trimmed.slice(0, 40)}”。请发送与名录一致的单位全称（可以只写其中一段，例如“首冶新元”），我会列出相近的单位供您选择。`));
  }
  const shown = matches.slice(0, 10);
  ctx.chatState = { step: 'choose_candidate', candidates: shown.map((m) => ({ flowId: m.loaded.flow.id, seq: m.entry.seq })) };
  const more = matches.length > shown.length ? `\n（共 ${matches.length} 个结果，只列出前 ${shown.length} 个；请写得更完整些以缩小范围）` : '';
  ctx.reply(
    say(
      `找到 ${matches.length} 个相符的名录条目，请回复序号选择：\n${shown.map((m, i) => `${i + 1}. ${describeMatch(m)}`).join('\n')}${more}`,
      shown.map((m, i) => ({ label: m.entry.unit, value: String(i + 1) })),
    ),
  );
};

/** Whether typing a name can open a unit for this person (not for an operator who has yet to bind with a code). */
const mayOpenByName = (ctx: TurnContext) => ctx.trusted || ctx.person.role !== 'operator' || ctx.person.organisations.length > 0;

/**
 * An operator bound to the unit in an earlier year of the programme is its operator this year too: the binding is
 * carried to this year's organisation rather than asking for a new code every year.
 */
async function carryMembership(ctx: TurnContext, match: Match): Promise<boolean> {
  if (ctx.person.role !== 'operator') return false;
  for (const id of ctx.person.organisations) {
    const earlier = await matchOf(ctx.sql, ctx.flows, id);
    if (!earlier || !isLaterYearOf(match, earlier)) continue;
    const organisationId = await ensureOrganisation(ctx.sql, organisationOf(match));
    await addMembership(ctx.sql, ctx.person.userId, organisationId, null);
    ctx.person.organisations.push(organisationId);
    return true;
  }
  return false;
}

/** Open (or join) the organisation's declaration and ask the first pending question, if this person may. */
export async function begin(ctx: TurnContext, match: Match): Promise<void> {
  const { loaded } = match;
  const organisation = organisationOf(match);
  const org = { organisationId: await organisationId(ctx.sql, organisation.flowId, organisation.seq), flowId: organisation.flowId, district: organisation.district };
  if (!may(ctx, 'open', org) && !(await carryMembership(ctx, match))) {
    ctx.chatState = { step: 'await_unit' };
    return ctx.reply(say(refusal(ctx, 'open')));
  }
  const { declaration, existed } = await openDeclaration(ctx.sql, { ...organisation, userId: ctx.person.userId }, lastYearSources(ctx.flows));
  ctx.declaration = declaration;
  ctx.activeDeclarationId = declaration.id;
  ctx.chatState = {};
  const intro = [
    `已确认：${describeMatch(match)}。`,
    existed ? '贵单位的申报已经开始过，我们从上次停下的地方继续。' : `申报表共 ${loaded.flow.sections.length} 个部分，我们从第一部分开始。随时可回复“帮助”查看可用的说法。`,
  ].join('\n');
  const conversation = Conversation.of(ctx);
  // The organisation declared the programme before: said once, when its declaration is first opened.
  const lastYear = existed ? undefined : lastYearWelcome(loaded, conversation.env);
  ctx.reply(say(lastYear ? `${intro}\n${lastYear}` : intro), ...conversation.respond(conversation.turn()));
}
