import { describe, expect, it } from 'vitest';
import { parseAmount, parseArea, parseDate, parseInteger, parsePercent, parseYear } from '../../src/engine/parse-answer.ts';

/**
 * The catalogue of how operators write numbers, dates and years: each table is [typed, stored] for forms accepted and
 * [typed, fragment of the refusal] for forms refused. One value per answer, nothing glued, a unit that contradicts the
 * question said back, an approximate figure saved with a note, a date or year never approximate.
 */

const TODAY = '2026-11-21';
type Result = { ok: boolean; value?: unknown; message?: string; note?: string };
const stored = (r: Result) => (r.ok ? r.value : `refused: ${r.message}`);
const refusal = (r: Result) => (r.ok ? `accepted: ${JSON.stringify(r.value)}` : r.message!);

/** The note said with a value read from an approximate figure. */
const APPROX_NOTE = (shown: string) => `您写的是约数，已按 ${shown} 保存；填报系统需要准确数字，核实后可回复“修改”更正。`;

describe('one value per answer: several numbers are refused, never glued', () => {
  it.each([
    ['120 40', '请一次只填一个数：您发送了 120 和 40'],
    ['12000 8000', '请一次只填一个数：您发送了 12000 和 8000'],
    ['120，40', '请一次只填一个数：您发送了 120 和 40'],
    ['1,23', '请一次只填一个数：您发送了 1 和 23'],
    ['1 234', '请一次只填一个数：您发送了 1 和 234'],
    ['100-120', '请一次只填一个数：您发送了 100 和 120'],
    ['100到120', '请一次只填一个数：您发送了 100 和 120'],
    ['去年120今年150', '请一次只填一个数：您发送了 120 和 150'],
    ['120家，其中小微80家', '请一次只填一个数：您发送了 120 和 80'],
    ['1 2 3', '请一次只填一个数：您发送了 1、2 和 3'],
  ])('count %s → %s', (typed, fragment) => expect(refusal(parseInteger(typed, { unit: '家' }))).toContain(fragment));

  it.each([
    ['amount', () => parseAmount('3500 2800', {})],
    ['amount with units', () => parseAmount('3500万 2800万', {})],
    ['percent', () => parsePercent('95 90', {})],
    ['area', () => parseArea('12000 8000', {})],
    ['year', () => parseYear('2022 2023', {})],
    ['year range', () => parseYear('2022-2023', {})],
  ])('%s: refused with the numbers found', (_, parse) => expect(refusal(parse())).toMatch(/^请一次只填一个数：您发送了 \d+万? 和 \d+/));

  it.each([
    ['1,234', 1234], ['1，234', 1234], ['１，２３４', 1234], ['12,345,678', 12345678], ['１２０', 120], [' 120 ', 120],
  ])('thousands separators and full-width digits still read as one number: %s → %s', (typed, value) => {
    expect(stored(parseInteger(typed, {}))).toBe(value);
  });
});

describe('counts (整数) as people write them', () => {
  it.each([
    ['120', '家', 120], ['120家', '家', 120], ['45个', '家', 45], ['12户', '家', 12], ['120家企业', '家', 120], ['共120家', '家', 120],
    ['一共120家', '家', 120], ['合计120', '家', 120], ['入驻企业：120家', '家', 120], ['三十五家', '家', 35], ['120。', '家', 120],
    ['320台', '台/套', 320], ['320套', '台/套', 320], ['15次', '次', 15], ['8场', '次', 8], ['8人', '人', 8], ['8名', '人', 8],
    ['50人次', '人', 50], ['6项', '项', 6], ['6件', '件', 6], ['1.2万', '人', 12000], ['1.2万人', '人', 12000], ['两万', '人', 20000],
    ['一百二十', '人', 120], ['一万二', '人', 12000], ['1万2', '人', 12000], ['+5', '家', 5], ['0', '家', 0],
  ] as const)('%s (unit %s) → %s', (typed, unit, value) => expect(parseInteger(typed, { unit })).toEqual({ ok: true, value }));

  it.each([
    ['约120', '家', '120家'], ['大约120', '家', '120家'], ['大概120家', '家', '120家'], ['120左右', '家', '120家'], ['120家左右', '家', '120家'],
    ['120多', '家', '120家'], ['120多家', '家', '120家'], ['120余人', '人', '120人'], ['120以上', '家', '120家'], ['近120', '家', '120家'],
    ['将近120人', '人', '120人'], ['超过120', '家', '120家'], ['120+', '家', '120家'], ['1.2万多人', '人', '12000人'], ['一百多', '人', '100人'],
  ] as const)('approximate %s is saved as %s with a note', (typed, unit, shown) => {
    const r = parseInteger(typed, { unit });
    expect(r).toEqual({ ok: true, value: parseInt(shown.replace(/\D/g, ''), 10), note: APPROX_NOTE(shown) });
  });

  it.each([
    ['50万元', '家', '不是金额'],
    ['3万元', '人', '不是金额'],
    ['30人', '家', '“人”不是本题的单位（本题单位：家）'],
    ['120人次', '次', '“人次”不是本题的单位（本题单位：次）'],
    ['5年', '家', '“年”不是本题的单位（本题单位：家）'],
    ['120平米', '家', '“平米”不是本题的单位'],
    ['3个月', '人', '“个月”不是本题的单位'],
    ['90%', '家', '“%”不是本题的单位'],
    ['3.5', '家', '需要整数'],
    ['1.23456万', '家', '需要整数'],
    ['-3', '家', '不能为负数'],
    ['abc', '家', '不是有效的数字'],
    ['十几', '家', '不是有效的数字'],
    ['120家不到', '家', '是一个范围'],
    ['不到120', '家', '是一个范围，不是确切的数'],
    ['120以下', '家', '是一个范围'],
    ['最多120', '家', '是一个范围'],
    ['99999999999', '家', '过大'],
  ] as const)('%s (unit %s) is refused: %s', (typed, unit, fragment) => expect(refusal(parseInteger(typed, { unit }))).toContain(fragment));

  it('a count without a declared unit takes any count unit', () => {
    expect(parseInteger('45家', {})).toEqual({ ok: true, value: 45 });
    expect(parseInteger(' 1,234 人', {})).toEqual({ ok: true, value: 1234 });
  });
});

describe('amounts: 万元 unless the field says 元 or 亿元', () => {
  it.each([
    ['1234.5', '万元', '1234.5'], ['1.2万', '万元', '1.2'], ['12000元', '万元', '1.2'], ['¥12000', '万元', '1.2'], ['¥12000元', '万元', '1.2'],
    ['1.5亿', '万元', '15000'], ['1.2亿元', '万元', '12000'], ['3,500万元', '万元', '3500'], ['人民币500万元', '万元', '500'], ['12000元整', '万元', '1.2'],
    ['3千元', '万元', '0.3'], ['５００万', '万元', '500'], ['五百万', '万元', '500'], ['3000万', '亿元', '0.3'], ['1.5', '亿元', '1.5'],
    ['1.5亿元', '亿元', '1.5'], ['2万', '元', '20000'], ['5w', '元', '50000'], ['12000', '元', '12000'],
  ] as const)('%s in %s → %s', (typed, unit, value) => expect(parseAmount(typed, { unit })).toEqual({ ok: true, value }));

  it.each([
    ['约3500万', '3500万元'], ['3500万左右', '3500万元'], ['120多万', '120万元'], ['大约1.2亿', '12000万元'],
  ])('approximate %s is saved as %s with a note', (typed, shown) => {
    expect(parseAmount(typed, {})).toMatchObject({ ok: true, note: APPROX_NOTE(shown) });
  });

  it('a loss is negative where the flow allows it', () => {
    expect(parseAmount('-35.5', { min: -1e9 })).toEqual({ ok: true, value: '-35.5' });
    expect(parseAmount('负35.5', { min: -1e9 })).toEqual({ ok: true, value: '-35.5' });
    expect(refusal(parseAmount('-5', {}))).toContain('不能为负数');
  });

  it.each([
    ['3家', '“家”不是金额单位（是数量的单位）'],
    ['30人', '“人”不是金额单位'],
    ['50平米', '“平米”不是金额单位（是面积的单位）'],
    ['3500 2800', '请一次只填一个数'],
    ['不足300万', '是一个范围'],
    ['一些', '不是有效的数字'],
  ])('%s is refused: %s', (typed, fragment) => expect(refusal(parseAmount(typed, {}))).toContain(fragment));
});

describe('percentages', () => {
  it.each([
    ['95', '95'], ['95%', '95'], ['95 %', '95'], ['９５％', '95'], ['百分之95', '95'], ['百分之九十五', '95'], ['0.95%', '0.95'],
    ['92.5', '92.5'], ['0', '0'], ['1', '1'], ['100', '100'], ['100%', '100'],
  ])('%s → %s', (typed, value) => expect(parsePercent(typed, {})).toEqual({ ok: true, value }));

  it.each([['约90%', '90%'], ['90%以上', '90%'], ['95%左右', '95%']])('approximate %s is saved as %s with a note', (typed, shown) => {
    expect(parsePercent(typed, {})).toMatchObject({ ok: true, note: APPROX_NOTE(shown) });
  });

  it('a share between 0 and 1 without the sign is asked back, not saved', () => {
    expect(refusal(parsePercent('0.95', {}))).toBe('您填写的是 0.95，是指 95% 吗？是的话请回复 95；如确为 0.95%，请回复 0.95%。');
    expect(refusal(parsePercent('0.5', {}))).toContain('是指 50% 吗？');
    expect(refusal(parsePercent('约0.9', {}))).toContain('是指 90% 吗？');
  });

  it.each([
    ['101', '不能超过 100'], ['95 90', '请一次只填一个数'], ['95家', '“家”不是百分比'], ['0.5万', '不是百分比'], ['-5', '不能为负数'],
    ['92.555', '最多保留 2 位小数'], ['很高', '不是有效的数字'],
  ])('%s is refused: %s', (typed, fragment) => expect(refusal(parsePercent(typed, {}))).toContain(fragment));
});

describe('areas in 平方米', () => {
  it.each([
    ['5200', '5200'], ['5,200㎡', '5200'], ['800平米', '800'], ['800平', '800'], ['800平方', '800'], ['800 m2', '800'], ['800m²', '800'],
    ['12000 平方米', '12000'], ['1.2万平方米', '12000'], ['1.2万㎡', '12000'], ['共800平米', '800'],
  ])('%s → %s', (typed, value) => expect(parseArea(typed, {})).toEqual({ ok: true, value }));

  it.each([['约800平米', '800平方米'], ['800㎡左右', '800平方米'], ['1万多平方米', '10000平方米']])('approximate %s is saved as %s with a note', (typed, shown) => {
    expect(parseArea(typed, {})).toMatchObject({ ok: true, note: APPROX_NOTE(shown) });
  });

  it.each([
    ['12000 8000', '请一次只填一个数'], ['3亩', '“亩”不是面积单位。请换算成平方米'], ['800家', '“家”不是面积单位'], ['800万元', '不是面积单位'],
  ])('%s is refused: %s', (typed, fragment) => expect(refusal(parseArea(typed, {}))).toContain(fragment));
});

describe('dates: one exact day', () => {
  it.each([
    '2015-06-01', '2015-6-1', '2015/6/1', '2015/06/01', '2015.6.1', '2015.06.01', '2015年6月1日', '2015年6月1号', '2015年06月01日',
    '2015 年 6 月 1 日', '2015 6 1', '20150601', '２０１５年６月１日', '二〇一五年六月一日', '2015年6月1日。',
  ])('%s → 2015-06-01', (typed) => expect(parseDate(typed, {}, TODAY)).toEqual({ ok: true, value: '2015-06-01' }));

  it.each([
    ['15年6月1日', '请写四位数的年份'],
    ['15.6.1', '请写四位数的年份'],
    ['2015年6月', '只写到了月份。请写到具体日期（年-月-日）'],
    ['2015.6', '只写到了月份'],
    ['2015-06', '只写到了月份'],
    ['201506', '只写到了月份'],
    ['2015年', '只写到了年份'],
    ['约2015年6月1日', '这里需要准确的日期'],
    ['2015年6月左右', '这里需要准确的日期'],
    ['2015年6月初', '这里需要准确的日期'],
    ['2015年底', '这里需要准确的日期'],
    ['2015.6.1-2016.6.1', '请只填一个日期'],
    ['2015年6月1日至2016年6月1日', '请只填一个日期'],
    ['2027-01-01', '不能晚于今天'],
    ['2015-02-30', '不是存在的日期'],
    ['去年六月', '不是有效的日期'],
  ])('%s is refused: %s', (typed, fragment) => expect(refusal(parseDate(typed, {}, TODAY))).toContain(fragment));

  it('a month alone names the day that is needed', () => {
    const message = refusal(parseDate('2015年6月', { label: '注册时间' }, TODAY));
    expect(message).toContain('即“注册时间”的具体哪一天');
    expect(message).toContain('营业执照');
  });

  it('with month precision a month is enough; a full date is cut to its month and says so', () => {
    expect(parseDate('2015.6', { precision: 'month' }, TODAY)).toEqual({ ok: true, value: '2015-06' });
    expect(parseDate('2015年6月', { precision: 'month' }, TODAY)).toEqual({ ok: true, value: '2015-06' });
    expect(parseDate('2015-06-18', { precision: 'month' }, TODAY)).toEqual({ ok: true, value: '2015-06', note: '本题只需要年月，已按 2015-06 保存。' });
    expect(refusal(parseDate('2015-13', { precision: 'month' }, TODAY))).toContain('不是存在的月份');
  });
});

describe('years: four digits, exact', () => {
  it.each([['2023', 2023], ['2023年', 2023], ['2023年度', 2023], ['２０２３', 2023], ['二〇二三年', 2023], ['2023。', 2023]])('%s → %s', (typed, value) => {
    expect(parseYear(typed, {})).toEqual({ ok: true, value });
  });
  it.each([
    ['23年', '请输入四位数年份'], ['约2020', '准确的年份'], ['2020年左右', '准确的年份'], ['2020年前后', '准确的年份'], ['2022 2023', '请一次只填一个数'],
    ['去年', '不是有效的年份'],
  ])('%s is refused: %s', (typed, fragment) => expect(refusal(parseYear(typed, {}))).toContain(fragment));
});
