import { monthDay, whenText } from './deadline-text.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import { shortTimeInChina } from '../engine/today.ts';
import { isBehind, readyToSubmit, STAGES, STAGE_LABEL, type Stage, type Standing } from '../rules/standing.ts';
import { BEHIND_WORD, filterWords, type StageFilter, type SummaryFilter } from './summary-filter.ts';
import { programmeKey } from './programme-words.ts';
import { say, type Choice, type TextView } from './views.ts';

/**
 * 进度汇总 as a coordinator or staff member reads it on a phone: counts by programme, stage and district, the
 * organisations behind and the thresholds most often failing, each count a button listing those organisations; a
 * listing page by page; one organisation in detail. Every reply stays under MAX_CHARS.
 */

/** What a reply may run to: a screen or two on a phone, one Telegram message, one Feishu card. */
export const MAX_CHARS = 1500;
/** Organisations per listing page. */
export const PAGE_SIZE = 10;
/** Districts counted by name before 其他. */
const TOP_DISTRICTS = 5;
/** Districts offered as buttons (the rest are typed): the keyboard stays a few rows on a phone. */
const DISTRICT_BUTTONS = 3;
/** Thresholds named as most often failing. */
const TOP_THRESHOLDS = 3;

export interface CampaignInfo { name: string; deadline: string; daysLeft: number }

/** One programme's organisations in reach and filter, with its open campaign if any. */
export interface ProgrammeStandings { loaded: LoadedFlow; campaign: CampaignInfo | null; standings: Standing[] }

const COMMAND = '进度汇总';

/** “北京市小型微型企业创业创新示范基地 2023年度”: the programme as the flow names it, short enough for a line. */
export const programmeName = (loaded: LoadedFlow) => `${loaded.flow.programme} ${loaded.flow.year}年度`;

const when = (iso: string) => shortTimeInChina(new Date(iso));

function campaignLine(c: CampaignInfo): string {
  return `申报活动“${c.name}”${whenText(c.deadline, c.daysLeft)}`;
}

/** Sections by their numbers only, as a listing line has room for: “【二】【三】”, or “二、三” where the form numbers plainly. */
function sectionHeads(labels: string[]): string {
  const bracketed = labels.map((l) => l.match(/^【[^】]+】/)?.[0]);
  return bracketed.every(Boolean) ? bracketed.join('') : labels.map((l) => l.split('、')[0]).join('、');
}

/** What is open for one organisation, in a few words (its stage said by the caller where needed). */
export function standingDetail(s: Standing): string {
  switch (s.stage) {
    case 'not_started':
      return s.declarationId ? '已打开，尚未作答' : '尚未打开申报';
    case 'in_progress':
      if (readyToSubmit(s)) return '已填完，未提交审核';
      return `已完成 ${s.sectionsDone}/${s.sectionsTotal} 部分，未完成${sectionHeads(s.openSections.map((o) => o.label))}`;
    case 'missing_evidence':
      return `缺证明材料 ${s.missingEvidence.length} 项`;
    case 'failing':
      return s.failing.map((f) => f.title).join('；');
    case 'submitted':
      return s.review ? `${when(s.review.at)} 提交审核` : '已提交审核';
    case 'returned': {
      const reasons = s.review?.reasons ?? [];
      const first = reasons[0] ? `“${reasons[0].question ? `${reasons[0].question} ` : ''}${reasons[0].text}”${reasons.length > 1 ? `等 ${reasons.length} 条` : ''}` : '';
      return `退回意见${first}${s.review ? `（${when(s.review.at)}）` : ''}`;
    }
    case 'confirmed':
      return s.review ? `${when(s.review.at)} 审核确认` : '已审核确认';
  }
}

const where = (s: Standing, programme?: string) => {
  const parts = [s.district, programme].filter(Boolean);
  return parts.length ? `（${parts.join(' · ')}）` : '';
};
/** A listing's line: the unit, its district, its stage (unless the listing is of one stage) and what is open. */
const line = (s: Standing, i: number, withStage: boolean, programme?: string) =>
  `${i}. ${s.unit}${where(s, programme)}${withStage ? ` · ${STAGE_LABEL[s.stage]}` : ''}：${standingDetail(s)}`;

/** The most behind first: returned (someone waits on a fix), failing, missing evidence, unfinished, not begun. */
const URGENCY: Stage[] = ['returned', 'failing', 'missing_evidence', 'in_progress', 'not_started', 'submitted', 'confirmed'];
const byUrgency = (a: Standing, b: Standing) => URGENCY.indexOf(a.stage) - URGENCY.indexOf(b.stage);

/** Lines added while they fit in what is left of the budget; how many fitted. */
function addFitting(out: string[], lines: string[], budget: number): number {
  let used = out.join('\n').length;
  let n = 0;
  for (const l of lines) {
    if (used + l.length + 1 > budget) break;
    out.push(l);
    used += l.length + 1;
    n++;
  }
  return n;
}

function count<K>(items: Standing[], key: (s: Standing) => K): Map<K, number> {
  const out = new Map<K, number>();
  for (const s of items) out.set(key(s), (out.get(key(s)) ?? 0) + 1);
  return out;
}

function stageCounts(standings: Standing[]): string {
  const by = count(standings, (s) => s.stage);
  return STAGES.filter((s) => by.get(s)).map((s) => `${STAGE_LABEL[s]} ${by.get(s)}`).join(' · ') || '无';
}

/** The heading naming what the reply is about: the filter's district and programme. */
function scopeWords(filter: SummaryFilter, groups: ProgrammeStandings[]): string {
  const parts = [filter.district, groups.length === 1 ? programmeName(groups[0].loaded) : filter.programmeWords.join(' ')].filter(Boolean);
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

/** The counts: per programme by stage, by district, the organisations behind, the thresholds most often failing. */
export function summaryView(groups: ProgrammeStandings[], filter: SummaryFilter, today: string): TextView {
  const all = groups.flatMap((g) => g.standings);
  // Buttons and hints say the filter as typed, narrowed by one more word: within the same reach, the same organisations.
  const command = (f: Parameters<typeof filterWords>[0]) => `${COMMAND} ${filterWords({ programmeWords: filter.programmeWords, district: filter.district, ...f })}`.trim();
  const out = [`📊 进度汇总${scopeWords(filter, groups)}（${monthDay(today)}）`];
  if (all.length === 0) return say(`${out[0]}\n没有符合条件的单位（您负责的范围内）。发送“进度汇总”查看全部。`);
  for (const g of groups) {
    if (groups.length > 1) out.push(`【${programmeName(g.loaded)}】共 ${g.standings.length} 家`);
    else out.push(`共 ${g.standings.length} 家`);
    if (g.campaign) out.push(campaignLine(g.campaign));
    out.push(`阶段：${stageCounts(g.standings)}`);
  }
  const districts = [...count(all, (s) => s.district ?? '未注明')].sort((a, b) => b[1] - a[1]);
  const behindIn = count(all.filter(isBehind), (s) => s.district ?? '未注明');
  if (!filter.district && districts.length > 1) {
    const shown = districts.slice(0, TOP_DISTRICTS).map(([d, n]) => `${d} ${n}（未完成 ${behindIn.get(d) ?? 0}）`);
    const others = districts.slice(TOP_DISTRICTS).reduce((a, [, n]) => a + n, 0);
    out.push(`按地区：${shown.join(' · ')}${others ? ` · 其他 ${others}` : ''}`);
  }
  const failingCounts = new Map<string, number>();
  for (const s of all) for (const f of s.failing) failingCounts.set(f.title, (failingCounts.get(f.title) ?? 0) + 1);
  const failing = [...failingCounts].sort((a, b) => b[1] - a[1]).slice(0, TOP_THRESHOLDS);
  const tail = [
    ...(failing.length ? [`最常不达标的门槛条件：${failing.map(([t, n]) => `${t}（${n} 家）`).join('；')}`] : []),
    '点按钮查看名单；也可发送“进度汇总 海淀区”“进度汇总 已退回”“进度汇总 单位名”，“导出全部”领取总览表。',
  ];
  const behind = all.filter(isBehind).sort(byUrgency);
  if (behind.length) {
    out.push(`未完成的单位（共 ${behind.length} 家）：`);
    const budget = MAX_CHARS - tail.join('\n').length - 30;
    const listed = addFitting(out, behind.slice(0, PAGE_SIZE).map((s, i) => line(s, i + 1, true)), budget);
    if (listed < behind.length) out.push(`……其余 ${behind.length - listed} 家：发送“${command({ stage: 'behind' })}”`);
  }
  out.push(...tail);

  const choices: Choice[] = [];
  const stages = count(all, (s) => s.stage);
  for (const s of STAGES) if (stages.get(s)) choices.push({ label: `${STAGE_LABEL[s]} ${stages.get(s)}`, value: command({ stage: s }) });
  if (behind.length) choices.push({ label: `${BEHIND_WORD} ${behind.length}`, value: command({ stage: 'behind' }) });
  if (groups.length > 1) for (const g of groups) choices.push({ label: `${programmeName(g.loaded)} ${g.standings.length}`, value: `${COMMAND} ${filterWords({ programmeWords: [programmeKey(g.loaded)], district: filter.district })}` });
  if (!filter.district && districts.length > 1) {
    for (const [d, n] of districts.slice(0, DISTRICT_BUTTONS)) choices.push({ label: `${d} ${n}`, value: command({ district: d }) });
  }
  return say(out.join('\n'), choices);
}

/** The organisations of one stage (or all behind), a page at a time. */
export function listView(groups: ProgrammeStandings[], filter: SummaryFilter & { stage: StageFilter }): TextView {
  const words = (page: number, stage: StageFilter | null = filter.stage) =>
    `${COMMAND} ${filterWords({ programmeWords: filter.programmeWords, district: filter.district, stage, page })}`.trim();
  const label = filter.stage === 'behind' ? BEHIND_WORD : STAGE_LABEL[filter.stage];
  const matching = groups.flatMap((g) => g.standings).filter((s) => (filter.stage === 'behind' ? isBehind(s) : s.stage === filter.stage)).sort(byUrgency);
  const head = `📋 ${label}${scopeWords(filter, groups)}：共 ${matching.length} 家`;
  if (matching.length === 0) return say(`${head}。`, [{ label: '返回汇总', value: words(1, null) }]);
  const pages = Math.ceil(matching.length / PAGE_SIZE);
  const page = Math.min(filter.page, pages);
  const out = [head];
  const from = (page - 1) * PAGE_SIZE;
  const shown = matching.slice(from, from + PAGE_SIZE).map((s, i) => line(s, from + i + 1, filter.stage === 'behind'));
  const tail = `第 ${page}/${pages} 页。${page < pages ? `发送“${words(page + 1)}”看下一页；` : ''}发送“进度汇总 单位名”看某家单位的详情。`;
  const fitted = addFitting(out, shown, MAX_CHARS - tail.length - 1);
  if (fitted < shown.length) out.push(`……本页其余 ${shown.length - fitted} 家未列出（名称过长），请用“导出全部”查看。`);
  out.push(tail);
  const choices: Choice[] = [];
  if (page > 1) choices.push({ label: '上一页', value: words(page - 1) });
  if (page < pages) choices.push({ label: '下一页', value: words(page + 1) });
  choices.push({ label: '返回汇总', value: words(1, null) });
  return say(out.join('\n'), choices);
}

/** One organisation in full: stage, progress, what is open, the review. */
export function detailView(s: Standing, loaded: LoadedFlow): TextView {
  const out = [
    `🏢 ${s.unit}${where(s)}`,
    `${programmeName(loaded)} · 名录序号 ${s.seq}`,
    `阶段：${STAGE_LABEL[s.stage]}${readyToSubmit(s) ? '（已填完，未提交审核）' : ''}`,
    `已完成 ${s.sectionsDone}/${s.sectionsTotal} 个部分，已回答 ${s.answered}/${s.questionsTotal} 题${s.lastActivity ? `；最近活动 ${when(s.lastActivity)}` : ''}`,
  ];
  if (s.stage === 'not_started') {
    // Everything is open before anything is answered: the counts say it, a list of it all would not.
    out.push(`${s.declarationId ? '已打开申报，尚未作答' : '尚未打开申报'}：${s.sectionsTotal} 个部分待填写，${s.missingEvidence.length} 项证明材料待准备。`);
  } else {
    if (s.openSections.length) out.push(`未完成的部分：${s.openSections.map((o) => o.label).join('、')}`);
    if (s.failing.length) out.push(`不达标的门槛条件：${s.failing.map((f) => f.title).join('；')}`);
  }
  if (s.missingEvidence.length && s.stage !== 'not_started') {
    const shown = s.missingEvidence.slice(0, 6).map((e) => e.title);
    out.push(`缺少证明材料 ${s.missingEvidence.length} 项：${shown.join('、')}${s.missingEvidence.length > shown.length ? ' 等' : ''}`);
  }
  if (s.review) {
    const by = s.review.by ? `由${s.review.by}` : '';
    const action = { submitted: '提交审核', returned: '退回', confirmed: '审核确认' }[s.review.action];
    out.push(`审核：${when(s.review.at)} ${by}${action}${s.review.action === 'returned' ? '，意见：' : ''}`);
    if (s.review.action === 'returned') for (const r of s.review.reasons) out.push(`• ${r.question ? `${r.question}：` : ''}${r.text}`);
  }
  out.push('要打开这份申报查看或审核：发送“切换单位”，再发送单位名称。');
  let text = out.join('\n');
  if (text.length > MAX_CHARS) text = `${text.slice(0, MAX_CHARS - 1)}…`;
  return say(text);
}

/** Several organisations answer to the words: each in a line, to be narrowed. */
export function matchesView(words: string, found: { standing: Standing; loaded: LoadedFlow }[], total: number): TextView {
  const out = [`“${words}”对应 ${total} 家单位${total > found.length ? `，列出前 ${found.length} 家` : ''}：`];
  const tail = '请写得更完整些（或加上区、“基地”“平台”等）看某一家的详情。';
  addFitting(out, found.map(({ standing, loaded }, i) => line(standing, i + 1, true, loaded.flow.programme)), MAX_CHARS - tail.length - 1);
  out.push(tail);
  return say(out.join('\n'));
}
