import { Decimal } from 'decimal.js';
import type { Column, Question } from '../flow/schema.ts';
import { choicesOf, type LoadedFlow, type NormalChoice } from '../flow/loader.ts';
import type { AnswerValue, ChoiceValue, MultiValue, TableValue } from './values.ts';

/**
 * Turning what an operator typed into a stored value, per question type. Every refusal says, in Chinese,
 * what was wrong and what to send instead.
 */

/**
 * A parsed answer, or why it was refused. `note` is what the operator should know about how the answer was read
 * (an approximate figure saved as exact), said with the saved value.
 */
export type Parsed<T = AnswerValue> = { ok: true; value: T; note?: string } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** Full-width digits and punctuation to ASCII, spaces trimmed. */
export function normalise(text: string): string {
  return text.normalize('NFKC').replace(/[\u200b\ufeff]/g, '').trim();
}

const COUNT_UNITS = ['家', '个', '人', '件', '次', '项', '名', '位', '户', '所', '年', '人次', '家次', '台', '套', '台/套', '台套', '场', '篇', '份', '款', '条', '期', '批', '门'];
const AREA_UNITS = ['平方米', '平米', '㎡', 'm2', 'm²', '平'];

const quoted = (text: string) => `“${text.length > 20 ? text.slice(0, 20) + '…' : text}”`;

/** Words around a number that make it approximate: 约120, 120左右, 120多家. */
const APPROX_BEFORE = /^(约|大约|大概|差不多|将近|接近|近)/;
const APPROX_AFTER = /(左右|上下|以上|出头)$/;
const NUMBER = /[+\-−–—]?\d+(?:,\d{3})*(?:\.\d+)?/g;

interface Quantity { value: Decimal; unit: string; approximate: boolean }

/**
 * One number as people write it, with whatever follows it (its unit): 约120, 120家左右, 1.2万, 3,500万元. A message with
 * several numbers is refused rather than glued together (“120 40” is not 12040).
 */
function readQuantity(raw: string, what: string, example: string, allowNegative = false): Parsed<Quantity> {
  // ㎡ reads as “m2” once normalised: said as 平方米 before the digits are counted.
  let text = normalise(raw).replace(/[。!！]+$/, '').replace(/^[¥￥]/, '').replace(/m[2²]$/i, '平方米').trim();
  let approximate = false;
  if (APPROX_BEFORE.test(text)) {
    text = text.replace(APPROX_BEFORE, '').trim();
    approximate = true;
  }
  const numbers = [...text.matchAll(NUMBER)];
  if (numbers.length === 0) return fail(`${quoted(raw)}不是有效的数字。请只输入阿拉伯数字，例如 ${example}。`);
  if (numbers.length > 1) {
    return fail(`请一次只填一个数：您发送了 ${numbers.map((n) => n[0]).join(' 和 ')}。本题只需要一个数，例如 ${example}。`);
  }
  const [token] = numbers;
  if (text.slice(0, token.index).trim() !== '') return fail(`${quoted(raw)}不是有效的数字。请只输入阿拉伯数字，例如 ${example}。`);
  let unit = text.slice(token.index! + token[0].length).trim();
  if (/^[多余]/.test(unit) || APPROX_AFTER.test(unit)) {
    unit = unit.replace(/^[多余]/, '').replace(APPROX_AFTER, '').trim();
    approximate = true;
  }
  const digits = token[0].replaceAll(',', '').replace(/^[−–—]/, '-');
  if (digits.startsWith('-') && !allowNegative) return fail(`${what}不能为负数，您填写的是${quoted(raw)}。请输入 0 或正数，例如 ${example}。`);
  return ok({ value: new Decimal(digits), unit, approximate });
}

/** Said with a value read from an approximate figure. */
const approximateNote = (shown: string) => `您写的是约数，已按 ${shown} 保存；填报系统需要准确数字，核实后可回复“修改”更正。`;
const withNote = <T>(parsed: Parsed<T>, note: string | undefined): Parsed<T> => (parsed.ok && note ? { ...parsed, note } : parsed);

/** A unit that says the figure is of another kind than the question asks for. */
const MONEY = /元|万元|亿/;


export function parseInteger(raw: string, q: { unit?: string; min?: number; max?: number }): Parsed<number> {
  const unitName = q.unit ?? '';
  const read = readQuantity(raw, '整数', `45${unitName}`);
  if (!read.ok) return read;
  let { value, unit } = read.value;
  // 1.2万 (12,000) for a count.
  if (unit.startsWith('万')) {
    value = value.times(10000);
    unit = unit.slice(1).trim();
  }
  if (unit && unit !== q.unit && !COUNT_UNITS.includes(unit)) {
    if (MONEY.test(unit)) return fail(`这里填的是数量${unitName ? `（单位：${unitName}）` : ''}，不是金额。请只写数字，例如 45。`);
    return fail(`“${unit}”不是本题的单位${unitName ? `（本题单位：${unitName}）` : ''}，请只写数字，例如 45。`);
  }
  if (!value.isInteger()) return fail(`这里需要整数，您填写的是${quoted(raw)}。请输入不带小数的数字，例如 45。`);
  if (value.greaterThan(1e9)) return fail(`${quoted(raw)}过大，请检查是否多输了位数。`);
  const bounded = checkBounds(value.toNumber(), q, unitName);
  return withNote(bounded, read.value.approximate ? approximateNote(`${value.toString()}${unitName}`) : undefined);
}

function checkBounds<T extends number>(value: T, q: { min?: number; max?: number }, unit: string): Parsed<T> {
  if (q.min !== undefined && value < q.min) return fail(`该项不能小于 ${q.min}${unit}，您填写的是 ${value}${unit}。`);
  if (q.max !== undefined && value > q.max) return fail(`该项不能大于 ${q.max}${unit}，您填写的是 ${value}${unit}。`);
  return ok(value);
}

/** What one unit of each amount unit is worth in 元. */
const YUAN: Record<string, number> = { 元: 1, 万元: 1e4, 万: 1e4, 亿元: 1e8, 亿: 1e8 };

/**
 * Amounts accept "1.2万", "3,500", "12000元", "1.5亿" and convert them into the question's unit (万元 by default, or
 * 元 or 亿元 as the seed's field says); the result is an exact decimal string.
 */
export function parseAmount(raw: string, q: { unit?: '万元' | '元' | '亿元'; min?: number; max?: number; decimals?: number }): Parsed<string> {
  const unit = q.unit ?? '万元';
  // Amounts are non-negative unless the flow says otherwise (a loss in 利润总额 is negative).
  const example = { 万元: '1234.5 或 1.2万', 元: '12000', 亿元: '1.5 或 3000万' }[unit];
  const read = readQuantity(raw, `金额（${unit}）`, example, q.min !== undefined && q.min < 0);
  if (!read.ok) return read;
  const written = read.value.unit.replace(/^人民币|人民币$/, '');
  if (written !== '' && !(written in YUAN)) return fail(`这里填的是金额（单位：${unit}），“${written}”不是金额单位。请写数字，例如 ${example}。`);
  const factor = written ? new Decimal(YUAN[written]).dividedBy(YUAN[unit]) : new Decimal(1);
  const value = read.value.value.times(factor);
  if (q.min !== undefined && value.lessThan(q.min)) return fail(`金额不能小于 ${q.min}${unit}，您填写的是 ${value.toString()}${unit}。`);
  if (q.max !== undefined && value.greaterThan(q.max)) return fail(`金额不能大于 ${q.max}${unit}，您填写的是 ${value.toString()}${unit}。`);
  if (value.greaterThan(1e12)) return fail(`${quoted(raw)}过大，请检查单位是否为${unit}。`);
  // To the 元 unless the flow says otherwise.
  const decimals = q.decimals ?? Math.log10(YUAN[unit]);
  if (value.decimalPlaces() > decimals) return fail(`金额最多保留 ${decimals} 位小数（单位：${unit}），您填写的是${quoted(raw)}。`);
  return withNote(ok(value.toString()), read.value.approximate ? approximateNote(`${value.toString()}${unit}`) : undefined);
}

export function parsePercent(raw: string, q: { min?: number; max?: number; decimals?: number }): Parsed<string> {
  const text = normalise(raw).replace(/^百分之/, '');
  const read = readQuantity(text, '百分比', '92.5（表示 92.5%）');
  if (!read.ok) return read;
  const { value, unit, approximate } = read.value;
  const signed = unit === '%' || /^百分之/.test(normalise(raw));
  if (unit !== '' && unit !== '%') return fail(`这里填的是百分比，“${unit}”不是百分比。请写 0–100 之间的数字，例如 92.5。`);
  // 0.95 for a share is most likely 95 %: asked back, never saved as 0.95 %.
  if (!signed && value.greaterThan(0) && value.lessThan(1)) {
    const guess = value.times(100).toString();
    return fail(`您填写的是 ${value.toString()}，是指 ${guess}% 吗？是的话请回复 ${guess}；如确为 ${value.toString()}%，请回复 ${value.toString()}%。`);
  }
  if (value.greaterThan(100)) return fail(`百分比不能超过 100，您填写的是 ${value.toString()}%。请输入 0–100 之间的数字，例如 92.5。`);
  const bounded = checkBounds(value.toNumber(), q, '%');
  if (!bounded.ok) return bounded;
  const decimals = q.decimals ?? 2;
  if (value.decimalPlaces() > decimals) return fail(`百分比最多保留 ${decimals} 位小数，您填写的是${quoted(raw)}。`);
  return withNote(ok(value.toString()), approximate ? approximateNote(`${value.toString()}%`) : undefined);
}

export function parseArea(raw: string, q: { min?: number; max?: number }): Parsed<string> {
  const read = readQuantity(raw, '面积（平方米）', '5200');
  if (!read.ok) return read;
  let { value, unit } = read.value;
  if (unit.startsWith('万')) {
    value = value.times(10000);
    unit = unit.slice(1).trim();
  }
  if (unit !== '' && !AREA_UNITS.includes(unit)) return fail(`这里填的是面积（单位：平方米），“${unit}”不是面积单位。请写数字，例如 5200 或 1.2万平方米。`);
  const bounded = checkBounds(value.toNumber(), q, '平方米');
  if (!bounded.ok) return bounded;
  return withNote(ok(value.toString()), read.value.approximate ? approximateNote(`${value.toString()}平方米`) : undefined);
}

const pad = (n: number) => String(n).padStart(2, '0');

export function parseDate(raw: string, q: { notFuture?: boolean }, today: string): Parsed<string> {
  const text = normalise(raw).replace(/\s+/g, '').replace(/[。.]$/, '');
  if (APPROX_BEFORE.test(text) || APPROX_AFTER.test(text)) return fail(`这里需要准确的日期（年-月-日），例如 2015-06-01；您填写的是${quoted(raw)}。`);
  if (/^\d{2}[年.\-/]\d{1,2}[月.\-/]\d{1,2}[日号]?$/.test(text)) return fail(`请写四位数的年份，例如 2015年6月1日；您填写的是${quoted(raw)}。`);
  const m =
    text.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/) ?? text.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (!m) {
    if (/^\d{4}[-/.年]\d{1,2}月?$/.test(text)) return fail(`请写到具体日期（年-月-日），例如 2015-06-01，您填写的是${quoted(raw)}。`);
    return fail(`${quoted(raw)}不是有效的日期。请按“年-月-日”填写，例如 2015-06-01 或 2015年6月1日。`);
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1900) {
    return fail(`${quoted(raw)}不是存在的日期，请检查年月日，例如 2015-06-01。`);
  }
  const iso = `${y}-${pad(mo)}-${pad(d)}`;
  if ((q.notFuture ?? true) && iso > today) return fail(`日期不能晚于今天（${today}），您填写的是 ${iso}。请填写实际日期。`);
  return ok(iso);
}

export function parseYear(raw: string, q: { min?: number; max?: number }): Parsed<number> {
  const text = normalise(raw).replace(/年度?$/, '');
  if (APPROX_BEFORE.test(text) || APPROX_AFTER.test(text)) return fail(`这里需要准确的年份，例如 2023；您填写的是${quoted(raw)}。`);
  if (!/^\d{4}$/.test(text)) return fail(`${quoted(raw)}不是有效的年份，请输入四位数年份，例如 2023。`);
  return checkBounds(Number(text), q, '年');
}

const YES = ['是', '是的', '对', '对的', '有', '有的', '能', '可以', '可', '会', '确认', '已', '已经', '已通过', '已建设', '好', '好的', '嗯',
  '行', '没错', '属于', '具备', '符合', '√', 'y', 'yes', 'ok', 'true', '1'];
const NO = ['否', '不是', '不对', '没有', '无', '不能', '不可以', '不会', '未', '没', '不', '不属于', '不具备', '不符合', '不存在', '从未',
  '从来没有', '无此情况', '没有此情况', '暂无', '尚无', '×', 'n', 'no', 'false', '2'];
/** Not an answer: a question back, or not knowing. */
const UNDECIDED = /是否|是不是|有没有|能不能|可不可以|会不会|对不对|不清楚|不知道|不确定|不了解|说不好|不一定|也许|可能|或许|待定|不好说|[?？]/;
/** A short sentence that says no: 没有受到处罚, 无不良记录, 未发生, 不存在严重失信行为. */
const SAYS_NO = /^(没有|没|无|未|不存在|从未|并未|并没有|不)/;
/** A yes word followed by a clause: 有的，已通过认证; 是，已建成. */
const SAYS_YES = /^(是的?|有的?|对的?|已经?|可以|能|确认)[，,、：:\s]/;

/** Yes or no, as people say it: 是/有/能/可以/确认 …, 否/没有/不能/无此情况 …, and short sentences such as 没有受到处罚. */
export function parseYesNo(raw: string): Parsed<boolean> {
  const text = normalise(raw).toLowerCase().replace(/[。.!！~]+$/, '');
  const refuse = fail(`请回答“是”或“否”（也可回复 1 表示是，2 表示否），您发送的是${quoted(raw)}。`);
  if (YES.includes(text)) return ok(true);
  if (NO.includes(text)) return ok(false);
  if (UNDECIDED.test(text)) return refuse;
  if (SAYS_YES.test(text)) return ok(true);
  if (SAYS_NO.test(text)) return ok(false);
  return refuse;
}

/**
 * A choice by its number, its exact name, or an unambiguous part of it that says enough: "私营" for 私营企业, but not
 * "未建设" for "未建设，承诺本年年底前建设完成", whose second half is what matters.
 */
function matchChoice(token: string, choices: NormalChoice[]): NormalChoice | undefined {
  const t = normalise(token);
  if (/^\d+$/.test(t)) return choices[Number(t) - 1];
  const named = choices.map((c) => ({ c, value: normalise(c.value), label: normalise(c.label) }));
  const exact = named.find((n) => n.value === t || n.label === t);
  if (exact) return exact.c;
  // A longer text naming an option selects it only when it does not deny it (“不是事业单位”, “非国有”).
  const denies = NEGATION.test(t);
  const partial = named.filter((n) => (n.label.includes(t) && t.length * 2 >= n.label.length) || (!denies && t.includes(n.label) && n.label.length >= 2));
  return partial.length === 1 ? partial[0].c : undefined;
}

/** Words that deny what follows them. */
const NEGATION = /不是|不属于|并非|非|没有|无|不/;

const listChoices = (choices: NormalChoice[]) => choices.map((c, i) => `${i + 1}. ${c.label}`).join('  ');

/** Splits "其他：民办非企业" into the choice and its text. */
function splitOther(text: string, other: string | undefined): { head: string; rest?: string } {
  if (!other) return { head: text };
  const escaped = other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // "其他：民办非企业", "其他（民办非企业）" or the option's number followed by the text.
  const m = text.match(new RegExp(`^(${escaped}|\\d+)\\s*[:：\\-—（(]?\\s*(.*?)[)）]?$`));
  if (m && m[2]) return { head: m[1], rest: m[2] };
  return { head: text };
}

export function parseChoice(raw: string, choices: NormalChoice[], other?: string): Parsed<ChoiceValue> {
  const text = normalise(raw);
  const { head, rest } = splitOther(text, other);
  const choice = (rest ? matchChoice(head, choices) : undefined) ?? matchChoice(text, choices);
  if (!choice && NEGATION.test(text) && choices.some((c) => text.includes(normalise(c.label)))) {
    return fail(`您的回答是${quoted(raw)}。请直接回复属于哪一项（序号或名称）：${listChoices(choices)}`);
  }
  if (!choice) return fail(`${quoted(raw)}不在选项中。请回复选项序号或名称：${listChoices(choices)}`);
  if (other && choice.value === other) {
    const detail = rest && matchChoice(head, choices) === choice ? rest : undefined;
    if (!detail) return fail(`选择“${other}”时请写明具体内容，例如：${other}：民办非企业单位`);
    return ok({ value: choice.value, other: detail });
  }
  return ok({ value: choice.value });
}

export function parseMulti(raw: string, choices: NormalChoice[], q: { other?: string; minSelected?: number; maxSelected?: number }): Parsed<MultiValue> {
  const text = normalise(raw);
  const min = q.minSelected ?? 1;
  if (['无', '没有', '都没有', '0', '空'].includes(text)) {
    return min > 0 ? fail(`至少需要选择 ${min} 项。请回复选项序号，多个用空格或逗号分开，例如 1 3 5。`) : ok({ values: [] });
  }
  const tokens = text.split(/[\s,，、;；/]+/).filter(Boolean);
  const values: string[] = [];
  let other: string | undefined;
  for (const token of tokens) {
    const { head, rest } = splitOther(token, q.other);
    const choice = matchChoice(token, choices) ?? matchChoice(head, choices);
    if (!choice) return fail(`${quoted(token)}不在选项中。请回复选项序号，多个用空格或逗号分开，例如 1 3 5。选项：${listChoices(choices)}`);
    if (q.other && choice.value === q.other) other = rest ?? other;
    if (!values.includes(choice.value)) values.push(choice.value);
  }
  if (q.other && values.includes(q.other) && !other) return fail(`选择“${q.other}”时请写明具体内容，例如：${q.other}：……`);
  if (values.length < min) return fail(`至少需要选择 ${min} 项，您选择了 ${values.length} 项。`);
  if (q.maxSelected !== undefined && values.length > q.maxSelected) return fail(`最多选择 ${q.maxSelected} 项，您选择了 ${values.length} 项。`);
  return ok(other ? { values, other } : { values });
}

/** What a text question's `format` accepts. */
type TextFormat = 'plain' | 'person' | 'phone' | 'mobile' | 'landline' | 'url' | 'email';

const MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
const LANDLINE = /^(?:\(0\d{2,3}\)|0\d{2,3}-?)\d{7,8}(?:(?:转|-|ext\.?)\d{1,6})?$/i;
const URL_LIKE = /^(?:https?:\/\/)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/\S*)?$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A phone number without the spaces people put between digit groups. */
const compactPhone = (text: string) => text.replace(/\s/g, '');

function checkFormat(text: string, format: TextFormat): Parsed<string> {
  const t = text.normalize('NFKC').trim();
  const digits = t.replace(/[\s\-]/g, '');
  switch (format) {
    case 'person':
      if (YES.includes(t.toLowerCase()) || NO.includes(t.toLowerCase()) || /^\d+$/.test(t) || t.includes('@') || /https?:/i.test(t)) {
        return fail(`这里请填写人名，例如“张三”；您发送的是${quoted(text)}。`);
      }
      return ok(text);
    case 'mobile':
      if (MOBILE.test(digits)) return ok(digits.replace(/^\+?86/, ''));
      return fail(`这里请填写 11 位手机号，例如 13800000000；您发送的是${quoted(text)}。${LANDLINE.test(compactPhone(t)) ? '座机号码请填在座机一栏。' : ''}`);
    case 'landline':
      if (LANDLINE.test(compactPhone(t))) return ok(compactPhone(t));
      return fail(`这里请填写带区号的座机号码，例如 010-12345678；您发送的是${quoted(text)}。${MOBILE.test(digits) ? '手机号请填在手机一栏。' : ''}`);
    case 'phone':
      if (MOBILE.test(digits)) return ok(digits.replace(/^\+?86/, ''));
      if (LANDLINE.test(compactPhone(t))) return ok(compactPhone(t));
      return fail(`这里请填写电话号码：手机 11 位（如 13800000000），或带区号的座机（如 0311-85001234）；您发送的是${quoted(text)}。`);
    case 'url':
      if (URL_LIKE.test(t)) return ok(t);
      return fail(`这里请填写网址，例如 www.example.com；您发送的是${quoted(text)}。没有网站的可回复“跳过”。`);
    case 'email':
      if (EMAIL.test(t)) return ok(t);
      return fail(`这里请填写电子邮箱，例如 name@example.com；您发送的是${quoted(text)}。`);
    default:
      return ok(text);
  }
}

/** Control characters (a paste from another program) are dropped; a one-line answer keeps to one line. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g;

export function parseText(raw: string, q: { maxLength?: number; minLength?: number; multiline?: boolean; format?: TextFormat }): Parsed<string> {
  let text = raw.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROL, '').trim();
  if (!q.multiline) text = text.replace(/\s*\n\s*/g, ' ');
  const length = [...text].length;
  if (length === 0) return fail('内容不能为空，请输入文字。');
  const max = q.maxLength ?? 200;
  if (length > max) return fail(`内容共 ${length} 字，超过了 ${max} 字的上限。请精简到 ${max} 字以内后重新发送。`);
  if (q.minLength && length < q.minLength) return fail(`内容至少需要 ${q.minLength} 字，您写了 ${length} 字，请补充后重新发送。`);
  return checkFormat(text, q.format ?? 'plain');
}

/** One cell of a table row, typed by its column. */
export function parseCell(raw: string, column: Column, flow: Pick<LoadedFlow, 'vocabularies'>, today: string): Parsed<string | number | boolean | null> {
  const text = raw.trim();
  if (text === '' || text === '-' || text === '—') return column.required ? fail(`“${column.label}”不能为空`) : ok(null);
  switch (column.type) {
    case 'integer': return parseInteger(text, { unit: column.unit });
    case 'amount': return parseAmount(text, {});
    case 'percent': return parsePercent(text, {});
    case 'area': return parseArea(text, {});
    case 'date': return parseDate(text, { notFuture: true }, today);
    case 'year': return parseYear(text, {});
    case 'yesno': return parseYesNo(text);
    case 'choice': {
      const r = parseChoice(text, choicesOf(flow, column));
      return r.ok ? ok(r.value.value) : r;
    }
    default: return ok(text);
  }
}

/**
 * A row given as an object (from a JSON/YAML file or a spreadsheet), cells looked up by column id or heading and
 * typed by their column. Returns the row and one message per bad cell.
 */
export function parseRowObject(
  item: unknown,
  columns: Column[],
  flow: Pick<LoadedFlow, 'vocabularies'>,
  today: string,
  options: { allOptional?: boolean } = {},
): { row: Record<string, string | number | boolean | null>; errors: string[] } {
  const row: Record<string, string | number | boolean | null> = {};
  const errors: string[] = [];
  if (!item || typeof item !== 'object') return { row, errors: ['应是一个按列名填写的对象'] };
  for (const column of columns) {
    const cell = (item as Record<string, unknown>)[column.id] ?? (item as Record<string, unknown>)[column.label];
    const parsed = parseCell(cell === undefined || cell === null ? '' : String(cell), options.allOptional ? { ...column, required: false } : column, flow, today);
    if (parsed.ok) row[column.id] = parsed.value;
    else errors.push(`“${column.label}”：${parsed.message}`);
  }
  return { row, errors };
}

/** A small table: one row per line (or separated by ；), cells separated by ，, | or tabs. */
export function parseTable(raw: string, q: { columns: Column[]; minRows?: number; maxRows?: number }, flow: Pick<LoadedFlow, 'vocabularies'>, today: string): Parsed<TableValue> {
  const text = raw.normalize('NFKC').trim();
  const header = q.columns.map((c) => c.label).join('，');
  if (['无', '没有', '0'].includes(text)) {
    return (q.minRows ?? 0) > 0 ? fail(`至少需要填写 ${q.minRows} 行。每行依次写：${header}`) : ok([]);
  }
  const lines = text.split(/\n|;|；/).map((l) => l.trim()).filter(Boolean);
  if (q.maxRows !== undefined && lines.length > q.maxRows) return fail(`最多填写 ${q.maxRows} 行，您写了 ${lines.length} 行。`);
  if (lines.length < (q.minRows ?? 0)) return fail(`至少需要填写 ${q.minRows} 行，您写了 ${lines.length} 行。每行依次写：${header}`);
  const rows: TableValue = [];
  for (const [i, line] of lines.entries()) {
    const cells = line.split(/[,|\t]/).map((c) => c.trim());
    if (cells.length !== q.columns.length) {
      return fail(`第 ${i + 1} 行应有 ${q.columns.length} 项（${header}），用逗号分开；您写了 ${cells.length} 项：${quoted(line)}`);
    }
    const row: Record<string, string | number | boolean | null> = {};
    for (const [j, column] of q.columns.entries()) {
      const cell = parseCell(cells[j], column, flow, today);
      if (!cell.ok) return fail(`第 ${i + 1} 行“${column.label}”：${cell.message}`);
      row[column.id] = cell.value;
    }
    rows.push(row);
  }
  return ok(rows);
}

/** A matrix: one line per row, "行名 数1 数2 数3" (or the row number first), integers per column. */
/**
 * Rows of a matrix: "行名 数1 数2 数3" (or the row's number first); a line of bare numbers fills `nextRow`,
 * the row the prompt asked for. Several rows may come in one message, separated by ； or new lines.
 */
export function parseMatrix(raw: string, rows: NormalChoice[], columns: Column[], nextRow?: NormalChoice): Parsed<Record<string, Record<string, number>>> {
  const lines = raw.normalize('NFKC').split(/\n|;|；/).map((l) => l.trim()).filter(Boolean);
  const result: Record<string, Record<string, number>> = {};
  const example = `${rows[0]?.label ?? '第一行'} ${columns.map((_, i) => 10 * (i + 1)).join(' ')}`;
  for (const line of lines) {
    const parts = line.split(/[\s,，:：|\t]+/).filter(Boolean);
    const bare = nextRow && parts.length === columns.length && parts.every((p) => /^\d/.test(p));
    const row = bare ? nextRow : matchChoice(parts[0] ?? '', rows);
    if (!row) return fail(`没有认出${quoted(line)}是哪一行。每行以行名或序号开头，例如：${example}`);
    const numbers = bare ? parts : parts.slice(1);
    if (numbers.length !== columns.length) {
      return fail(`“${row.label}”一行应有 ${columns.length} 个数（${columns.map((c) => c.label).join('、')}），您写了 ${numbers.length} 个。`);
    }
    result[row.value] = {};
    for (const [j, column] of columns.entries()) {
      const n = parseInteger(numbers[j], { min: 0 });
      if (!n.ok) return fail(`“${row.label}”的“${column.label}”：${n.message}`);
      result[row.value][column.id] = n.value;
    }
  }
  if (Object.keys(result).length === 0) return fail(`请按行填写，例如：${example}`);
  return ok(result);
}

/** Parse an operator's text for a question; `today` is ISO (the clock is passed in so tests are deterministic). */
export function parseAnswer(question: Question, raw: string, flow: Pick<LoadedFlow, 'vocabularies'>, today: string): Parsed {
  if (normalise(raw) === '' && question.type !== 'upload') return fail('没有收到内容。请直接回复答案。');
  switch (question.type) {
    case 'text': return parseText(raw, question);
    case 'integer': return parseInteger(raw, question);
    case 'amount': return parseAmount(raw, question);
    case 'percent': return parsePercent(raw, question);
    case 'area': return parseArea(raw, question);
    case 'date': return parseDate(raw, question, today);
    case 'year': return parseYear(raw, question);
    case 'yesno': return parseYesNo(raw);
    case 'choice': return parseChoice(raw, choicesOf(flow, question), question.other);
    case 'multi': return parseMulti(raw, choicesOf(flow, question), question);
    case 'table': return parseTable(raw, question, flow, today);
    case 'matrix': return parseMatrix(raw, choicesOf(flow, question), question.columns);
    case 'upload': return ok({ status: 'pending', files: [] });
    case 'derived':
      // A computed value is not typed: the operator only confirms it (see assessAnswer, which knows its value).
      return fail('该项由系统根据其他数据计算，无需填写。');
  }
}
