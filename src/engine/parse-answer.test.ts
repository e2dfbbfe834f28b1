import { describe, expect, it } from 'vitest';
import { parseAmount, parseAnswer, parseArea, parseChoice, parseDate, parseInteger, parseMulti, parsePercent, parseTable, parseText, parseYesNo } from './parse-answer.ts';
import type { Question } from '../flow/schema.ts';

/** What tired operators type, and what gets stored. */

const vocab = { vocabularies: new Map() };
const ok = (value: unknown) => ({ ok: true, value });

describe('integers', () => {
  it('accepts full-width digits, units and thousands separators', () => {
    expect(parseInteger('４５', {})).toEqual(ok(45));
    expect(parseInteger('45家', { unit: '家' })).toEqual(ok(45));
    expect(parseInteger(' 1,234 人', {})).toEqual(ok(1234));
  });
  it('refuses letters, negatives, fractions and absurd sizes with a reason', () => {
    expect(parseInteger('abc', {})).toMatchObject({ ok: false, message: expect.stringContaining('不是有效的数字') });
    expect(parseInteger('-3', {})).toMatchObject({ ok: false, message: expect.stringContaining('不能为负数') });
    expect(parseInteger('4.5', {})).toMatchObject({ ok: false, message: expect.stringContaining('需要整数') });
    expect(parseInteger('99999999999', {})).toMatchObject({ ok: false, message: expect.stringContaining('过大') });
  });
  it('a year said in words before the figure (去年65家) is not guessed for: the operator is asked to check and send the number', () => {
    expect(parseInteger('去年65家', { unit: '家' })).toMatchObject({ ok: false, message: expect.stringContaining('写了“去年”：本题只填数字，例如 65家。请确认这个数是本题所问年度的') });
    expect(parseAmount('今年3200.5', { unit: '万元' })).toMatchObject({ ok: false, message: expect.stringContaining('例如 3200.5。') });
  });
});

describe('amounts in 万元 are stored exactly', () => {
  it.each([
    ['1234.5', '1234.5'],
    ['1,234.56', '1234.56'],
    ['１２３４．５', '1234.5'],
    ['1.2万', '1.2'],
    ['12000元', '1.2'],
    ['1.5亿', '15000'],
    ['0.1', '0.1'],
    ['3500万元', '3500'],
  ])('%s → %s 万元', (input, stored) => expect(parseAmount(input, { unit: '万元' })).toEqual(ok(stored)));
  it('keeps decimals a float would lose', () => {
    expect(parseAmount('0.3', {})).toEqual(ok('0.3'));
    expect(parseAmount('123456789.1234', {})).toEqual(ok('123456789.1234'));
  });
  it('refuses a negative amount unless the flow allows one', () => {
    expect(parseAmount('-5', {})).toMatchObject({ ok: false });
    expect(parseAmount('-5', { min: -1e9 })).toEqual(ok('-5'));
  });
});

describe('percent, area, date, yes/no', () => {
  it('percent 0–100 with or without the sign', () => {
    expect(parsePercent('92.5%', {})).toEqual(ok('92.5'));
    expect(parsePercent('９５％', {})).toEqual(ok('95'));
    expect(parsePercent('101', {})).toMatchObject({ ok: false, message: expect.stringContaining('不能超过 100') });
  });
  it('area with its unit', () => {
    expect(parseArea('5,200㎡', {})).toEqual(ok('5200'));
    expect(parseArea('800平米', {})).toEqual(ok('800'));
  });
  it('dates in the ways people write them, never in the future', () => {
    for (const d of ['2015-06-01', '2015/6/1', '2015.6.1', '2015年6月1日', '20150601']) expect(parseDate(d, {}, '2026-11-21')).toEqual(ok('2015-06-01'));
    expect(parseDate('2027-01-01', {}, '2026-11-21')).toMatchObject({ ok: false, message: expect.stringContaining('不能晚于今天') });
    expect(parseDate('2015-6', {}, '2026-11-21')).toMatchObject({ ok: false, message: expect.stringContaining('具体日期') });
  });
  it('yes and no in their many forms', () => {
    for (const y of ['是', '有', 'Y', 'yes', '1']) expect(parseYesNo(y)).toEqual(ok(true));
    for (const n of ['否', '没有', 'no', '2', '无']) expect(parseYesNo(n)).toEqual(ok(false));
    expect(parseYesNo('也许')).toMatchObject({ ok: false });
  });
});

describe('choices and tables', () => {
  const choices = ['国有企业', '私营企业', '其他'].map((v) => ({ value: v, label: v }));
  it('a choice by number, name or unique part of a name, and 其他 with its text', () => {
    expect(parseChoice('2', choices)).toEqual(ok({ value: '私营企业' }));
    expect(parseChoice('私营', choices)).toEqual(ok({ value: '私营企业' }));
    expect(parseChoice('其他：民办非企业单位', choices, '其他')).toEqual(ok({ value: '其他', other: '民办非企业单位' }));
    expect(parseChoice('其他', choices, '其他')).toMatchObject({ ok: false, message: expect.stringContaining('请写明') });
  });
  it('an option by the words operators use for it (aliases), never a denied one', () => {
    const premises = [{ value: '自有', label: '自有', aliases: ['自己的', '买的'] }, { value: '租赁', label: '租赁', aliases: ['租的', '租用'] }, { value: '部分自有部分租赁', label: '部分自有部分租赁' }];
    expect(parseChoice('租的', premises)).toEqual(ok({ value: '租赁' }));
    expect(parseChoice('是租的。', premises)).toEqual(ok({ value: '租赁' }));
    expect(parseChoice('我们是租赁的', premises)).toEqual(ok({ value: '租赁' }));
    expect(parseChoice('买的', premises)).toEqual(ok({ value: '自有' }));
    expect(parseChoice('不是租的', premises).ok).toBe(false);
  });

  it('an option with a full-width comma matches exactly, and a part that drops its meaning does not', () => {
    const ws = ['已建设', '未建设，承诺本年年底前建设完成'].map((v) => ({ value: v, label: v }));
    expect(parseChoice('未建设，承诺本年年底前建设完成', ws)).toEqual(ok({ value: '未建设，承诺本年年底前建设完成' }));
    expect(parseChoice('未建设', ws)).toMatchObject({ ok: false, message: expect.stringContaining('不在选项中') });
    expect(parseChoice('2', ws)).toEqual(ok({ value: '未建设，承诺本年年底前建设完成' }));
  });
  it('several choices separated any way', () => {
    expect(parseMulti('1、2', choices, {})).toEqual(ok({ values: ['国有企业', '私营企业'] }));
    expect(parseMulti('无', choices, { minSelected: 0 })).toEqual(ok({ values: [] }));
    expect(parseMulti('7', choices, {})).toMatchObject({ ok: false, message: expect.stringContaining('不在选项中') });
  });
  it('a small table row per line or per ；', () => {
    const columns = [
      { id: 'name', label: '投资方', type: 'text' as const, required: true },
      { id: 'ratio', label: '投资比例（%）', type: 'percent' as const, required: true },
    ];
    expect(parseTable('甲公司，60；乙公司，40', { columns }, vocab, '2026-11-21')).toEqual(ok([{ name: '甲公司', ratio: '60' }, { name: '乙公司', ratio: '40' }]));
    expect(parseTable('甲公司', { columns }, vocab, '2026-11-21')).toMatchObject({ ok: false, message: expect.stringContaining('应有 2 项') });
  });
  it('没有 to a count, an amount or an area is zero; to a share it is no answer', () => {
    const area = { id: 'owned_area', label: '其中自有（平方米）', ref: '二', type: 'area', min: 0, required: true, evidence: [], checks: [], extra: false } as unknown as Question;
    const count = { id: 'n', label: '件数', ref: '三', type: 'integer', min: 0, required: true, evidence: [], checks: [], extra: false } as unknown as Question;
    expect(parseAnswer(area, '没有', vocab, '2026-11-21')).toMatchObject({ ok: true, value: '0' });
    expect(parseAnswer(count, '无。', vocab, '2026-11-21')).toMatchObject({ ok: true, value: 0 });
    // Not knowing is no zero, nor is 没有 to a share (no survey is not 0 % satisfied).
    expect(parseAnswer(count, '没有数据', vocab, '2026-11-21')).toMatchObject({ ok: false });
    const share = { id: 'satisfaction', label: '企业满意度（%）', ref: '四', type: 'percent', required: true, evidence: [], checks: [], extra: false } as unknown as Question;
    expect(parseAnswer(share, '没有', vocab, '2026-11-21')).toMatchObject({ ok: false });
  });
  it('text length counts characters, not bytes', () => {
    expect(parseText('字'.repeat(300), { maxLength: 300 })).toEqual(ok('字'.repeat(300)));
    expect(parseText('字'.repeat(301), { maxLength: 300 })).toMatchObject({ ok: false, message: expect.stringContaining('共 301 字') });
  });
  it('a one-line name, nature or address with a telephone in it is an answer meant for a later question', () => {
    // The operator typed the contact ahead, into 单位性质: refused, saying why, rather than saved as the unit's nature.
    expect(parseText('李四，办公室主任，0311-85812345', { maxLength: 50 })).toMatchObject({ ok: false, message: expect.stringContaining('电话号码（0311-85812345）') });
    expect(parseText('事业单位 13912345678', { maxLength: 50 })).toMatchObject({ ok: false, message: expect.stringContaining('13912345678') });
    // Numbers that are no telephone stay: a house number, a postcode, an ICP filing number.
    expect(parseText('石家庄市裕华区槐安东路88号（邮编050000）', { maxLength: 100 })).toEqual(ok('石家庄市裕华区槐安东路88号（邮编050000）'));
    expect(parseText('www.hbsme.org.cn 冀ICP备2023012345号-1', { maxLength: 100 })).toEqual(ok('www.hbsme.org.cn 冀ICP备2023012345号-1'));
    // A long answer over several lines may name a hotline.
    expect(parseText('平台提供政策咨询服务。\n服务热线：0311-85812345', { maxLength: 500, multiline: true })).toMatchObject({ ok: true });
  });

  it('a reply that calls the answer off (取消, 不知道, 待定) is never saved as text', () => {
    for (const word of ['取消', '算了。', '不知道', '待定']) {
      expect(parseText(word, { maxLength: 200 })).toMatchObject({ ok: false, message: expect.stringContaining('没有作为答案保存') });
    }
    expect(parseText('取消合作的机构已从名单中删除', { maxLength: 200 })).toEqual(ok('取消合作的机构已从名单中删除'));
  });

  it('a name question takes a name, not an address, a unit or a sentence typed at it', () => {
    const person = { maxLength: 50, format: 'person' as const };
    for (const name of ['王建国', '欧阳明月', '阿卜杜热合曼·买买提明', 'John Smith']) expect(parseText(name, person)).toEqual(ok(name));
    expect(parseText('石家庄市高新区天山大街266号', person)).toMatchObject({ ok: false, message: expect.stringContaining('里有数字，像是地址') });
    expect(parseText('河北军鼎产业园运营有限公司', person)).toMatchObject({ ok: false, message: expect.stringContaining('像是单位名称') });
    expect(parseText('我们的法人是王建国，电话稍后再告诉你们吧谢谢', person)).toMatchObject({ ok: false, message: expect.stringContaining('不像姓名') });
  });
});

describe('what the parser noticed travels with the value', () => {
  const employees = { id: 'employees', label: '单位从业人数', ref: '【一】8', type: 'integer', unit: '人', required: true, evidence: [], checks: [], extra: false } as Question;
  it('an approximate figure is saved with a note; an exact one has none', () => {
    expect(parseAnswer(employees, '约120', vocab, '2026-11-21')).toEqual({
      ok: true,
      value: 120,
      note: '您写的是约数，已按 120人 保存；填报系统需要准确数字，核实后可回复“修改”更正。',
    });
    expect(parseAnswer(employees, '120', vocab, '2026-11-21')).toEqual(ok(120));
  });
  it('two numbers are refused, never glued', () => {
    expect(parseAnswer(employees, '120 40', vocab, '2026-11-21')).toMatchObject({ ok: false, message: expect.stringContaining('请一次只填一个数：您发送了 120 和 40') });
  });
});

describe('matrix totals', () => {
  it('shows each row, a 小计 per row when asked, and the 合计 of each column', async () => {
    const { formatMatrix } = await import('./format.ts');
    const rows = [{ value: '线上', label: '线上' }, { value: '线下', label: '线下' }];
    const question = {
      id: 'm', label: '活动场次', ref: 'x', type: 'matrix' as const, required: true, evidence: [], checks: [], extra: false,
      rows, totals: true, rowTotals: true,
      columns: [
        { id: 'h1', label: '上半年', type: 'integer' as const, required: true, unit: '场' },
        { id: 'h2', label: '下半年', type: 'integer' as const, required: true, unit: '场' },
      ],
    };
    const lines = formatMatrix({ vocabularies: new Map() } as never, question, { 线上: { h1: 3, h2: 4 }, 线下: { h1: 5, h2: 6 } });
    expect(lines).toEqual(['　线上：上半年 3场，下半年 4场，小计 7场', '　线下：上半年 5场，下半年 6场，小计 11场', '　合计：上半年 8场，下半年 10场']);
  });
});
