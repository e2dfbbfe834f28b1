import { Decimal } from 'decimal.js';
import type { Column, Question } from '../flow/schema.ts';
import { choicesOf, type LoadedFlow, type NormalChoice } from '../flow/loader.ts';
import type { AnswerValue, ChoiceValue, MultiValue, TableValue } from './values.ts';

/**
 * Turning what an operator typed into a stored value, per question type. Every message is understood as meant or
 * refused out loud: never silently dropped, glued, misread or misfiled. A refusal says, in Chinese, what was wrong and
 * what to send instead, and lists the options at most once.
 */

/**
 * A parsed answer, or why it was refused. `note` is what the operator should know about how the answer was read
 * (an approximate figure saved as exact), said with the saved value.
 */
export type Parsed<T = AnswerValue> = { ok: true; value: T; note?: string } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });
const withNote = <T>(parsed: Parsed<T>, note: string | undefined): Parsed<T> => (parsed.ok && note ? { ...parsed, note } : parsed);

/** Full-width digits and punctuation to ASCII, spaces trimmed. */
export function normalise(text: string): string {
  return text.normalize('NFKC').replace(/[\u200b\ufeff]/g, '').trim();
}

const quoted = (text: string) => `“${text.length > 20 ? text.slice(0, 20) + '…' : text}”`;

/** "a 和 b", "a、b 和 c". */
const listAnd = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join('、')} 和 ${items[items.length - 1]}`);

// ---------------------------------------------------------------------------------------------------------------
// Chinese numerals: 三十五家, 百分之九十五, 二〇一五年六月一日.

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 三十五 → 35, 一百零五 → 105, 二〇一五 → 2015 (digit by digit); undefined when it is not a number. */
function chineseNumber(s: string): number | undefined {
  const chars = [...s];
  if (chars.every((c) => c in CN_DIGIT)) {
    if (chars.length === 1) return CN_DIGIT[s];
    return chars.includes('两') ? undefined : Number(chars.map((c) => CN_DIGIT[c]).join(''));
  }
  let total = 0;
  let digit: number | undefined;
  let lastUnit = Infinity;
  for (const c of chars) {
    if (c in CN_DIGIT) {
      if (digit !== undefined && digit !== 0 && CN_DIGIT[c] !== 0) return undefined; // 三五十: not a number
      digit = CN_DIGIT[c];
    } else {
      const unit = CN_UNIT[c];
      if (unit >= lastUnit) return undefined; // 十十, 百千
      total += (digit ?? (c === '十' && total === 0 ? 1 : NaN)) * unit;
      digit = undefined;
      lastUnit = unit;
    }
  }
  const n = total + (digit ?? 0);
  return Number.isFinite(n) ? n : undefined;
}

/** Chinese numerals inside a number-like answer written in digits; words that merely contain one (一共, 十几) are kept. */
function arabic(text: string): string {
  return text.replace(/[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*/g, (run, at: number) => {
    const before = text[at - 1] ?? '';
    const after = text[at + run.length] ?? '';
    if (/[第几数]/.test(before) || /^[几些般下共起直定致样律切旦]/.test(after)) return run;
    const n = chineseNumber(run);
    return n === undefined ? run : String(n);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers as people write them: one number, with words around it that say how to read it.

/**
 * Count units by what they count. A typed unit fits the question's unit when some family holds both; 个 fits all.
 * Units of one family are the same figure said another way (45家 = 45个 = 45户); another family is another figure
 * (30人 for a count of enterprises).
 */
const COUNT_FAMILIES: string[][] = [
  ['人', '名', '位', '人次', '个'],
  ['家', '户', '所', '家次', '个'],
  ['次', '场', '期', '批', '回', '轮', '个'],
  ['台', '套', '台套', '台/套', '件', '部', '个'],
  ['项', '件', '个', '款', '条', '门'],
  ['篇', '份', '件', '个', '部', '本', '册'],
  ['年', '个'],
];
const COUNT_UNITS = [...new Set(COUNT_FAMILIES.flat())];
const MONEY_UNITS = ['元', '块钱', '块', '人民币', 'rmb', '元整'];
const AREA_UNITS = ['平方米', '平米', '平方', '平'];
/** Units that belong to no question type here: said back as not this question's unit. */
const OTHER_UNITS = ['亩', '公顷', '公里', '千米', '米', '岁', '天', '小时', '个月', '月', '周', '吨', '公斤', '千克', '个百分点', '倍', '‰'];
const ALL_UNITS = [...COUNT_UNITS, ...MONEY_UNITS, ...AREA_UNITS, ...OTHER_UNITS, '%'].sort((a, b) => b.length - a.length);

const SCALES: Record<string, number> = { 千万: 1e7, 百万: 1e6, 万: 1e4, 亿: 1e8, 千: 1e3, w: 1e4, k: 1e3 };
const SCALE_WORDS = Object.keys(SCALES).sort((a, b) => b.length - a.length);

/** Words that make a figure approximate: 约120, 120左右, 120多家, 近120, 超过120. */
const APPROX_BEFORE = ['大约', '大概', '约为', '约有', '约莫', '约', '差不多', '将近', '接近', '近', '估计', '预计', '大致', '超过', '多于', '高于', '大于', '逾', '至少', '不少于', '不低于'];
const APPROX_AFTER = ['左右', '上下', '以上', '出头', '开外', '有余', '多', '余', '来', '许', '+'];
/** Words that make it a bound, not a figure: 不到120, 120以下. */
const BOUND_BEFORE = ['不到', '不足', '少于', '低于', '小于', '最多', '至多', '不超过', '不多于', '不高于'];
const BOUND_AFTER = ['以下', '以内', '之内', '不到', '封顶'];
/** Words before a figure that change nothing: 共120家, 合计120. */
const FILLER_BEFORE = ['一共', '总共', '共计', '合计', '总计', '累计', '共有', '共', '计', '有', '为', '是', '¥', 'rmb', '人民币', '+'];

/** One figure: "1,234", "1.5", ".5"; thousands separators only between groups of three digits. */
const NUMBER = /\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+/g;

interface Quantity {
  /** The figure as written, signed, before its scale. */
  number: Decimal;
  /** 万 → 10000; 1 without one. */
  scale: Decimal;
  scaleWord: string;
  /** The unit written after it, '' when none. */
  unit: string;
  approximate: boolean;
  /** Written with % or as 百分之. */
  percentSign: boolean;
  /** Written with ¥ or 人民币 before it: a figure in 元. */
  currency: boolean;
}

const startsWithAny = (text: string, words: string[]) => words.find((w) => text.startsWith(w));
const endsWithAny = (text: string, words: string[]) => words.find((w) => text.endsWith(w));

/** The text as the number reader sees it: normalised, lower case, m² as 平方米, Chinese numerals in digits. */
function numberText(raw: string): string {
  let text = normalise(raw).toLowerCase().replace(/[。.!！,，;；~～\s]+$/, '').replace(/m\^?[2²]/g, '平方米');
  // A label before a colon: "从业人数：120".
  text = text.replace(/^[^\d:]{1,15}:\s*(?=\S)/, '');
  // 一万二, 1万2: 12,000 as it is said.
  return arabic(text).replace(/(\d+)万(\d)(?![\d.千百十])/g, '$1.$2万');
}

/** A year said in words before a figure: 去年, 今年, 上一年度 …. */
const YEAR_WORD = /^(去年|今年|前年|明年|上年|本年|当年|上一年|上年度|本年度|上一年度|本年份)度?/;

/** The numbers in a text, as typed. */
const numbersIn = (text: string) => [...text.matchAll(NUMBER)].map((m) => m[0]);

/** The refusal for several numbers in one answer. */
const severalNumbers = (numbers: string[], example: string) =>
  fail(`请一次只填一个数：您发送了 ${listAnd(numbers)}。本题只需要一个数，例如 ${example}。`);

/**
 * One number as people write it, with the words around it: 约120, 120家左右, 1.2万, 3,500万元, 百分之95. A message with
 * several numbers is refused rather than glued together (“120 40” is never 12040). Which units fit is the caller's
 * decision; this only reads them.
 */
function readQuantity(raw: string, what: string, example: string, allowNegative = false): Parsed<Quantity> {
  const text = numberText(raw);
  const invalid = fail(`${quoted(raw)}不是有效的数字。请只输入阿拉伯数字，例如 ${example}。`);
  const bound = fail(`${quoted(raw)}是一个范围，不是确切的数。请填写确切的数字，例如 ${example}。`);
  const numbers = [...text.matchAll(NUMBER)];
  if (numbers.length === 0) return text === '' ? fail(`请输入${what}，例如 ${example}。`) : invalid;
  if (numbers.length > 1) return severalNumbers(numbers.map((m) => m[0]), example);
  const [token] = numbers;
  let approximate = false;
  let percentSign = false;
  let currency = false;

  // Before the number: a sign, 约, 共, ¥, 百分之.
  let before = text.slice(0, token.index).trim();
  let negative = false;
  if (/[-−–—负]$/.test(before)) {
    negative = true;
    before = before.slice(0, -1).trim();
  }
  while (before) {
    if (startsWithAny(before, BOUND_BEFORE)) return bound;
    let word = startsWithAny(before, APPROX_BEFORE);
    if (word) approximate = true;
    else if (before.startsWith('百分之')) {
      word = '百分之';
      percentSign = true;
    } else word = startsWithAny(before, FILLER_BEFORE);
    // 去年65家: which year the figure is for is the question's to say; the operator is asked to check, not guessed for.
    const year = before.match(YEAR_WORD);
    if (!word && year) {
      return fail(`${quoted(raw)}里写了“${year[0]}”：本题只填数字，例如 ${token[0]}${/^[\d.]+([^\s\d.]*)/.exec(example)?.[1] ?? ''}。请确认这个数是本题所问年度的（见题目），再只发送数字。`);
    }
    if (!word) return invalid;
    if (['¥', 'rmb', '人民币'].includes(word)) currency = true;
    before = before.slice(word.length).trim();
  }

  // After it: 万, the unit, 多/左右, a noun after the unit (120家企业), 整.
  let after = text.slice(token.index! + token[0].length).trim();
  let scaleWord = '';
  let unit = '';
  while (after) {
    if (startsWithAny(after, BOUND_AFTER)) return bound;
    const approx = startsWithAny(after, APPROX_AFTER);
    if (approx) {
      approximate = true;
      after = after.slice(approx.length).trim();
      continue;
    }
    const scale = !scaleWord && !unit ? startsWithAny(after, SCALE_WORDS) : undefined;
    if (scale) {
      scaleWord = scale;
      after = after.slice(scale.length).trim();
      continue;
    }
    const written = !unit ? startsWithAny(after, ALL_UNITS) : undefined;
    if (written) {
      unit = written;
      after = after.slice(written.length).trim();
      continue;
    }
    if (after === '整' && (unit === '元' || unit === '')) break;
    // What the unit counts: 120家企业, 35人次参与 (but not a denial or a second figure).
    const tail = endsWithAny(after, APPROX_AFTER);
    const noun = tail ? after.slice(0, -tail.length) : after;
    if (unit && /^[\p{Script=Han}]{1,8}$/u.test(noun) && !/[不没未无非]/.test(noun) && !BOUND_AFTER.some((w) => noun.includes(w))) {
      if (tail) approximate = true;
      break;
    }
    return invalid;
  }
  if (unit === '%') percentSign = true;
  let number = new Decimal(token[0].replaceAll(',', ''));
  if (negative) number = number.negated();
  if (number.isNegative() && !number.isZero() && !allowNegative) {
    return fail(`${what}不能为负数，您填写的是${quoted(raw)}。请输入 0 或正数，例如 ${example}。`);
  }
  return ok({ number, scale: new Decimal(scaleWord ? SCALES[scaleWord] : 1), scaleWord, unit, approximate, percentSign, currency });
}

/** Said with a value read from an approximate figure. */
const approximateNote = (shown: string) => `您写的是约数，已按 ${shown} 保存；填报系统需要准确数字，核实后可回复“修改”更正。`;

/** The unit parts of a question's unit: 台/套 → 台, 套. */
const unitParts = (unit: string) => [unit, ...unit.split('/')].filter(Boolean);

/** Whether a typed count unit says the same figure as the question's unit. */
function countUnitFits(typed: string, questionUnit: string | undefined): boolean {
  if (!questionUnit) return COUNT_UNITS.includes(typed);
  const parts = unitParts(questionUnit);
  if (parts.includes(typed)) return true;
  return COUNT_FAMILIES.some((family) => family.includes(typed) && parts.some((p) => family.includes(p)));
}

const kindOfUnit = (unit: string) =>
  MONEY_UNITS.includes(unit) ? '金额' : AREA_UNITS.includes(unit) ? '面积' : unit === '%' ? '百分比' : COUNT_UNITS.includes(unit) ? '数量' : '';

export function parseInteger(raw: string, q: { unit?: string; min?: number; max?: number }): Parsed<number> {
  const unitName = q.unit ?? '';
  const example = `45${unitName}`;
  const read = readQuantity(raw, '整数', example);
  if (!read.ok) return read;
  const { number, scale, unit, approximate } = read.value;
  if (unit && !countUnitFits(unit, q.unit)) {
    const expected = unitName ? `（本题单位：${unitName}）` : '';
    if (MONEY_UNITS.includes(unit)) {
      return fail(`这里填的是数量${unitName ? `（单位：${unitName}）` : ''}，不是金额：您填写的是${quoted(raw)}。请只写数字，例如 ${example}。`);
    }
    return fail(`“${unit}”不是本题的单位${expected}，您填写的是${quoted(raw)}。请只写数字，例如 ${example}。`);
  }
  // 1.2万 (12,000) for a count.
  const value = number.times(scale);
  if (!value.isInteger()) return fail(`这里需要整数，您填写的是${quoted(raw)}。请输入不带小数的数字，例如 45。`);
  if (value.greaterThan(1e9)) return fail(`${quoted(raw)}过大，请检查是否多输了位数。`);
  const bounded = checkBounds(value.toNumber(), q, unitName);
  return withNote(bounded, approximate ? approximateNote(`${value.toString()}${unitName || (COUNT_UNITS.includes(unit) ? unit : '')}`) : undefined);
}

function checkBounds<T extends number>(value: T, q: { min?: number; max?: number }, unit: string): Parsed<T> {
  if (q.min !== undefined && value < q.min) return fail(`该项不能小于 ${q.min}${unit}，您填写的是 ${value}${unit}。`);
  if (q.max !== undefined && value > q.max) return fail(`该项不能大于 ${q.max}${unit}，您填写的是 ${value}${unit}。`);
  return ok(value);
}

/** What one unit of each amount unit is worth in 元. */
const YUAN: Record<string, number> = { 元: 1, 万元: 1e4, 亿元: 1e8 };

/**
 * Amounts accept "1.2万", "3,500", "12000元", "1.5亿", "约3500万" and convert them into the question's unit (万元 by
 * default, or 元 or 亿元 as the seed's field says); the result is an exact decimal string.
 */
export function parseAmount(raw: string, q: { unit?: '万元' | '元' | '亿元'; min?: number; max?: number; decimals?: number }): Parsed<string> {
  const unit = q.unit ?? '万元';
  // Amounts are non-negative unless the flow says otherwise (a loss in 利润总额 is negative).
  const example = { 万元: '1234.5 或 1.2万', 元: '12000', 亿元: '1.5 或 3000万' }[unit];
  const read = readQuantity(raw, `金额（${unit}）`, example, q.min !== undefined && q.min < 0);
  if (!read.ok) return read;
  const { number, scale, scaleWord, approximate, currency } = read.value;
  // ¥12000 is 12000 元.
  const written = read.value.unit || (currency ? '元' : '');
  if (written !== '' && !MONEY_UNITS.includes(written)) {
    const kind = kindOfUnit(written);
    return fail(`这里填的是金额（单位：${unit}），“${written}”不是金额单位${kind && kind !== '金额' ? `（是${kind}的单位）` : ''}。请写数字，例如 ${example}。`);
  }
  // A bare figure is in the question's unit; with 元 or 万/亿 it is converted.
  const value = written || scaleWord ? number.times(scale).dividedBy(YUAN[unit]) : number;
  if (q.min !== undefined && value.lessThan(q.min)) return fail(`金额不能小于 ${q.min}${unit}，您填写的是 ${value.toString()}${unit}。`);
  if (q.max !== undefined && value.greaterThan(q.max)) return fail(`金额不能大于 ${q.max}${unit}，您填写的是 ${value.toString()}${unit}。`);
  if (value.greaterThan(1e12)) return fail(`${quoted(raw)}过大，请检查单位是否为${unit}。`);
  // To the 元 for 万元 and 亿元, to the 分 for 元, unless the flow says otherwise.
  const decimals = q.decimals ?? (unit === '元' ? 2 : Math.log10(YUAN[unit]));
  if (value.decimalPlaces() > decimals) return fail(`金额最多保留 ${decimals} 位小数（单位：${unit}），您填写的是${quoted(raw)}。`);
  return withNote(ok(value.toString()), approximate ? approximateNote(`${value.toString()}${unit}`) : undefined);
}

/**
 * Percentages 0–100, with or without the sign, or as 百分之95. A value between 0 and 1 without the sign (0.95) is most
 * likely a share meant as 95 %: asked back, never saved as 0.95 %.
 */
export function parsePercent(raw: string, q: { min?: number; max?: number; decimals?: number }): Parsed<string> {
  const example = '92.5（表示 92.5%）';
  const read = readQuantity(raw, '百分比', example, q.min !== undefined && q.min < 0);
  if (!read.ok) return read;
  const { number: value, unit, scaleWord, approximate, percentSign } = read.value;
  if ((unit !== '' && unit !== '%') || scaleWord) {
    return fail(`这里填的是百分比，“${scaleWord}${unit}”不是百分比。请写 0–100 之间的数字，例如 92.5。`);
  }
  if (!percentSign && value.greaterThan(0) && value.lessThan(1)) {
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

/** Areas in 平方米: 5,200㎡, 800平米, 1.2万平方米. */
export function parseArea(raw: string, q: { min?: number; max?: number }): Parsed<string> {
  const example = '5200 或 1.2万平方米';
  const read = readQuantity(raw, '面积（平方米）', example);
  if (!read.ok) return read;
  const { number, scale, unit, approximate } = read.value;
  if (unit !== '' && !AREA_UNITS.includes(unit)) {
    const hint = ['亩', '公顷'].includes(unit) ? '请换算成平方米后填写' : '请写数字';
    return fail(`这里填的是面积（单位：平方米），“${unit}”不是面积单位。${hint}，例如 ${example}。`);
  }
  const value = number.times(scale);
  const bounded = checkBounds(value.toNumber(), q, '平方米');
  if (!bounded.ok) return bounded;
  return withNote(ok(value.toString()), approximate ? approximateNote(`${value.toString()}平方米`) : undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and years: exact, never approximate.

const pad = (n: number) => String(n).padStart(2, '0');

/** Words that make a date or year approximate: 约2015年, 2015年左右, 2015年6月初. */
const APPROX_DATE = /^(约|大约|大概|差不多|将近|接近|近|估计|大致)|(左右|上下|前后|以前|以后|之前|之后|前|后|初|底|末|中旬|上旬|下旬|中|多)$/;

function dateText(raw: string): string {
  return arabic(normalise(raw))
    .replace(/[。!！]+$/, '')
    .replace(/\.$/, '')
    .replace(/\s*([-/.年月日号])\s*/g, '$1')
    .replace(/\s+/g, '-');
}

/**
 * A date: 2015-06-01, 2015/6/1, 2015.6.1, 2015年6月1日 or 号, 20150601, 二〇一五年六月一日. A two-digit year, a month
 * without its day and an approximate date are refused saying what is needed. With `precision: 'month'` a month is
 * enough and is stored as YYYY-MM.
 */
export function parseDate(raw: string, q: { notFuture?: boolean; label?: string; precision?: 'day' | 'month' }, today: string): Parsed<string> {
  const text = dateText(raw);
  const example = q.precision === 'month' ? '2015-06 或 2015年6月' : '2015-06-01 或 2015年6月1日';
  if (text === '') return fail(`请输入日期，例如 ${example}。`);
  if (APPROX_DATE.test(text)) return fail(`这里需要准确的日期，例如 ${example}；您填写的是${quoted(raw)}。请按营业执照、合同等材料上的日期填写。`);
  const numbers = numbersIn(text.replace(/[-/.年月日号]/g, ' '));
  if (numbers.length > 3 || (numbers.length > 1 && /[至到~]|—/.test(text))) {
    return fail(`请只填一个日期，例如 ${example}；您发送的是${quoted(raw)}。`);
  }
  if (/^\d{2}[年.\-/]\d{1,2}([月.\-/]\d{1,2}[日号]?|月)?$/.test(text)) return fail(`请写四位数的年份，例如 2015年6月1日；您填写的是${quoted(raw)}。`);
  const day = text.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$/) ?? text.match(/^(\d{4})(\d{2})(\d{2})$/);
  const month = text.match(/^(\d{4})[-/.年](\d{1,2})月?份?$/) ?? text.match(/^(\d{4})(\d{2})$/);
  const which = q.label ? `“${q.label}”的` : '';
  if (!day && month) {
    const [y, mo] = [Number(month[1]), Number(month[2])];
    if (q.precision === 'month') {
      if (mo < 1 || mo > 12 || y < 1900) return fail(`${quoted(raw)}不是存在的月份，请检查年月，例如 2015-06。`);
      const ym = `${y}-${pad(mo)}`;
      if ((q.notFuture ?? true) && ym > today.slice(0, 7)) return fail(`日期不能晚于今天（${today}），您填写的是 ${ym}。请填写实际日期。`);
      return ok(ym);
    }
    return fail(`${quoted(raw)}只写到了月份。请写到具体日期（年-月-日），即${which}具体哪一天（以营业执照、合同等材料上的日期为准），例如 2015-06-01。`);
  }
  if (!day && /^\d{4}年?度?$/.test(text)) {
    return fail(`${quoted(raw)}只写到了年份。请写到具体日期（年-月-日），即${which}具体哪一天，例如 2015-06-01。`);
  }
  if (!day) return fail(`${quoted(raw)}不是有效的日期。请按“年-月-日”填写，例如 ${example}。`);
  const [y, mo, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1900) {
    return fail(`${quoted(raw)}不是存在的日期，请检查年月日，例如 2015-06-01。`);
  }
  const iso = `${y}-${pad(mo)}-${pad(d)}`;
  if ((q.notFuture ?? true) && iso > today) return fail(`日期不能晚于今天（${today}），您填写的是 ${iso}。请填写实际日期。`);
  if (q.precision === 'month') return withNote(ok(iso.slice(0, 7)), `本题只需要年月，已按 ${iso.slice(0, 7)} 保存。`);
  return ok(iso);
}

/** A year: 2023, 2023年, 2023年度, 二〇二三年; one year, exact, with four digits. */
export function parseYear(raw: string, q: { min?: number; max?: number }): Parsed<number> {
  const spaced = numberText(raw);
  // Counted before spaces are dropped: “2022 2023” is two years, never 20222023.
  const numbers = numbersIn(spaced);
  if (numbers.length > 1) return fail(`请一次只填一个数：您发送了 ${listAnd(numbers)}。本题只需要一个年份，例如 2023。`);
  const text = spaced.replace(/\s+/g, '');
  if (APPROX_DATE.test(text.replace(/年度?/, ''))) return fail(`这里需要准确的年份，例如 2023；您填写的是${quoted(raw)}。`);
  const m = text.match(/^(\d+)(?:年度?)?$/);
  if (!m || m[1].length !== 4) return fail(`${quoted(raw)}不是有效的年份，请输入四位数年份，例如 2023。`);
  return checkBounds(Number(m[1]), q, '年');
}

// ---------------------------------------------------------------------------------------------------------------
// Yes and no.

const YES = ['是', '是的', '对', '对的', '有', '有的', '能', '可以', '可', '会', '确认', '确定', '已', '已经', '已通过', '已建设', '已建立',
  '已完成', '已设立', '好', '好的', '嗯', '恩', '行', '没错', '没问题', '不错', '无误', '无异议', '确认无误', '正确', '属实', '同意', '属于',
  '具备', '符合', '√', '✓', '✔', 'y', 'yes', 'ok', 'okay', 'true', '1'];
const NO = ['否', '不是', '不对', '没有', '没', '无', '不能', '不可以', '不会', '未', '不', '不行', '不属于', '不具备', '不符合', '不存在',
  '从未', '从来没有', '从没有', '无此情况', '没有此情况', '无此项', '不涉及', '暂无', '尚无', '尚未', '还没有', '还没', '并没有', '没有的',
  '×', '✗', '✘', 'n', 'no', 'false', '2'];
/** The words that say “none”, to a text question (no answer) and to a quantity (zero) alike. */
const NOTHING = '没有|没|无|暂无|尚无|无此项|不涉及';

/**
 * “Nothing to write here”, said to an optional text question (没有, 暂无, 未建网站): no answer, not the words as one —
 * the website cell of the form stays empty rather than reading “没有”.
 */
const NONE = new RegExp(`^(?:${NOTHING}|尚未建设?|未建设?|没建|还没有|不适用)(?:网站|网址|备案|备案号|此项)?(?:的)?$`);

export function saysNone(raw: string): boolean {
  return NONE.test(normalise(raw).replace(/[。.!！~～]+$/, ''));
}

/** Not an answer: a question back, not knowing, or a guess. */
const UNDECIDED = new RegExp(
  [
    '是否', '是不是', '有没有', '能不能', '可不可以', '会不会', '对不对', '行不行', '要不要', '算不算', '属不属于', '有无', '[吗么吧嘛]$', '[?？]',
    '不清楚', '不知道', '不确定', '不了解', '不明白', '不记得', '记不清', '不懂', '说不好', '说不准', '不好说', '不一定', '不太', '不大清楚',
    '也许', '可能', '或许', '大概', '好像', '似乎', '应该', '估计', '待定', '待确认', '看情况', '还没定', '没想好', '无法', '没法', '难以',
    '什么', '怎么', '如何', '哪',
  ].join('|'),
);
/** A clause that takes back or qualifies what was said: 是的，但…; 有问题; 部分. */
const QUALIFIED = /但|不过|可是|然而|只是|除了|部分|有些|有时|偶尔|之前|以前|曾经|过去|修改|改成|更正|错|问题/;
/** A short sentence that says no: 没有受到处罚, 无不良记录, 未发生, 不存在严重失信行为. */
const SAYS_NO = /^(没有|没|无|未|不存在|从未|从来没|并未|并没有|尚未|还没|不曾|不)/;
/** A short sentence that says yes: 已通过认证, 有受到处罚, 建有工作站. */
const SAYS_YES = /^(已经|均已|都已|已|有过|有|存在|通过|获得|取得|具备|具有|建有|设有|属于|符合|能够)/;
const NOT_YES = /^(有点|有些|有时|有的时候|有待|有关|有限|有无)/;
/** Two denials: 不是没有. */
const DOUBLE_NO = /^(不是|没有|并非|并不是)(没有|不是|没|无|不(?!良|当|正当|合格|实|规范|达标|诚信))/;
/** Sentences longer than this are not read as a yes or a no. */
const YESNO_SENTENCE = 40;

/** The yes/no a whole short sentence says, if it says one. */
function sentencePolarity(text: string): boolean | undefined {
  if (YES.includes(text) || /^(没错|没问题|无误|无异议|确认无误)/.test(text)) return true;
  if (NO.includes(text)) return false;
  if (DOUBLE_NO.test(text)) return undefined;
  if (SAYS_NO.test(text)) return false;
  if (SAYS_YES.test(text) && !NOT_YES.test(text)) return true;
  return undefined;
}

/** A short reply without what a tired operator adds around it: 答：, 是的。, 好的呀, 嗯嗯, 对对对 — lower-cased. */
export function bareReply(raw: string): string {
  const text = normalise(raw).toLowerCase().replace(/^答[:：]\s*/, '').replace(/[。.!！~～,，\s]+$/, '').replace(/[啊呀哦呢啦嘞哈咯噢滴]+$/, '');
  // 嗯嗯, 对对对, 好的好的.
  return text.replace(/^(\D{1,2}?)\1+$/, '$1');
}

/**
 * Yes or no, as people say it: 是/是的/对/有/能/可以/确认/已/好的/嗯/√ …, 否/不是/没有/无/不能/未/没/×/无此情况 …, a leading yes
 * or no followed by a clause that agrees with it (有的，已通过认证), and short sentences whose meaning is clear
 * (没有受到处罚, 无不良记录, 不存在严重失信行为, 已通过认证). A question back (是否, 有没有), not knowing (不清楚), a guess
 * (可能) or a qualified answer (是的，但…) is asked again.
 */
export function parseYesNo(raw: string): Parsed<boolean> {
  const text = bareReply(raw);
  const refuse = fail(`请回答“是”或“否”（也可回复 1 表示是，2 表示否），您发送的是${quoted(raw)}。`);
  if (YES.includes(text)) return ok(true);
  if (NO.includes(text)) return ok(false);
  if (text.length > YESNO_SENTENCE || UNDECIDED.test(text)) return refuse;
  // A yes or no word, then a clause: 有的，已通过认证; 否，没有. Only a word in Chinese leads: “1 2 3 6” is a list.
  const lead = text.match(/^(\p{Script=Han}[^,:;、。.\s]*)[,:;、。.\s]+(.+)$/u);
  if (lead && (YES.includes(lead[1]) || NO.includes(lead[1]))) {
    const said = YES.includes(lead[1]);
    const clause = lead[2];
    if (QUALIFIED.test(clause)) return refuse;
    const also = sentencePolarity(clause);
    return also === undefined || also === said ? ok(said) : refuse;
  }
  if (QUALIFIED.test(text)) return refuse;
  const said = sentencePolarity(text);
  return said === undefined ? refuse : ok(said);
}

// ---------------------------------------------------------------------------------------------------------------
// Choices: whole options, never a denied one.

/** An option's name compared without spaces, punctuation or case: “未建设，承诺…” = “未建设,承诺…”. */
const canon = (text: string) => normalise(text).toLowerCase().replace(/[\s,，、.。;；:：!！?？"“”'‘’()（）[\]【】\-—_·/]/g, '');

/** Words that deny what follows them: 不是事业单位, 非事业单位, 没有…. */
const DENIAL = /(不是|不属于|不算|并非|不为|非|没有|没|无|未|不)$/;
const DENIAL_PREFIX = /^(?:我们|我单位|本单位|单位|贵单位|平台|基地|公司)?(?:并|也|都)?(不是|不属于|不算|并非|不为|非|没有|无|未|不)(.+)$/;
/** An option whose own name is a denial (无固定经营服务场所): “没有固定经营服务场所” says it. */
const DENYING_OPTION = /^(无|未|非|不|没)/;

interface ChoiceMatch { choice?: NormalChoice; denied?: NormalChoice; several?: NormalChoice[] }

/** By number (3, 第3项, 第三项), exact name, or an unambiguous part that says at least half of one option. */
function matchByName(t: string, choices: NormalChoice[]): ChoiceMatch {
  const number = t.match(/^(?:第|选)?\s*(\d+)\s*(?:项|个|号|种|类)?[.、]?$/) ?? t.match(/^第([一二三四五六七八九十]+)[项个种类]?$/);
  if (number) {
    const n = /^\d+$/.test(number[1]) ? Number(number[1]) : chineseNumber(number[1]);
    return { choice: n ? choices[n - 1] : undefined };
  }
  const c = canon(t);
  if (c === '') return {};
  const named = choices.map((choice) => ({ choice, value: canon(choice.value), label: canon(choice.label), aliases: (choice.aliases ?? []).map(canon) }));
  // 是租赁的, 我们是民企: the option said in a short sentence.
  const said = c.replace(/^(?:我们|我单位|本单位|我司|我们单位)?(?:是|属于)/, '');
  const forms = [c, said, said.replace(/的$/, '')];
  const exact = named.find((n) => forms.some((t) => n.value === t || n.label === t)) ?? named.find((n) => forms.some((t) => n.aliases.includes(t)));
  if (exact) return { choice: exact.choice };
  const part = named.filter((n) => [n.label, n.value].some((name) => name.includes(c) && c.length * 2 >= name.length));
  if (part.length === 1) return { choice: part[0].choice };
  if (part.length > 1) return { several: part.map((n) => n.choice) };
  return {};
}

/**
 * What a typed text selects: by number, exact name or unambiguous part (see matchByName); a longer sentence naming
 * one option (我们是事业单位) selects it, unless it denies it (不是事业单位, 非事业单位, 不属于事业单位): then `denied`.
 */
/** Characters that, just before an option's name, make it another word (特大型, 中小型, 非国有, 准一级). */
const MODIFIER = /^[特超非准亚次半中小大微]$/;

function matchChoiceText(token: string, choices: NormalChoice[]): ChoiceMatch {
  const t = normalise(token).replace(/[。.!！]+$/, '');
  const byName = matchByName(t, choices);
  if (byName.choice || byName.several) return byName;
  const c = canon(t);
  // Part of an option too short to say it (未建设 for “未建设，承诺…”): not read as a denial of another option.
  if (choices.some((choice) => canon(choice.label).includes(c) || canon(choice.value).includes(c))) return {};
  const denial = t.match(DENIAL_PREFIX);
  if (denial) {
    const denied = matchByName(denial[2], choices).choice;
    if (denied) return DENYING_OPTION.test(canon(denied.label)) ? { choice: denied } : { denied };
  }
  // A sentence naming options: each one named, unless denied where it is named. A name right after a word that changes
  // it (特大型, 中小型, 非国有企业) is not that option: taking 大型 out of 特大型 would save a wrong value silently.
  const standsAlone = (name: string) => {
    for (let at = c.indexOf(name); at >= 0; at = c.indexOf(name, at + 1)) if (!MODIFIER.test(c.slice(Math.max(0, at - 1), at))) return true;
    return false;
  };
  const named = choices.filter((choice) => canon(choice.label).length >= 2 && standsAlone(canon(choice.label)));
  for (const choice of named) {
    const name = canon(choice.label);
    for (let at = c.indexOf(name); at >= 0; at = c.indexOf(name, at + 1)) {
      if (DENIAL.test(c.slice(0, at)) && !DENYING_OPTION.test(name)) return { denied: choice };
    }
  }
  const outer = named.filter((choice) => !named.some((other) => other !== choice && canon(other.label).includes(canon(choice.label))));
  if (outer.length === 1) return { choice: outer[0] };
  if (outer.length > 1) return { several: outer };
  return {};
}

/** A choice by its number, its name or an unambiguous part of it; undefined when the text does not say one. */
function matchChoice(token: string, choices: NormalChoice[]): NormalChoice | undefined {
  return matchChoiceText(token, choices).choice;
}

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

/** Why a text selects no single option, with the options listed once. */
function choiceRefusal(raw: string, match: ChoiceMatch, choices: NormalChoice[]): Parsed<never> {
  if (match.denied) return fail(`您的回答是${quoted(raw)}，请直接回复属于哪一项（序号或名称）：${listChoices(choices)}`);
  if (match.several) return fail(`${quoted(raw)}对应不止一个选项，请回复一项的序号或完整名称：${listChoices(choices)}`);
  const number = normalise(raw).match(/^\d+$/);
  if (number) return fail(`${quoted(raw)}不在选项中（共 ${choices.length} 项）。请回复选项序号或名称：${listChoices(choices)}`);
  return fail(`${quoted(raw)}不在选项中。请回复选项序号或名称：${listChoices(choices)}`);
}

export function parseChoice(raw: string, choices: NormalChoice[], other?: string): Parsed<ChoiceValue> {
  const text = normalise(raw).replace(/[。!！]+$/, '');
  const { head, rest } = splitOther(text, other);
  // 其他：民办非企业单位 — the text after 其他 is the operator's own and is not read for options.
  if (rest && other) {
    const headChoice = matchChoice(head, choices);
    if (headChoice?.value === other) return ok({ value: other, other: rest });
  }
  const match = matchChoiceText(text, choices);
  if (!match.choice) return choiceRefusal(raw, match, choices);
  if (other && match.choice.value === other) return fail(`选择“${other}”时请写明具体内容，例如：${other}：民办非企业单位`);
  return ok({ value: match.choice.value });
}

const MULTI_NONE = ['无', '没有', '都没有', '都不是', '以上都不是', '以上均不是', '均无', '均没有', '暂无', '都无', '无此项', '0', '空'];

export function parseMulti(raw: string, choices: NormalChoice[], q: { other?: string; minSelected?: number; maxSelected?: number }): Parsed<MultiValue> {
  let text = normalise(raw).replace(/[。!！]+$/, '');
  const min = q.minSelected ?? 1;
  const howTo = '请回复选项序号，多个用空格或逗号分开，例如 1 3 5。';
  if (MULTI_NONE.includes(text)) return min > 0 ? fail(`至少需要选择 ${min} 项。${howTo}`) : ok({ values: [] });
  // Options whose names hold a separator (“社团法人（协会、学会…）”) are taken whole before the text is split.
  const whole = new Map<string, NormalChoice>();
  for (const [i, choice] of choices.entries()) {
    const name = normalise(choice.label);
    if (/[\s,，、;；/和及]/.test(name) && text.includes(name)) {
      text = text.replaceAll(name, ` #${i}# `);
      whole.set(`#${i}#`, choice);
    }
  }
  const tokens = text.split(/[\s,，、;；/]+|和|及|以及/).filter(Boolean);
  const values: string[] = [];
  let other: string | undefined;
  for (const token of tokens) {
    const { head, rest } = splitOther(token, q.other);
    if (q.other && rest && matchChoice(head, choices)?.value === q.other) {
      other = rest;
      if (!values.includes(q.other)) values.push(q.other);
      continue;
    }
    const match: ChoiceMatch = whole.has(token) ? { choice: whole.get(token) } : matchChoiceText(token, choices);
    if (match.denied) {
      return fail(`您的回答中${quoted(token)}是否定的说法，不会选中“${match.denied.label}”。请只回复要选的各项的序号，多个用空格或逗号分开，例如 1 3 5。选项：${listChoices(choices)}`);
    }
    if (match.several) return fail(`${quoted(token)}对应不止一个选项，请写完整名称或序号。${howTo}选项：${listChoices(choices)}`);
    if (!match.choice) return fail(`${quoted(token)}不在选项中。${howTo}选项：${listChoices(choices)}`);
    if (!values.includes(match.choice.value)) values.push(match.choice.value);
  }
  if (q.other && values.includes(q.other) && !other) return fail(`选择“${q.other}”时请写明具体内容，例如：${q.other}：……`);
  if (values.length < min) return fail(`至少需要选择 ${min} 项，您选择了 ${values.length} 项。`);
  if (q.maxSelected !== undefined && values.length > q.maxSelected) return fail(`最多选择 ${q.maxSelected} 项，您选择了 ${values.length} 项。`);
  return ok(other ? { values, other } : { values });
}

// ---------------------------------------------------------------------------------------------------------------
// Text.

/** What a text question's `format` accepts. */
type TextFormat = 'plain' | 'person' | 'phone' | 'mobile' | 'landline' | 'url' | 'email';

const MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
/** The longest name taken: a name with its middle dot (阿卜杜热合曼·买买提明) or in Latin letters fits; a sentence does not. */
const PERSON_MAX = 20;
/** 010-12345678, (010)12345678, 0311-85001234转123; 400-123-4567. */
const LANDLINE = /^(?:(?:\(0\d{2,3}\)|0\d{2,3}-?)\d{7,8}(?:(?:转|分机|-|ext\.?|x)\d{1,6})?|[48]00-?\d{3}-?\d{4})$/i;
const URL_LIKE = /^(?:https?:\/\/)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;

/** A phone number without the spaces people put between digit groups. */
const compactPhone = (text: string) => text.replace(/\s/g, '');
/** Phone numbers in a text: runs of digits with the spaces and dashes people put between groups. */
const phoneRuns = (text: string) => text.match(/\+?\d[\d\s\-()]{5,}\d/g) ?? [];

function checkFormat(text: string, format: TextFormat): Parsed<string> {
  const t = text.normalize('NFKC').trim();
  const digits = t.replace(/[\s-]/g, '');
  const several = phoneRuns(t).length > 1 && !MOBILE.test(digits) && !LANDLINE.test(compactPhone(t));
  switch (format) {
    case 'person': {
      const word = t.toLowerCase().replace(/[。.!！]+$/, '');
      if (YES.includes(word) || NO.includes(word) || /^[\d\s\-+]+$/.test(t) || t.includes('@') || /https?:|www\./i.test(t)) {
        return fail(`这里请填写人名，例如“张三”；您发送的是${quoted(text)}。`);
      }
      if (/\d{7,}/.test(digits)) return fail(`这里只填人名，例如“张三”；您发送的${quoted(text)}里有电话号码，电话请在电话一栏填写。`);
      // A name has no digits: an address (天山大街266号), a date or a count typed at the wrong question.
      if (/\d/.test(t)) return fail(`这里只填人名，例如“张三”；您发送的${quoted(text)}里有数字，像是地址或其他题目的答案。请只输入姓名。`);
      if (/(公司|中心|集团|协会|学会|商会|大学|学院|研究院|研究所|事务所|基地|园区|孵化器|平台)$/.test(t)) {
        return fail(`这里请填写人名，例如“张三”；您发送的${quoted(text)}像是单位名称。`);
      }
      if ([...t].length > PERSON_MAX) return fail(`这里只填人名，例如“张三”；您发送的内容有 ${[...t].length} 个字，不像姓名。请只输入姓名。`);
      return ok(text);
    }
    case 'mobile':
      if (MOBILE.test(digits)) return ok(digits.replace(/^\+?86/, ''));
      if (several) return fail(`请只填一个手机号，例如 13800000000；您发送的是${quoted(text)}。`);
      if (LANDLINE.test(compactPhone(t))) return fail(`这一栏只填手机号（11 位，例如 13800000000）；您发送的${quoted(text)}是座机号码。`);
      return fail(`这里请填写 11 位手机号，例如 13800000000；您发送的是${quoted(text)}。`);
    case 'landline':
      if (LANDLINE.test(compactPhone(t))) return ok(compactPhone(t));
      if (several) return fail(`请只填一个座机号码，例如 010-12345678；您发送的是${quoted(text)}。`);
      if (MOBILE.test(digits)) return fail(`这一栏是座机（固定电话），请填写带区号的座机号码，例如 010-12345678；您发送的${quoted(text)}是手机号，手机号请填在手机一栏。`);
      if (/^[1-9]\d{6,7}$/.test(digits)) return fail(`座机号码请带区号，例如 010-${digits}；您发送的是${quoted(text)}。`);
      return fail(`这里请填写带区号的座机号码，例如 010-12345678；您发送的是${quoted(text)}。`);
    case 'phone':
      if (MOBILE.test(digits)) return ok(digits.replace(/^\+?86/, ''));
      if (LANDLINE.test(compactPhone(t))) return ok(compactPhone(t));
      if (several) return fail(`请只填一个电话号码（手机或带区号的座机）；您发送的是${quoted(text)}。`);
      if (/^[1-9]\d{6,7}$/.test(digits)) return fail(`座机号码请带区号，例如 010-${digits}；您发送的是${quoted(text)}。`);
      return fail(`这里请填写电话号码：手机 11 位（如 13800000000），或带区号的座机（如 0311-85001234）；您发送的是${quoted(text)}。`);
    case 'url':
      if (URL_LIKE.test(t)) return ok(t);
      return fail(`这里请填写网址，例如 www.example.com；您发送的是${quoted(text)}。没有网站的可回复“跳过”。`);
    case 'email':
      if (EMAIL.test(t)) return ok(t);
      return fail(`这里请填写电子邮箱，例如 name@example.com；您发送的是${quoted(text)}。`);
    default: {
      // A phone number in a name, a nature or an address: an answer meant for a contact question further on.
      const phone = phoneRuns(t).find((run) => MOBILE.test(run.replace(/[\s\-()]/g, '')) || LANDLINE.test(compactPhone(run)));
      if (phone) {
        return fail(`这一题不填电话号码；您发送的${quoted(text)}里有电话号码（${phone.trim()}），像是联系人的信息，联系人和电话另有专门的题目填写。请只输入本题的内容。`);
      }
      return ok(text);
    }
  }
}

/** Control characters (a paste from another program) are dropped; a one-line answer keeps to one line. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g;

/** Text with control characters dropped and tabs as spaces; new lines kept only in a multi-line answer. */
function cleanText(raw: string, multiline: boolean): string {
  const text = raw.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROL, '').trim();
  return multiline ? text : text.replace(/[^\S\n]*\n\s*/g, ' ');
}

/** Whole replies that put an answer off or call it off: never a text answer (单位名称“取消”). */
const NOT_AN_ANSWER = new Set(['取消', '算了', '不填了', '先不填', '退出', '不知道', '不清楚', '不确定', '待定', '待确认', '不记得', '忘了',
  '稍后', '稍后再填', '以后再说', '回头再填', '随便', '无所谓', '测试', 'test']);

export function parseText(raw: string, q: { maxLength?: number; minLength?: number; multiline?: boolean; format?: TextFormat }): Parsed<string> {
  const text = cleanText(raw, q.multiline ?? false);
  const length = [...text].length;
  if (length === 0) return fail('内容不能为空，请输入文字。');
  if (NOT_AN_ANSWER.has(bareReply(text))) {
    return fail(`“${text}”没有作为答案保存。请直接输入本题的内容；选填题不填请回复“跳过”，暂时不清楚可先回复“目录”去填写其他部分，之后再回来。`);
  }
  const max = q.maxLength ?? 200;
  if (length > max) return fail(`内容共 ${length} 字，超过了 ${max} 字的上限。请精简到 ${max} 字以内后重新发送。`);
  if (q.minLength && length < q.minLength) return fail(`内容至少需要 ${q.minLength} 字，您写了 ${length} 字，请补充后重新发送。`);
  // A long answer written over several lines may well name a telephone; a one-line name or address does not.
  if (q.multiline && (q.format ?? 'plain') === 'plain') return ok(text);
  return checkFormat(text, q.format ?? 'plain');
}

// ---------------------------------------------------------------------------------------------------------------
// Tables and matrices.

const AMOUNT_UNITS = ['万元', '元', '亿元'] as const;

/** One cell of a table row, typed by its column. An approximate figure carries its note. */
export function parseCell(raw: string, column: Column, flow: Pick<LoadedFlow, 'vocabularies'>, today: string): Parsed<string | number | boolean | null> {
  const text = raw.trim();
  if (text === '' || text === '-' || text === '—') return column.required ? fail(`“${column.label}”不能为空`) : ok(null);
  switch (column.type) {
    case 'integer': return parseInteger(text, { unit: column.unit });
    case 'amount': {
      const unit = AMOUNT_UNITS.find((u) => u === column.unit);
      return parseAmount(text, unit ? { unit } : {});
    }
    case 'percent': return parsePercent(text, {});
    case 'area': return parseArea(text, {});
    case 'date': return parseDate(text, { notFuture: true }, today);
    case 'year': return parseYear(text, {});
    case 'yesno': return parseYesNo(text);
    case 'choice': {
      const r = parseChoice(text, choicesOf(flow, column));
      return r.ok ? ok(r.value.value) : r;
    }
    default: return ok(cleanText(text, false));
  }
}

/** The note for cells read from approximate figures, naming them. */
const approximateCellsNote = (cells: string[]) =>
  `您写的${listAnd(cells.slice(0, 3))}${cells.length > 3 ? ' 等' : ''}是约数，已按所写数字保存；填报系统需要准确数字，核实后可回复“修改”更正。`;

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
  const text = raw.normalize('NFKC').replace(CONTROL, '').trim();
  const header = q.columns.map((c) => c.label).join('，');
  if (['无', '没有', '0'].includes(text)) {
    return (q.minRows ?? 0) > 0 ? fail(`至少需要填写 ${q.minRows} 行。每行依次写：${header}`) : ok([]);
  }
  const lines = text.split(/\n|;|；/).map((l) => l.trim()).filter(Boolean);
  if (q.maxRows !== undefined && lines.length > q.maxRows) return fail(`最多填写 ${q.maxRows} 行，您写了 ${lines.length} 行。`);
  if (lines.length < (q.minRows ?? 0)) return fail(`至少需要填写 ${q.minRows} 行，您写了 ${lines.length} 行。每行依次写：${header}`);
  const rows: TableValue = [];
  const approximate: string[] = [];
  for (const [i, line] of lines.entries()) {
    let cells = line.split(/[,|\t]/).map((c) => c.trim());
    // 张伟 自然人 60% or 张伟、自然人、60%: other separators, taken only when they give exactly the columns' count.
    if (cells.length === 1 && q.columns.length > 1) {
      const other = [/\s+/, /、/].map((by) => line.split(by).map((c) => c.trim()).filter(Boolean)).find((parts) => parts.length === q.columns.length);
      if (other) cells = other;
    }
    if (cells.length !== q.columns.length) {
      return fail(`第 ${i + 1} 行应有 ${q.columns.length} 项（${header}），用逗号分开；您写了 ${cells.length} 项：${quoted(line)}`);
    }
    const row: Record<string, string | number | boolean | null> = {};
    for (const [j, column] of q.columns.entries()) {
      const cell = parseCell(cells[j], column, flow, today);
      if (!cell.ok) return fail(`第 ${i + 1} 行“${column.label}”：${cell.message}`);
      if (cell.note) approximate.push(`第 ${i + 1} 行“${column.label}”`);
      row[column.id] = cell.value;
    }
    rows.push(row);
  }
  return withNote(ok(rows), approximate.length ? approximateCellsNote(approximate) : undefined);
}

/**
 * Rows of a matrix: "行名 数1 数2 数3" (or the row's number first); a line of bare numbers fills `nextRow`,
 * the row the prompt asked for. Several rows may come in one message, separated by ； or new lines. Each cell is one
 * integer (units and 约 allowed, an approximate cell said in the note).
 */
export function parseMatrix(raw: string, rows: NormalChoice[], columns: Column[], nextRow?: NormalChoice): Parsed<Record<string, Record<string, number>>> {
  const lines = raw.normalize('NFKC').replace(CONTROL, '').split(/\n|;|；/).map((l) => l.trim()).filter(Boolean);
  const result: Record<string, Record<string, number>> = {};
  const approximate: string[] = [];
  const example = `${rows[0]?.label ?? '第一行'} ${columns.map((_, i) => 10 * (i + 1)).join(' ')}`;
  for (const line of lines) {
    const parts = line.split(/[\s,，:：|\t]+/).filter(Boolean);
    const bare = nextRow && parts.length === columns.length && parts.every((p) => /^(约|近)?\d/.test(p));
    const row = bare ? nextRow : matchChoice(parts[0] ?? '', rows);
    if (!row) return fail(`没有认出${quoted(line)}是哪一行。每行以行名或序号开头，例如：${example}`);
    const numbers = bare ? parts : parts.slice(1);
    if (numbers.length !== columns.length) {
      return fail(`“${row.label}”一行应有 ${columns.length} 个数（${columns.map((c) => c.label).join('、')}），您写了 ${numbers.length} 个。`);
    }
    result[row.value] = {};
    for (const [j, column] of columns.entries()) {
      const n = parseInteger(numbers[j], { min: 0, unit: column.unit });
      if (!n.ok) return fail(`“${row.label}”的“${column.label}”：${n.message}`);
      if (n.note) approximate.push(`“${row.label}”的“${column.label}”`);
      result[row.value][column.id] = n.value;
    }
  }
  if (Object.keys(result).length === 0) return fail(`请按行填写，例如：${example}`);
  return withNote(ok(result), approximate.length ? approximateCellsNote(approximate) : undefined);
}

/**
 * “None” said to a count, an amount or an area (没有 to 其中自有面积, whose help says 没有的填0): zero, echoed back as 0
 * so the operator sees how it was read. Not to a share: 没有 to 企业满意度 means no survey, not 0 %.
 */
const NONE_AS_ZERO = new RegExp(`^(?:${NOTHING}|零)(?:的)?$`);

/** Parse an operator's text for a question; `today` is ISO (the clock is passed in so tests are deterministic). */
export function parseAnswer(question: Question, raw: string, flow: Pick<LoadedFlow, 'vocabularies'>, today: string): Parsed {
  if (normalise(raw) === '' && question.type !== 'upload') return fail('没有收到内容。请直接回复答案。');
  const quantity = ['integer', 'amount', 'area'].includes(question.type);
  if (quantity && NONE_AS_ZERO.test(normalise(raw).replace(/[。.!！]+$/, ''))) raw = '0';
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
