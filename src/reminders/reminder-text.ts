import type { Standing } from '../rules/standing.ts';
import { STAGE_LABEL, isBehind } from '../rules/standing.ts';
import { whenText } from '../bot/deadline-text.ts';

/**
 * What a reminder says: to an organisation's operators, exactly what is still missing in their declaration; to a
 * coordinator, the organisations of theirs that are behind. Pure text from a standing, so a test reads what a person
 * would read.
 */

/** How many items a list shows before “等 N 项”: a reminder read on a phone stays short. */
const LISTED = 5;

/** Items joined by `separator` (；for titles that hold 、 themselves), the first few and a count beyond them. */
function listed(items: string[], unit = '项', separator = '、'): string {
  return items.length <= LISTED ? items.join(separator) : `${items.slice(0, LISTED).join(separator)}${separator === '、' ? '' : separator}等 ${items.length} ${unit}`;
}

/** Who is responsible for a section (section assignments), when someone is. */
export type SectionOwners = ReadonlyMap<string, string>;

export interface OperatorReminderInput {
  standing: Standing;
  programme: string;
  deadline: string;
  daysLeft: number;
  /** A coordinator who asked for this reminder now, if one did. */
  requestedBy?: string | null;
  owners?: SectionOwners;
}

/** The reminder to an organisation's operators: what is left, section by section, threshold by threshold. */
export function operatorReminder(input: OperatorReminderInput): string {
  const { standing: s, programme, deadline, daysLeft } = input;
  const head = `⏰ 申报提醒：“${s.unit}”的${programme}申报${whenText(deadline, daysLeft)}。`;
  const lines = [input.requestedBy ? `${head}（协调人${input.requestedBy}提醒）` : head];
  if (s.stage === 'not_started') {
    lines.push('目前还没有开始填报。回复“开始”，按部分逐项回答即可，随时可以中断，下次接着填。');
    return lines.join('\n');
  }
  if (s.stage === 'returned') lines.push('申报已被协调人退回，请按退回意见修改后回复“提交审核”。');
  if (s.openSections.length) {
    const sections = s.openSections.map((o) => (input.owners?.get(o.id) ? `${o.label}（${input.owners.get(o.id)}负责）` : o.label));
    lines.push(`还没完成的部分（${s.sectionsDone}/${s.sectionsTotal} 已完成）：${listed(sections, '个部分')}。`);
  }
  if (s.failing.length) lines.push(`门槛条件暂未达到：${listed(s.failing.map((f) => f.title), '条')}。请核对相关答案，确不达标的需写明情况说明。`);
  // While sections are open the list of evidence is long and still changing with the answers: a count is enough.
  if (s.missingEvidence.length && s.openSections.length) lines.push(`证明材料还缺 ${s.missingEvidence.length} 项，可边填边发送。`);
  else if (s.missingEvidence.length) lines.push(`还缺证明材料 ${s.missingEvidence.length} 项：${listed(s.missingEvidence.map((e) => e.title), '项', '；')}。`);
  if (!s.openSections.length && !s.failing.length && !s.missingEvidence.length && s.stage !== 'returned') lines.push('各部分均已填完，请检查后回复“提交审核”。');
  lines.push('回复“进度”查看完成情况，“清单”查看缺少的材料。');
  return lines.join('\n');
}

/** What a listing says of one organisation behind. */
export function behindLine(s: Standing, hasOperators: boolean): string {
  const stage = STAGE_LABEL[s.stage];
  const details: string[] = [];
  if (s.stage === 'not_started' && !hasOperators) details.push('尚未绑定填报人');
  if (s.openSections.length && s.stage !== 'not_started') {
    details.push(s.openSections.length <= 4 ? `未完成 ${s.openSections.map((o) => o.label.match(/^【[^】]+】/)?.[0] ?? o.label).join('')}` : `${s.openSections.length}/${s.sectionsTotal} 个部分未完成`);
  }
  if (s.failing.length) details.push(`${s.failing.length} 条门槛未达到`);
  // Missing evidence is news once the sections are done; before that nearly everything is missing.
  if (s.missingEvidence.length && s.openSections.length === 0) details.push(`缺材料 ${s.missingEvidence.length} 项`);
  return `${s.unit} — ${stage}${details.length ? `：${details.join('；')}` : ''}`;
}

/** How many organisations a digest names before “另有 N 家”. */
const DIGEST_LISTED = 20;

export interface DigestInput {
  programme: string;
  deadline: string;
  daysLeft: number;
  /** Every organisation of the campaign in the coordinator's reach. */
  standings: Standing[];
  /** Directory numbers of the organisations that have at least one operator. */
  withOperators: ReadonlySet<number>;
}

/** A coordinator's daily digest: the organisations behind, the most behind first. */
export function digest(input: DigestInput): string {
  const behind = input.standings.filter(isBehind);
  const order: Standing['stage'][] = ['not_started', 'returned', 'in_progress', 'failing', 'missing_evidence'];
  behind.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage) || a.sectionsDone / (a.sectionsTotal || 1) - b.sectionsDone / (b.sectionsTotal || 1) || a.seq - b.seq);
  const waiting = input.standings.filter((s) => s.stage === 'submitted').length;
  const lines = [
    `📋 每日进度 · ${input.programme}，${whenText(input.deadline, input.daysLeft)}`,
    `您负责的 ${input.standings.length} 家单位中，${behind.length} 家尚未完成${waiting ? `，${waiting} 家待您审核（回复“待审核”）` : ''}：`,
    ...behind.slice(0, DIGEST_LISTED).map((s, i) => `${i + 1}. ${behindLine(s, input.withOperators.has(s.seq))}`),
  ];
  if (behind.length > DIGEST_LISTED) lines.push(`……另有 ${behind.length - DIGEST_LISTED} 家，回复“进度汇总”查看全部。`);
  if (behind.some((s) => s.stage === 'not_started' && !input.withOperators.has(s.seq))) lines.push('尚未绑定填报人的单位：发“邀请码 单位名”生成邀请码，转给该单位。');
  lines.push('回复“提醒 单位名”立即提醒某家单位，“进度汇总”查看统计。');
  return lines.join('\n');
}
