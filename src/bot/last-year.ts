import type { LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import { lastYearOffer, pendingOffers, takenFromLastYear, yearOnYear } from '../engine/last-year.ts';
import { prefillOf } from '../engine/assess-answer.ts';
import type { Env } from '../engine/scope.ts';
import type { AnswerValue, Answers } from '../engine/values.ts';
import type { Choice } from './views.ts';
import { formatValue } from '../engine/format.ts';

/** What the operator reads about last year's answers: the offer with a question, the echo of a figure, the welcome. */

/** The word a button for last year's answer sends, and the word that takes a whole section's. */
export const TAKE_LAST_YEAR = '沿用';
export const TAKE_ALL = '全部沿用';

const short = (text: string, max = 16) => ([...text].length > max ? `${[...text].slice(0, max).join('')}…` : text);

/** What a question's prompt adds: lines before the input hint, lines after it, and buttons to put first. */
export interface LastYearPrompt {
  lines: string[];
  tail: string[];
  choices: Choice[];
  /** Last year's answer as shown, when it is offered (then it, not the directory's value, is what 是 takes). */
  offered?: string;
}

/**
 * A stable question unanswered this year shows last year's answer with a button to take it (a yes/no question keeps
 * its own 是/否: there 是 is an answer, and 沿用 takes last year's). Where the directory says something else, both are
 * shown. When the operator arrives at a section none of whose questions is answered yet, the section's offers are
 * listed together with one button that takes them all — each shown, none saved before the operator says so.
 */
export function lastYearPrompt(loaded: LoadedFlow, section: Section, q: Question, answers: Answers, scope: Scope, env: Env, again: boolean): LastYearPrompt {
  const out: LastYearPrompt = { lines: [], tail: [], choices: [] };
  if (!env.lastYear) return out;
  const year = env.lastYear.year;
  const offer = answers[q.id] ? undefined : lastYearOffer(loaded, q, env);
  if (offer) {
    out.offered = offer.shown;
    if (q.type === 'yesno') out.lines.push(`上年（${year}年度）申报：${offer.shown}。请按今年的情况回答“是”或“否”；与上年相同也可回复“${TAKE_LAST_YEAR}”。`);
    else {
      out.lines.push(`上年（${year}年度）申报：${offer.shown}\n没有变化请回复“是”或“${TAKE_LAST_YEAR}”；有变化请直接输入新的答案。`);
      out.choices.push({ label: `沿用上年：${short(offer.shown)}`, value: TAKE_LAST_YEAR });
    }
    const directory = prefillOf(q, env);
    if (directory !== undefined && directory !== offer.shown) {
      out.lines.push(`名录登记为：${directory}，与上年申报不同；采用名录请回复“同名录”。`);
      out.choices.push({ label: `同名录：${short(directory)}`, value: '同名录' });
    }
  }
  // A figure to compare is shown with last year's before it is typed: what the echo will compare it with.
  const before = !offer && !answers[q.id] && (q.lastYear?.compare || q.lastYear?.change !== undefined) ? env.lastYear.answers[q.id] : undefined;
  if (before !== undefined) out.lines.push(`上年（${year}年度）申报：${formatValue(loaded, q, before)}，供对照。`);
  const offers = pendingOffers(loaded, section, answers, scope, env);
  if (!again && offers.length >= 2 && !section.questions.some((x) => answers[x.id])) {
    out.tail.push(
      `本部分有 ${offers.length} 项可沿用上年（${year}年度）的答案：`,
      ...offers.map(({ question, offer: o }) => `· ${question.label}：${short(o.shown, 40)}`),
      `都没有变化请回复“${TAKE_ALL}”，一次保存这 ${offers.length} 项；有变化的逐题回答即可。`,
    );
    out.choices.push({ label: `${TAKE_ALL}（${offers.length} 项）`, value: TAKE_ALL });
  }
  return out;
}

/**
 * The line said for a saved answer that involves last year: taken from last year, or a figure with last year's and
 * the change (营业收入 3,200 → 4,100 万元，+28%); undefined when last year has nothing to say about it.
 */
export function lastYearEcho(loaded: LoadedFlow, q: Question, saved: { value: AnswerValue | null; typed?: string; note?: string; parserNote?: string }, env: Env): string | undefined {
  if (!env.lastYear || saved.value === null) return undefined;
  const taken = saved.typed === undefined ? undefined : takenFromLastYear(loaded, q, saved.typed, env);
  if (taken && JSON.stringify(taken.value) === JSON.stringify(saved.value)) return `已沿用上年：${q.label} ${taken.shown}`;
  const change = yearOnYear(q, saved.value, env);
  if (!change) return undefined;
  const head = saved.note ? '已记录答案和情况说明' : '已保存';
  return `${head}。与上年相比：${change.text}${saved.parserNote ? `。${saved.parserNote}` : ''}`;
}

/** Said once when a declaration is first opened and the organisation declared the programme before. */
export function lastYearWelcome(loaded: LoadedFlow, env: Env): string | undefined {
  if (!env.lastYear) return undefined;
  const questions = [...loaded.questions.values()];
  const stable = questions.filter((q) => lastYearOffer(loaded, q, env)).length;
  const figures = questions.filter((q) => (q.lastYear?.compare || q.lastYear?.change !== undefined) && env.lastYear!.answers[q.id] !== undefined).length;
  if (!stable && !figures) return undefined;
  const parts = [
    stable ? `单位名称、注册时间、法定代表人等 ${stable} 项不常变的答案会显示上年的，没有变化回复“是”即可沿用` : '',
    figures ? '主要数字会与上年对比，变化较大的请写一两句情况说明' : '',
  ].filter(Boolean);
  return `贵单位已申报过${env.lastYear.year}年度：${parts.join('；')}。`;
}
