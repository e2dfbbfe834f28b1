import { choicesOf, type LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import { formatDerived, formatMatrix, formatStored, formatTableRows, formatValue, questionTitle, sectionLabel } from '../engine/format.ts';
import type { SectionProgressLine } from '../engine/progress.ts';
import { openRequired, questionsCounted } from '../engine/section-machine.ts';
import { MultiValueSchema, TableValueSchema, type AnswerValue, type Answers, type MatrixValue } from '../engine/values.ts';
import { missingRows } from '../engine/matrix-entry.ts';
import { isRelevant } from '../rules/relevance.ts';
import type { Verdict } from '../rules/thresholds.ts';
import type { EvidenceItem } from '../rules/evidence.ts';
import { say, type Choice, type QuestionView, type SectionRef, type TextView } from './views.ts';
import { prefillOf } from '../engine/assess-answer.ts';
import { lastYearPrompt } from './last-year.ts';
import type { Env } from '../engine/scope.ts';

/** Everything the operator reads about the form: prompts, reviews, progress, verdicts. Chinese throughout. */

const STATUS_MARK: Record<Verdict['status'], string> = { pass: '✅ 满足', fail: '❌ 不满足', unknown: '… 待填写', review: '⚠️ 需审核' };

/** How to answer a text question of a given format (a plain one: its length). */
const TEXT_HINT: Record<string, string> = {
  person: '请输入姓名，例如“张三”。',
  mobile: '请输入 11 位手机号，例如 13800000000。',
  landline: '请输入带区号的座机号码，例如 0311-85001234。',
  phone: '请输入电话号码：手机 11 位，或带区号的座机，例如 0311-85001234。',
  url: '请输入网址，例如 www.example.com。',
  email: '请输入电子邮箱，例如 name@example.com。',
};

function inputHint(loaded: LoadedFlow, q: Question): string {
  switch (q.type) {
    case 'text': return TEXT_HINT[q.format] ?? `请输入文字（不超过 ${q.maxLength} 字）。`;
    case 'integer': return `请输入整数${q.unit ? `（单位：${q.unit}）` : ''}。`;
    case 'amount': return `请输入金额（单位：${q.unit}），可写 1234.5、1,234.5 或 1.2万。`;
    case 'percent': return '请输入 0–100 之间的百分比数字，例如 92.5。';
    case 'area': return '请输入面积（单位：平方米），例如 5200。';
    case 'date': return '请输入日期，例如 2015-06-01。';
    case 'year': return '请输入四位数年份，例如 2023。';
    case 'yesno': return '请回答“是”或“否”。';
    case 'choice': return `请回复序号或名称${q.other ? `；选“${q.other}”时请写明，例如“${q.other}：……”` : ''}。`;
    case 'multi': return `可多选，序号用空格或逗号分开，例如 1 3 5${q.minSelected === 0 ? '；都没有请回复“无”' : ''}。`;
    case 'table': {
      const header = q.columns.map((c) => c.label).join('，');
      return `每行依次写：${header}；多行用分号“；”或换行分开${q.maxRows ? `（最多 ${q.maxRows} 行）` : ''}${q.minRows === 0 ? '；没有请回复“无”' : ''}。`;
    }
    case 'matrix': {
      const cols = q.columns.map((c) => c.label).join('、');
      return `每行写：行名或序号，再依次写${cols}，空格分开；多行用分号“；”或换行分开。行：${choicesOf(loaded, q).map((r, i) => `${i + 1}.${r.label}`).join(' ')}`;
    }
    case 'upload': return '文件可在飞书或 Telegram 中直接发送；现在可回复“稍后上传”继续，此项会列入待补材料清单。';
    case 'derived': return '以上结果是否正确？请回答“是”；如不正确，请回复“修改 题号”更正相关数据。';
  }
}

function choiceButtons(loaded: LoadedFlow, q: Question): Choice[] | undefined {
  if (q.type === 'yesno' || q.type === 'derived') return [{ label: '是', value: '是' }, { label: '否', value: '否' }];
  if (q.type === 'choice' || q.type === 'multi') return choicesOf(loaded, q).map((c, i) => ({ label: c.label, value: String(i + 1) }));
  if (q.type === 'upload') return [{ label: '稍后上传', value: '稍后上传' }];
  return undefined;
}

/** Defined beside questionTitle (the standing of a declaration names its sections too); said here as before. */
export { sectionLabel };


/** Where a section stands among the flow's. */
export function sectionRef(loaded: LoadedFlow, section: Section): SectionRef {
  const sections = loaded.flow.sections;
  return { id: section.id, title: sectionLabel(section), index: sections.indexOf(section) + 1, total: sections.length };
}

/** The question prompt: where we are, the label as in the seed, how to answer, and the current answer when editing. */
export function renderQuestion(
  loaded: LoadedFlow,
  section: Section,
  q: Question,
  answers: Answers,
  scope: Scope,
  env: Env,
  collected?: MatrixValue,
  /** Asked again right after a refusal: the notes were just read, so only the question and how to answer. */
  again = false,
): QuestionView {
  const counted = questionsCounted(loaded, section, scope);
  const index = counted.findIndex((x) => x.id === q.id) + 1;
  const lines = [`【${section.ref.replace(/[【】]/g, '')}、${section.title}】第 ${index}/${counted.length} 题${q.required ? '' : '（选填）'}`];
  const entering = again || (q.type === 'matrix' && collected && Object.keys(collected).length > 0);
  // A section's own note (e.g. what to upload and how to name it) is said when the operator first arrives there;
  // a long one in short, the whole of it on 帮助.
  if (section.intro && index === 1 && !entering && !section.questions.some((x) => answers[x.id])) lines.push(shortIntro(section.intro));
  lines.push(questionTitle(q));
  if (q.type === 'derived') lines.push(`计算结果：${formatDerived(q, scope[q.id] as number | null)}${q.explain ? `（${q.explain}）` : ''}`);
  // While a matrix is being filled row by row, its long help was already shown.
  if (q.help && !entering) lines.push(`说明：${q.help}`);
  // After a refusal the options were just listed (or are not what was wrong): not twice.
  if ((q.type === 'choice' || q.type === 'multi') && !again) {
    lines.push(choicesOf(loaded, q).map((c, i) => `${i + 1}. ${c.label}`).join('\n'));
  }
  const current = answers[q.id] && q.type !== 'derived' ? formatStored(loaded, q, answers[q.id], scope) : undefined;
  if (current !== undefined) lines.push(`当前答案：${current}（回复新答案即可更正，回复“跳过”保留）`);
  const stored = answers[q.id]?.value;
  const view: QuestionView = {
    kind: 'question',
    text: '',
    section: sectionRef(loaded, section),
    position: { index, total: counted.length },
    questionId: q.id,
    ref: q.ref,
    label: q.label,
    help: q.help,
    answerAs: q.type,
    unit: 'unit' in q && typeof q.unit === 'string' ? q.unit : undefined,
    choices: [],
    selected: q.type === 'multi' ? MultiValueSchema.safeParse(stored).data?.values : undefined,
    table: q.type === 'table' ? tableForm(q, stored) : undefined,
    current,
  };
  if (q.type === 'matrix') return { ...view, text: renderMatrixEntry(loaded, q, lines, collected ?? (answers[q.id]?.value as MatrixValue | undefined)) };
  // Last year's answer, where offered, is what 是 takes; the directory's is then shown beside it only when it differs.
  const last = lastYearPrompt(loaded, section, q, answers, scope, env, again);
  const prefilled = last.offered === undefined ? prefillOf(q, env) : undefined;
  if (prefilled && !answers[q.id]) lines.push(`名录登记为：${prefilled}。与名录一致请回复“是”，否则直接输入。`);
  lines.push(...last.lines, inputHint(loaded, q), ...last.tail);
  const buttons = [...last.choices, ...(choiceButtons(loaded, q) ?? [])];
  const choices = prefilled && !answers[q.id] ? [{ label: `是（${prefilled}）`, value: '是' }, ...buttons] : buttons;
  return { ...view, text: lines.join('\n'), choices, current: current ?? last.offered ?? (prefilled && !answers[q.id] ? prefilled : undefined) };
}

/** What a form needs to fill a table: its columns (with units), the rows so far as text, and how many rows it may have. */
function tableForm(q: Extract<Question, { type: 'table' }>, stored: AnswerValue | null | undefined): QuestionView['table'] {
  const rows = TableValueSchema.safeParse(stored).data ?? [];
  return {
    columns: q.columns.map((c) => ({ id: c.id, label: c.label })),
    rows: rows.map((row) => q.columns.map((c) => (row[c.id] === null || row[c.id] === undefined ? '' : typeof row[c.id] === 'boolean' ? (row[c.id] ? '是' : '否') : String(row[c.id])))),
    maxRows: q.maxRows,
  };
}

/** A matrix is filled one row per message; the prompt shows what is in and names the next row. */
function renderMatrixEntry(loaded: LoadedFlow, q: Extract<Question, { type: 'matrix' }>, lines: string[], collected: MatrixValue | undefined): string {
  const missing = missingRows(loaded, q, collected);
  const cols = q.columns.map((c) => c.label).join('、');
  if (collected && Object.keys(collected).length) lines.push('已填写：', ...formatMatrix(loaded, q, collected));
  const next = missing[0];
  if (next) {
    lines.push(`请填写“${next.label}”：${cols}，用空格分开，例如 12 30 150（还有 ${missing.length} 行）。`);
    lines.push('也可以一次写几行，如“创业辅导 5 20 80；人员培训 3 15 60”；剩下的都没有开展可回复“其余为0”。');
  } else {
    lines.push(`要更正某一行，请写行名和${cols}，例如“${choicesOf(loaded, q)[0]?.label} 12 30 150”。`);
  }
  return lines.join('\n');
}

/** A matrix with its totals, shown back before it is saved. */
export function renderMatrixConfirm(loaded: LoadedFlow, q: Question, value: MatrixValue): TextView {
  if (q.type !== 'matrix') return say('');
  const text = [`请核对${q.label}：`, ...formatMatrix(loaded, q, value), '以上是否正确？回复“是”确认，回复“否”重新填写。'].join('\n');
  return say(text, [{ label: '是', value: '是' }, { label: '否', value: '否' }]);
}

/** A small table with rows saved and room for more: what is saved, and how to add a row or finish. */
export function renderMoreRows(q: Question, value: AnswerValue | null | undefined): TextView {
  if (q.type !== 'table') return say('');
  const rows = TableValueSchema.safeParse(value).data ?? [];
  const room = q.maxRows === undefined ? '' : `（最多 ${q.maxRows} 行，还可再加 ${q.maxRows - rows.length} 行）`;
  const text = [
    `${questionTitle(q)} 已记录 ${rows.length} 行${room}：`,
    ...formatTableRows(q, rows),
    `还有吗？直接发送下一行（依次写：${q.columns.map((c) => c.label).join('，')}）；没有了请回复“没有了”，整表重填请回复“返回”。`,
  ].join('\n');
  return say(text, [{ label: '没有了', value: '没有了' }]);
}

/** At most this much of a section's intro is said on arrival; the whole of it comes with 帮助. */
export const INTRO_SHOWN = 160;

function shortIntro(intro: string): string {
  const chars = [...intro];
  if (chars.length <= INTRO_SHOWN) return intro;
  const cut = chars.slice(0, INTRO_SHOWN).join('');
  const sentence = cut.slice(0, Math.max(cut.lastIndexOf('。'), cut.lastIndexOf('；')) + 1) || cut;
  return `${sentence}……（完整说明请回复“帮助”）`;
}

/** Text compared without layout, thousands separators or a trailing unit. */
const bare = (text: string) => text.normalize('NFKC').replace(/[\s,，%]/g, '');

/**
 * What was saved, when it differs from what was typed (a unit converted, 万/亿, a date, a chosen option, yes/no
 * words) or when the parser made a note (an approximate figure): one short line, not the question again.
 */
export function renderEcho(loaded: LoadedFlow, q: Question, value: AnswerValue | null, typed: string | undefined, note?: string): string | null {
  if (typed === undefined || value === null || ['table', 'matrix', 'upload', 'derived'].includes(q.type)) return null;
  const shown = formatValue(loaded, q, value);
  const [t, v] = [bare(typed), bare(shown)];
  const same = v === t || (v.startsWith(t) && /^\D*$/.test(v.slice(t.length)) && /\d$/.test(t));
  if (same && !note) return null;
  const what = `已保存：${q.label} ${shown}${same ? '' : `（您输入：${typed.trim().slice(0, 30)}）`}`;
  return note ? `${what}。${note}` : what;
}

/** A message that arrived while the section waited for 确认. */
export function renderCarryOffer(section: Section, text: string): string {
  const quoted = `“${text.trim().slice(0, 20)}${[...text.trim()].length > 20 ? '…' : ''}”`;
  return `${sectionLabel(section)} 正在等您确认，${quoted}还没有保存。\n回复“是”确认本节，并把${quoted}作为下一个待答题目的答案保存；回复“否”不保存，继续核对本节。`;
}

/** The explanation request after a warning. */
export function renderExplain(warnings: string[]): string {
  return [
    ...warnings.map((w) => `⚠️ ${w}`),
    '如数据无误，请用一两句话写明情况说明（将随答案一并保存，供评审参考）；如要改填，直接回复新的答案。',
  ].join('\n');
}

/** Lines of a review or checklist shown at once: one phone screen. */
const PAGE = 15;

/** Which page of a long list, and the footer that says how to see the rest. */
function paginate<T>(items: T[], page: number | 'all', more: (next: number) => string): { shown: T[]; offset: number; footer?: string } {
  if (page === 'all' || items.length <= PAGE) return { shown: items, offset: 0 };
  const pages = Math.ceil(items.length / PAGE);
  const p = Math.min(Math.max(page, 1), pages);
  const shown = items.slice((p - 1) * PAGE, p * PAGE);
  return { shown, offset: (p - 1) * PAGE, footer: `第 ${p}/${pages} 页${p < pages ? `，${more(p + 1)}` : ''}` };
}

/**
 * A section's answers with their numbers, for the end-of-section review and for “查看”: a summary line, then one page
 * at a time (“查看 2”, or “查看全部”).
 */
export function renderReview(loaded: LoadedFlow, section: Section, answers: Answers, scope: Scope, env: Env, final: boolean, page: number | 'all' = 1): TextView {
  const items = section.questions.filter((q) => isRelevant(loaded, q, scope));
  const open = openRequired(loaded, section, answers, env, scope);
  const lines = [`【${section.ref.replace(/[【】]/g, '')}、${section.title}】答案一览（共 ${items.length} 项${open.length ? `，缺 ${open.length} 项必填` : ''}）：`];
  const { shown, offset, footer } = paginate(items, page, (next) => `回复“查看 ${next}”看下一页，“查看全部”看全部`);
  // Within its own section a title need not repeat the section's name (Hebei: 四、服务成效 …), and a grid already
  // confirmed with its totals is shown by its 合计 line unless the whole list is asked for.
  const own = `${section.ref}、${section.title}`;
  const title = (q: Question) => questionTitle(q).replace(new RegExp(`^${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*`), '');
  const value = (q: Question) => {
    const stored = answers[q.id];
    if (q.type !== 'matrix' || page === 'all' || !stored?.value) return formatStored(loaded, q, stored, scope);
    const rows = formatMatrix(loaded, q, stored.value as MatrixValue);
    return `${rows.length - (q.totals ? 1 : 0)} 行，${q.totals ? rows[rows.length - 1].trim() : '已填写'}（回复“查看全部”看每一行）`;
  };
  shown.forEach((q, i) => lines.push(`${offset + i + 1}. ${title(q)}：${value(q)}`));
  if (footer) lines.push(footer);
  if (open.length) lines.push(`尚未回答的必填项：${open.map((q) => q.ref).join('、')}`);
  if (final) {
    lines.push('请核对。回复“确认”完成本节；要更正请回复“修改 序号”，例如“修改 2”。');
    return say(lines.join('\n'), [{ label: '确认', value: '确认' }]);
  }
  lines.push('要更正请回复“修改 序号”，例如“修改 2”。');
  return say(lines.join('\n'));
}

export type { SectionProgressLine };

/** The sections with their state, who fills each (分工) when assigned, and where the operator is. */
export function renderSections(lines: SectionProgressLine[], currentSectionId: string | null, assignees: Readonly<Record<string, { name: string }>> = {}): TextView {
  const statusText = (l: SectionProgressLine) =>
    l.status === 'done' ? '✅ 已完成' : l.status === 'reopened' ? `需补充 ${l.answered}/${l.total}（答案变化后新增题目）` : l.answered === 0 ? '未开始' : `进行中 ${l.answered}/${l.total}`;
  const assignee = (l: SectionProgressLine) => (assignees[l.section.id] ? `　👤${assignees[l.section.id].name}负责` : '');
  const text = [
    '申报表各部分：',
    ...lines.map((l, i) => `${i + 1}. ${sectionLabel(l.section)}　${statusText(l)}${assignee(l)}${l.section.id === currentSectionId ? '　← 当前' : ''}`),
    '回复“第N节”（例如“第3节”）切换到该部分。',
  ].join('\n');
  return say(text, lines.map((l, i) => ({ label: sectionLabel(l.section), value: `第${i + 1}节` })));
}

export function renderVerdicts(verdicts: Verdict[]): string {
  if (verdicts.length === 0) return '本项目没有数值化的门槛条件。';
  const lines = ['门槛条件判断（须全部满足，一项不满足即不合格）：'];
  for (const v of verdicts) {
    lines.push(`${STATUS_MARK[v.status]}　门槛条件${v.number} ${v.title}`);
    if (v.status === 'fail' || v.status === 'review') lines.push(`　　${v.reason}`);
    if (v.status === 'unknown' && v.missing.length) lines.push(`　　尚缺：${v.missing.slice(0, 3).join('；')}${v.missing.length > 3 ? ' 等' : ''}`);
  }
  return lines.join('\n');
}

/**
 * The evidence checklist: what the documents require, then — apart, so nobody takes them for requirements — what the
 * assistant suggests (建议材料), each with what it supports; a summary line, then one page at a time (“材料 2”).
 */
/** How an evidence item stands, at a glance. */
export const EVIDENCE_MARK: Record<EvidenceItem['status'], string> = { provided: '✅', offline: '📮', not_applicable: '➖', missing: '□' };

export function renderEvidence(items: EvidenceItem[], page = 1): string {
  if (items.length === 0) return '按目前的回答，没有需要准备的证明材料。';
  const required = items.filter((i) => !i.suggested);
  const suggested = items.filter((i) => i.suggested);
  const missing = required.filter((i) => i.status === 'missing');
  const offline = required.filter((i) => i.status === 'offline' || i.status === 'not_applicable');
  const state = (item: EvidenceItem) =>
    item.files ? `，已收 ${item.files} 个文件` : item.status === 'offline' ? '，线下提交' : item.status === 'not_applicable' ? `，不适用：${item.markReason ?? ''}` : '';
  const line = (item: EvidenceItem, n: number) =>
    `${n}. ${EVIDENCE_MARK[item.status]} ${item.title}（${item.requiredBy.slice(0, 3).join('、')}${item.requiredBy.length > 3 ? ' 等' : ''}${state(item)}）`;
  const lines = [
    `申报文件要求的证明材料共 ${required.length} 项，已提供 ${required.length - missing.length - offline.length} 项${offline.length ? `，线下提交或不适用 ${offline.length} 项` : ''}，尚缺 ${missing.length} 项${suggested.length ? `；另有建议材料 ${suggested.length} 项` : ''}（按您的回答筛选；文件可在飞书或 Telegram 中直接发送，发送后选择所属材料）：`,
  ];
  const { shown, offset, footer } = paginate(items, page, (next) => `回复“材料 ${next}”看下一页`);
  shown.forEach((item, i) => {
    const n = offset + i + 1;
    if (item.suggested && (i === 0 || !shown[i - 1].suggested)) {
      lines.push('', '建议材料（申报文件未列明，助手建议准备，用于支撑自评要点，不是必交材料）：');
    }
    lines.push(line(item, n));
  });
  if (footer) lines.push(footer);
  return lines.join('\n');
}

/** What changed in the thresholds because of this message: said at once. */
export function renderVerdictChanges(before: Verdict[], after: Verdict[]): string[] {
  const out: string[] = [];
  for (const v of after) {
    const old = before.find((b) => b.number === v.number);
    if (old?.status === v.status && old.reason === v.reason) continue;
    if (v.status === 'fail') out.push(`❌ ${v.reason.replace(/[。.]$/, "")}。门槛条件须全部满足，请核实数据；如填写有误，可回复“修改”更正。`);
    else if (v.status === 'review') out.push(`⚠️ ${v.reason}`);
    else if (v.status === 'pass' && (old?.status === 'fail' || old?.status === 'review')) out.push(`✅ 门槛条件${v.number}（${v.title}）现已满足。`);
  }
  return out;
}

/**
 * The missing-evidence checklist (清单): per threshold and indicator in the seed's order, what is provided (the files'
 * names), marked (线下提交, 不适用 and why) and missing; the assistant's suggestions last.
 */
export function renderChecklist(items: EvidenceItem[]): string {
  if (items.length === 0) return '按目前的回答，没有需要准备的证明材料。';
  const groups = new Map<string, EvidenceItem[]>();
  for (const item of items) {
    const group = item.suggested ? '建议材料（申报文件未列明，助手建议准备）' : (item.requiredBy[0] ?? '其他');
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  const state = (item: EvidenceItem) => {
    if (item.fileNames.length) return `：${item.fileNames.slice(0, 3).join('、')}${item.fileNames.length > 3 ? ` 等 ${item.fileNames.length} 个文件` : ''}`;
    if (item.status === 'offline') return '：线下提交';
    if (item.status === 'not_applicable') return `：不适用（${item.markReason ?? '未说明原因'}）`;
    if (item.status === 'provided') return '：已上传';
    return '：缺';
  };
  const required = items.filter((i) => !i.suggested);
  const count = (s: EvidenceItem['status']) => required.filter((i) => i.status === s).length;
  const lines = [
    `证明材料清单（按申报文件顺序）：已提供 ${count('provided')} 项，线下提交 ${count('offline')} 项，不适用 ${count('not_applicable')} 项，尚缺 ${count('missing')} 项。`,
  ];
  for (const [group, list] of groups) {
    lines.push('', `【${group}】`);
    for (const item of list) lines.push(`${EVIDENCE_MARK[item.status]} ${item.title}${state(item)}${item.requiredBy.length > 1 && !item.suggested ? `（另见${item.requiredBy.slice(1, 3).join('、')}）` : ''}`);
  }
  if (count('missing')) lines.push('', '缺少的材料：直接发送文件并选择所属项；另行提交的回复“线下提交”，本单位没有的回复“不适用”。');
  return lines.join('\n');
}
