import { Decimal } from 'decimal.js';
import { choicesOf, type LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import { isRelevant } from '../rules/relevance.ts';
import { formatNumber, formatValue } from './format.ts';
import { agreesWithShown } from './confirm-words.ts';
import { normalise, parseAnswer } from './parse-answer.ts';
import type { Env } from './scope.ts';
import { AnswerValueSchema, DecimalString, type AnswerValue, type Answers } from './values.ts';

/**
 * Last year's answers (the organisation's declaration in the programme's previous campaign), as the flow asks for them
 * with `lastYear`: a stable answer offered back for the operator to confirm, never saved without it; a figure shown
 * beside last year's with the change, and a change beyond the flow's limit questioned like any warning. The seeds set
 * no such limit, so it is always said to be the assistant's suggestion.
 */

/** The questions compared as figures. */
const FIGURES = new Set(['integer', 'amount', 'percent', 'area']);

/** Last year's answers as a declaration uses them: the year they were declared for, by this flow's question ids. */
export interface LastYear {
  year: number;
  answers: Record<string, AnswerValue>;
}

/**
 * Last year's declaration as read from the store (answers by that flow's ids), turned into this flow's terms: each
 * question's `lastYear.from` (by default itself), when it was a question of the same type then.
 */
export function lastYearOf(
  loaded: LoadedFlow,
  read: { flowId: string; answers: Record<string, unknown> } | null | undefined,
  flows: ReadonlyMap<string, LoadedFlow>,
): LastYear | undefined {
  if (!read) return undefined;
  const earlier = flows.get(read.flowId);
  const answers: Record<string, AnswerValue> = {};
  for (const q of loaded.questions.values()) {
    if (!q.lastYear) continue;
    const from = q.lastYear.from ?? q.id;
    // A question that changed its kind since (a number then, a choice now) has nothing to offer or compare.
    if (earlier && earlier.questions.get(from)?.type !== q.type) continue;
    const value = AnswerValueSchema.safeParse(read.answers[from]);
    if (!value.success || value.data === null) continue;
    // A figure is compared as a number: anything else stored there (schema drift) is left out, not shown.
    if (FIGURES.has(q.type) && !(typeof value.data === 'number' || DecimalString.safeParse(value.data).success)) continue;
    answers[q.id] = value.data;
  }
  if (Object.keys(answers).length === 0) return undefined;
  return { year: earlier?.flow.year ?? loaded.flow.year - 1, answers };
}

/** A stored value as an operator would type it: what is parsed again when they take it. */
function typedForm(loaded: LoadedFlow, q: Question, value: AnswerValue): string | undefined {
  const label = (v: string) => choicesOf(loaded, q as never).find((c) => c.value === v)?.label ?? v;
  switch (q.type) {
    case 'text':
    case 'date':
    case 'integer':
    case 'year':
    case 'amount':
    case 'percent':
    case 'area':
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    case 'yesno':
      return typeof value === 'boolean' ? (value ? '是' : '否') : undefined;
    case 'choice': {
      const v = value as { value?: unknown; other?: string };
      if (typeof v.value !== 'string') return undefined;
      return v.other ? `${v.value}：${v.other}` : label(v.value);
    }
    case 'multi': {
      const v = value as { values?: unknown; other?: string };
      if (!Array.isArray(v.values)) return undefined;
      return (v.values as string[]).map((x) => (x === q.other && v.other ? `${x}：${v.other}` : label(x))).join('、') || '无';
    }
    case 'table': {
      if (!Array.isArray(value)) return undefined;
      const cell = (c: unknown) => (c === null || c === undefined ? '' : typeof c === 'boolean' ? (c ? '是' : '否') : String(c));
      return value.map((row) => q.columns.map((c) => cell((row as Record<string, unknown>)[c.id])).join('，')).join('；') || '无';
    }
    default:
      return undefined;
  }
}

/** Last year's answer to a stable question, as offered: the value it gives this year, how it is typed, how it reads. */
export interface LastYearOffer {
  value: AnswerValue;
  typed: string;
  shown: string;
}

/**
 * What a stable (`carry`) question offers from last year. Offered only when it reads as a valid answer to this year's
 * question: what the operator takes is parsed as if typed, so it meets this year's rules like any answer.
 */
export function lastYearOffer(loaded: LoadedFlow, q: Question, env: Env): LastYearOffer | undefined {
  const value = q.lastYear?.carry ? env.lastYear?.answers[q.id] : undefined;
  if (value === undefined) return undefined;
  const typed = typedForm(loaded, q, value);
  const parsed = typed === undefined ? undefined : parseAnswer(q, typed, loaded, env.today);
  if (!parsed?.ok) return undefined;
  return { value: parsed.value, typed: typed!, shown: formatValue(loaded, q, parsed.value) };
}

/** Words that take last year's answer, always. */
const TAKE = /^(沿用|沿用上年|沿用去年|沿用上年答案|同上年|同去年|与上年相同|与上年一致|和上年一样|跟上年一样|和去年一样|没变|没有变|没有变化|无变化|不变)$/;

/**
 * Last year's answer, when `input` takes it. Once the question has an answer this year only 沿用 and its like do: a
 * bare 是 then no longer stands for last year's, which is not on the screen.
 */
export function takenFromLastYear(loaded: LoadedFlow, q: Question, input: string, env: Env, answered = false): LastYearOffer | undefined {
  const t = normalise(input).replace(/[。.!！]+$/, '');
  // 是, 对, 确认 … take it only where they could not be an answer themselves (not to a yes/no question).
  if (!TAKE.test(t) && (answered || q.type === 'yesno' || !agreesWithShown(input))) return undefined;
  return lastYearOffer(loaded, q, env);
}

/** The stable questions of a section still to answer that last year's answers can fill, in order. */
export function pendingOffers(loaded: LoadedFlow, section: Section, answers: Answers, scope: Scope, env: Env): { question: Question; offer: LastYearOffer }[] {
  if (!env.lastYear) return [];
  return section.questions.flatMap((question) => {
    if (!question.lastYear?.carry || answers[question.id] || !isRelevant(loaded, question, scope)) return [];
    const offer = lastYearOffer(loaded, question, env);
    return offer ? [{ question, offer }] : [];
  });
}

/** A figure's name without the unit the label carries and without the year (the change spans two years). */
const figureName = (q: Question) => q.label.replace(/^\d{4}年度?/, '').replace(/（[^（）]{1,4}）$/, '');

const unitOf = (q: Question) => (q.type === 'amount' ? q.unit : q.type === 'area' ? '平方米' : q.type === 'integer' ? (q.unit ?? '') : '');

/** A change of a share: in percentage points. */
const points = (d: Decimal) => `${d.isNegative() ? '-' : '+'}${formatNumber(d.abs().toDecimalPlaces(2).toString())} 个百分点`;

/** A relative change: to the percent, with one decimal below 10 %. */
function percent(d: Decimal): string {
  const abs = d.abs();
  const shown = abs.toDecimalPlaces(abs.lessThan(10) ? 1 : 0).toString();
  return `${d.isNegative() ? '-' : '+'}${formatNumber(shown)}%`;
}

/** A figure compared with last year's. */
export interface YearOnYear {
  /** “营业收入 3,200 → 4,100 万元，+28%” */
  text: string;
  /** Said when the change is beyond the flow's limit: last year's, this year's, the change, and whose limit it is. */
  beyond?: string;
}

/**
 * A figure (`compare` or `change`) against last year's answer, formatted as the operator reads it; undefined for
 * anything else, or when last year has no figure to compare with.
 */
export function yearOnYear(q: Question, value: AnswerValue | null | undefined, env: Env): YearOnYear | undefined {
  const rule = q.lastYear;
  const before = env.lastYear?.answers[q.id];
  if (!rule || !(rule.compare || rule.change !== undefined) || !FIGURES.has(q.type) || value === null || value === undefined || before === undefined) return undefined;
  if ((typeof before !== 'number' && typeof before !== 'string') || (typeof value !== 'number' && typeof value !== 'string')) return undefined;
  let old: Decimal, now: Decimal;
  try {
    [old, now] = [new Decimal(before), new Decimal(value)];
  } catch {
    return undefined;
  }
  const share = q.type === 'percent';
  const figures = share ? `${formatNumber(old.toString())}% → ${formatNumber(now.toString())}%` : `${formatNumber(old.toString())} → ${formatNumber(now.toString())}${unitOf(q) ? ` ${unitOf(q)}` : ''}`;
  const diff = now.minus(old);
  // From nothing a relative change says nothing: the two figures are shown alone.
  const change = diff.isZero() ? '持平' : share ? points(diff) : old.isZero() ? '上年为 0' : percent(diff.div(old.abs()).times(100));
  const text = `${figureName(q)} ${figures}，${change}`;
  if (rule.change === undefined || diff.isZero() || (!share && old.isZero())) return { text };
  const limit = new Decimal(rule.change);
  const exceeds = share ? diff.abs().greaterThan(limit.times(100)) : diff.abs().greaterThan(limit.times(old.abs()));
  if (!exceeds) return { text };
  const range = share ? `±${formatNumber(limit.times(100).toString())} 个百分点` : `±${formatNumber(limit.times(100).toString())}%`;
  const year = env.lastYear!.year;
  return {
    text,
    beyond: `与上年（${year}年度申报）相比变化较大：${text}，超出 ${range}。${range} 是助手建议的核对幅度，不是申报文件的要求，请核对数据。`,
  };
}
