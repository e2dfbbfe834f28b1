import type { Section } from '../../flow/schema.ts';
import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may, refusal } from '../permissions.ts';
import { sectionLabel } from '../render.ts';
import { resolveSection } from '../targets.ts';
import { feedback, say, type Choice, type View } from '../views.ts';
import { unitNamed } from '../../exports/declaration-files.ts';
import { assignSection, operatorsOfOrganisation, unassignSection, type Operator } from '../../store/assignment-store.ts';

/**
 * 分工: who of the organisation's operators fills which section (财务 the operating data, 运营 the enterprise data).
 * `分工` lists the sections with their assignees and the operators; `分工 第4节` asks whom (a button per operator);
 * `分工 第4节 李会计` assigns, `分工 第4节 取消` removes it. Everyone of the organisation is told, the assignee that the
 * section is now theirs. Anyone may still answer anywhere: an assignment says whose job it is, it locks nothing.
 */
export const assignment: Handler = async (ctx, next) => {
  if (ctx.command?.kind !== 'assign') return next();
  if (!may(ctx, 'assign')) return ctx.reply(say(refusal(ctx, 'assign')));
  const c = Conversation.of(ctx);
  const operators = await operatorsOfOrganisation(ctx.sql, c.state.id, c.state.organisationId);
  const { sectionText, personText: named } = splitTarget(ctx.command.target);
  if (!sectionText) return ctx.reply(listing(ctx, operators));
  const section = resolveSection(c.loaded, sectionText);
  if (!section) {
    return ctx.reply(feedback('refused', `没有找到“${sectionText.slice(0, 20)}”这一部分。请写部分的序号，例如“分工 第4节 ${exampleName(operators)}”或“分工 【四】 ${exampleName(operators)}”；回复“分工”查看各部分和本单位的填报人。`));
  }
  // “分工 【四】经营情况 李会计”: the section's title copied from the list is not a name.
  const words = named.split(/\s+/);
  const personText = section.title.includes(words[0]) ? words.slice(1).join(' ') : named;
  if (!personText) return ctx.reply(askWhom(ctx, section, operators));
  if (CANCEL.test(personText)) return unassign(ctx, section, operators);
  const found = findOperator(ctx, operators, personText);
  if ('refused' in found) return ctx.reply(feedback('refused', found.refused));
  return assign(ctx, section, found.operator, operators);
};

const CANCEL = /^(取消|撤销|删除|不指定|无)(分工)?$/;

/** “【四】 李会计”, “第4节李会计”, “4 李会计”, “经营情况 李会计”: the section first, then whom. */
function splitTarget(target: string): { sectionText: string; personText: string } {
  const m = target.normalize('NFKC').trim().match(/^(【[^】]*】|第\s*[一二三四五六七八九十\d]+\s*(?:节|部分)?|\S+)\s*([\s\S]*)$/);
  return { sectionText: m?.[1] ?? '', personText: (m?.[2] ?? '').trim() };
}

const exampleName = (operators: Operator[]) => operators[0]?.name ?? '李会计';
const sectionNumber = (ctx: TurnContext, section: Section) => Conversation.of(ctx).loaded.flow.sections.indexOf(section) + 1;
const unitOf = (ctx: TurnContext) => unitNamed(Conversation.of(ctx).loaded, Conversation.of(ctx).env.org).unit;
const operatorNames = (operators: Operator[]) => operators.map((o) => o.name).join('、');

/** What to say when the organisation has nobody to assign to yet. */
const NOBODY = '本单位还没有绑定的填报人。请协调人或主管部门为每位同事生成邀请码（“邀请码 单位名称”），同事发送邀请码绑定后即可分工。';

/** `分工` alone: each section with its assignee, the operators, how to assign; a button per section. */
function listing(ctx: TurnContext, operators: Operator[]): View {
  const c = Conversation.of(ctx);
  const sections = c.loaded.flow.sections;
  const lines = [
    '分工：每个部分可以指定一位填报人负责（其他同事仍可代为填写）。',
    ...sections.map((s, i) => `${i + 1}. ${sectionLabel(s)}　${c.state.assignments[s.id] ? `👤${c.state.assignments[s.id].name}` : '未指定'}`),
    operators.length ? `本单位的填报人：${operatorNames(operators)}。` : NOBODY,
    `指定负责人请回复“分工 第N节 姓名”，例如“分工 第4节 ${exampleName(operators)}”；取消请回复“分工 第N节 取消”。也可以点下面的部分再选人。`,
  ];
  return say(lines.join('\n'), sections.map((s, i) => ({ label: sectionLabel(s), value: `分工 第${i + 1}节` })));
}

/** `分工 第4节`: whom, with a button per operator (and one to remove the assignment). */
function askWhom(ctx: TurnContext, section: Section, operators: Operator[]): View {
  const c = Conversation.of(ctx);
  const n = sectionNumber(ctx, section);
  const current = c.state.assignments[section.id];
  if (operators.length === 0) return say(`${sectionLabel(section)}：${NOBODY}`);
  // A button names the person; two people of one name are told apart by their number in the list.
  const names = operators.map((o) => o.name);
  const pick = (o: Operator, i: number): Choice => ({ label: o.name, value: `分工 第${n}节 ${names.indexOf(o.name) === names.lastIndexOf(o.name) ? o.name : String(i + 1)}` });
  const choices = [...operators.map(pick), ...(current ? [{ label: '取消分工', value: `分工 第${n}节 取消` }] : [])];
  const lines = [
    `${sectionLabel(section)} 由谁负责填写？（目前：${current ? current.name : '未指定'}）`,
    ...operators.map((o, i) => `${i + 1}. ${o.name}`),
    `请回复“分工 第${n}节 姓名”（也可写序号），或点下面的名字${current ? '；回复“分工 第' + n + '节 取消”取消分工' : ''}。`,
  ];
  return say(lines.join('\n'), choices);
}

const bare = (text: string) => text.normalize('NFKC').replace(/\s/g, '').toLowerCase();

/** The operator named: 我, an exact name, a number in the list, or a unique part of a name. */
function findOperator(ctx: TurnContext, operators: Operator[], text: string): { operator: Operator } | { refused: string } {
  if (operators.length === 0) return { refused: NOBODY };
  const wanted = bare(text);
  const me = operators.find((o) => o.userId === ctx.person.userId);
  if (/^(我|自己|本人)$/.test(wanted) && me) return { operator: me };
  const exact = operators.filter((o) => bare(o.name) === wanted);
  if (exact.length === 1) return { operator: exact[0] };
  if (exact.length === 0 && /^\d+$/.test(wanted) && operators[Number(wanted) - 1]) return { operator: operators[Number(wanted) - 1] };
  const partial = exact.length ? exact : operators.filter((o) => bare(o.name).includes(wanted));
  if (partial.length === 1) return { operator: partial[0] };
  const numbered = operators.map((o, i) => `${i + 1}. ${o.name}`).join('\n');
  if (partial.length > 1) return { refused: `“${text.slice(0, 20)}”对应多位填报人，请写完整的名字或序号：\n${numbered}` };
  return {
    refused: `本单位的填报人中没有“${text.slice(0, 20)}”。本单位的填报人：\n${numbered}\n请写其中一位的名字或序号；新同事需先发送邀请码绑定本单位（邀请码由协调人或主管部门生成）。`,
  };
}

async function assign(ctx: TurnContext, section: Section, operator: Operator, operators: Operator[]): Promise<void> {
  const c = Conversation.of(ctx);
  const label = sectionLabel(section);
  if (c.state.assignments[section.id]?.userId === operator.userId) return ctx.reply(say(`${label} 已经由 ${operator.name} 负责，没有变化。`), listing(ctx, operators));
  await assignSection(ctx.sql, { declarationId: c.state.id, sectionId: section.id, userId: operator.userId, assignedById: ctx.person.userId });
  c.state.assignments = { ...c.state.assignments, [section.id]: { userId: operator.userId, name: operator.name } };
  const by = ctx.person.displayName;
  const n = sectionNumber(ctx, section);
  const told = tellOperators(ctx, operators, (o) =>
    o.userId === operator.userId
      ? `📌 ${by} 把“${unitOf(ctx)}”申报表的 ${label} 分工给您负责填写。回复“第${n}节”开始填写，回复“分工”查看全部分工。`
      : `📌 分工：“${unitOf(ctx)}”申报表的 ${label} 由 ${operator.name} 负责填写（${by} 安排）。您仍可代为填写。`,
  );
  const who = operator.userId === ctx.person.userId ? '您自己' : operator.name;
  ctx.reply(feedback('saved', `已将 ${label} 分工给 ${who}${told ? `，已通知本单位的 ${told} 位填报人` : ''}。`), listing(ctx, operators));
}

async function unassign(ctx: TurnContext, section: Section, operators: Operator[]): Promise<void> {
  const c = Conversation.of(ctx);
  const label = sectionLabel(section);
  const removed = await unassignSection(ctx.sql, c.state.id, section.id);
  if (!removed) return ctx.reply(say(`${label} 目前没有指定负责人，无需取消。`), listing(ctx, operators));
  const { [section.id]: _, ...rest } = c.state.assignments;
  c.state.assignments = rest;
  const told = tellOperators(ctx, operators, () => `📌 分工：“${unitOf(ctx)}”申报表的 ${label} 不再指定负责人（${ctx.person.displayName} 取消）。`);
  ctx.reply(feedback('saved', `已取消 ${label} 的分工${told ? `，已通知本单位的 ${told} 位填报人` : ''}。`), listing(ctx, operators));
}

/** Each operator but the one who made the change (their reply says it) is told, on every chat they use; how many. */
function tellOperators(ctx: TurnContext, operators: Operator[], text: (o: Operator) => string): number {
  const others = operators.filter((o) => o.userId !== ctx.person.userId);
  for (const o of others) for (const chat of o.chats) ctx.push(chat, [say(text(o))]);
  return others.length;
}
