import { describe, expect, it } from 'vitest';
import { parseAmount, parseArea, parseChoice, parseDate, parseInteger, parsePercent, parseText, parseYear, parseYesNo } from '../../src/engine/parse-answer.ts';

/**
 * The catalogue of what operators type: each table is [typed, stored] for forms accepted, [typed, fragment of the
 * refusal] for forms refused. A refusal says what was wrong and what to send instead; nothing is guessed silently.
 */

const TODAY = '2026-11-21';
const stored = (r: { ok: boolean; value?: unknown; message?: string }) => (r.ok ? r.value : `refused: ${r.message}`);

describe('counts (整数)', () => {
  it.each([
    ['120', 120], ['１２０', 120], ['120家', 120], ['320台', 320], ['15次', 15], ['8人', 8], ['1,234', 1234], ['1，234', 1234],
    ['1.2万', 12000], ['约120', 120], ['大约120家', 120], ['120左右', 120], ['120多家', 120], ['近120', 120], ['120。', 120],
  ])('%s → %s', (typed, value) => expect(stored(parseInteger(typed, { unit: '家' }))).toBe(value));

  it.each([
    ['120 40', '请一次只填一个数：您发送了 120 和 40'],
    ['12000 8000', '请一次只填一个数：您发送了 12000 和 8000'],
    ['去年120今年150', '请一次只填一个数'],
    ['50万元', '不是金额'],
    ['3.5', '需要整数'],
    ['1.23456万', '需要整数'],
    ['-3', '不能为负数'],
    ['abc', '不是有效的数字'],
    ['120平米', '不是本题的单位'],
  ])('%s is refused: %s', (typed, fragment) => expect(stored(parseInteger(typed, { unit: '家' }))).toContain(fragment));

  it('an approximate figure is saved as written and says so', () => {
    expect(parseInteger('约120', { unit: '家' })).toEqual({ ok: true, value: 120, note: expect.stringContaining('您写的是约数，已按 120家 保存') });
    expect(parseInteger('120', { unit: '家' })).toEqual({ ok: true, value: 120 });
  });
});

describe('amounts (万元 unless the field says 元 or 亿元)', () => {
  it.each([
    ['1.2亿', '万元', '12000'], ['3,500万元', '万元', '3500'], ['12000元', '万元', '1.2'], ['¥12000元', '万元', '1.2'], ['约3500万', '万元', '3500'],
    ['3000万', '亿元', '0.3'], ['1.5', '亿元', '1.5'], ['1.5亿元', '亿元', '1.5'], ['2万', '元', '20000'],
  ] as const)('%s in %s → %s', (typed, unit, value) => expect(stored(parseAmount(typed, { unit }))).toBe(value));

  it.each([
    ['3500 2800', '请一次只填一个数'],
    ['30家', '不是金额单位'],
    ['-5', '不能为负数'],
  ])('%s is refused: %s', (typed, fragment) => expect(stored(parseAmount(typed, {}))).toContain(fragment));
});

describe('percentages, areas, dates and years', () => {
  it.each([['95', '95'], ['95%', '95'], ['９５％', '95'], ['百分之95', '95'], ['0.95%', '0.95'], ['约90%', '90'], ['0', '0'], ['100', '100']])(
    'percent %s → %s',
    (typed, value) => expect(stored(parsePercent(typed, {}))).toBe(value),
  );
  it('a share between 0 and 1 without the sign is asked back, not saved', () => {
    expect(stored(parsePercent('0.95', {}))).toContain('是指 95% 吗？是的话请回复 95；如确为 0.95%，请回复 0.95%');
    expect(stored(parsePercent('95 90', {}))).toContain('请一次只填一个数');
    expect(stored(parsePercent('101', {}))).toContain('不能超过 100');
  });
  it.each([['5,200㎡', '5200'], ['800平米', '800'], ['1.2万平方米', '12000'], ['12000 平方米', '12000'], ['约800平米', '800']])(
    'area %s → %s',
    (typed, value) => expect(stored(parseArea(typed, {}))).toBe(value),
  );
  it('two areas in one message are refused', () => expect(stored(parseArea('12000 8000', {}))).toContain('请一次只填一个数'));
  it.each([['2015-06-01'], ['2015/6/1'], ['2015.6.1'], ['2015年6月1日'], ['2015年6月1号'], ['20150601'], ['２０１５年６月１日']])(
    'date %s → 2015-06-01',
    (typed) => expect(stored(parseDate(typed, {}, TODAY))).toBe('2015-06-01'),
  );
  it.each([
    ['2015年6月', '具体日期'], ['2015.6', '具体日期'], ['15年6月1日', '四位数的年份'], ['约2015年6月', '准确的日期'], ['2027-01-01', '不能晚于今天'], ['2015-02-30', '不是存在的日期'],
  ])('date %s is refused: %s', (typed, fragment) => expect(stored(parseDate(typed, {}, TODAY))).toContain(fragment));
  it('years are exact', () => {
    expect(stored(parseYear('2023年', {}))).toBe(2023);
    expect(stored(parseYear('约2020', {}))).toContain('准确的年份');
  });
});

describe('yes and no as people say them', () => {
  const YES = ['是', '是的', '对', '有', '有的', '能', '可以', '确认', '已', '已通过', '好的', '嗯', 'Y', 'yes', '1', '√', '有的，已通过认证', '是，已建成'];
  const NO = ['否', '不是', '不对', '没有', '无', '不能', '不可以', '未', '没', '2', '×', 'no', '无此情况', '没有受到处罚', '未受到处罚', '无不良记录', '不存在严重失信行为', '从未'];
  const UNDECIDED = ['也许', '不清楚', '不知道', '是否', '是不是要填', '有没有', '可能吧', '待定', '什么意思？'];
  it.each(YES)('%s → 是', (w) => expect(parseYesNo(w)).toEqual({ ok: true, value: true }));
  it.each(NO)('%s → 否', (w) => expect(parseYesNo(w)).toEqual({ ok: true, value: false }));
  it.each(UNDECIDED)('%s is asked again', (w) => expect(stored(parseYesNo(w))).toContain('请回答“是”或“否”'));
});

describe('choices match whole options, never a denied one', () => {
  const natures = ['国有企业', '国有控股企业', '私营企业', '外资企业', '合资企业', '事业单位', '社会团体', '其他'].map((v) => ({ value: v, label: v }));
  it.each([['6', '事业单位'], ['事业单位', '事业单位'], ['私营', '私营企业'], ['我们是事业单位', '事业单位'], ['其他：民办非企业单位', '其他']])(
    '%s → %s',
    (typed, value) => expect((stored(parseChoice(typed, natures, '其他')) as { value: string }).value).toBe(value),
  );
  it.each(['不是事业单位', '非事业单位', '不属于事业单位', '没有'])('%s selects nothing and lists the options once', (typed) => {
    const message = stored(parseChoice(typed, natures, '其他')) as string;
    expect(message).toMatch(/^refused/);
    expect(message.split('私营企业').length - 1).toBe(1);
  });
  it('a text naming two options is refused', () => expect(stored(parseChoice('国有企业和私营企业合资', natures))).toMatch(/^refused/));
});

describe('text hygiene and formats', () => {
  it('drops control characters; a one-line answer stays on one line', () => {
    expect(stored(parseText('北京市\u0000昌平区\u0007科技园路1号', {}))).toBe('北京市昌平区科技园路1号');
    expect(stored(parseText('第一段\n第二段', {}))).toBe('第一段 第二段');
    expect(stored(parseText('第一段\n第二段', { multiline: true }))).toBe('第一段\n第二段');
  });
  it.each([
    ['mobile', '13800000000', '13800000000'], ['mobile', '138 0000 0000', '13800000000'], ['mobile', '+86 138-0000-0000', '13800000000'],
    ['landline', '010-12345678', '010-12345678'], ['landline', '(010)12345678', '(010)12345678'], ['landline', '0311-85001234转123', '0311-85001234转123'],
    ['phone', '15831100123', '15831100123'], ['phone', '0311-85001234', '0311-85001234'],
    ['url', 'www.example.com', 'www.example.com'], ['url', 'https://smebj.cn/path', 'https://smebj.cn/path'], ['url', 'example.com.cn', 'example.com.cn'],
    ['email', 'name@example.com', 'name@example.com'], ['person', '张三', '张三'], ['person', 'John Smith', 'John Smith'],
  ] as const)('%s accepts %s', (format, typed, value) => expect(stored(parseText(typed, { format }))).toBe(value));
  it.each([
    ['mobile', '010-12345678', '座机号码请填在座机一栏'], ['mobile', '1380000', '11 位手机号'], ['landline', '13800000000', '手机号请填在手机一栏'],
    ['phone', '12345', '电话号码'], ['url', '没有网站', '网址'], ['email', 'name.example.com', '电子邮箱'], ['person', '是', '人名'], ['person', '确认', '人名'], ['person', '12345', '人名'],
  ] as const)('%s refuses %s', (format, typed, fragment) => expect(stored(parseText(typed, { format }))).toContain(fragment));
});
