import { describe, expect, it } from 'vitest';
import { parseAnswer, parseCell, parseMatrix, parseTable, parseText } from '../../src/engine/parse-answer.ts';
import type { Question } from '../../src/flow/schema.ts';

/**
 * The catalogue of text answers: control characters dropped, and each `format` (person, phone, mobile, landline, url,
 * email) accepting what people type in such a field and refusing what belongs elsewhere. Then tables and matrices,
 * whose approximate cells are said in the note.
 */

const TODAY = '2026-11-21';
const vocab = { vocabularies: new Map() };
type Result = { ok: boolean; value?: unknown; message?: string; note?: string };
const refusal = (r: Result) => (r.ok ? `accepted: ${JSON.stringify(r.value)}` : r.message!);

describe('text hygiene', () => {
  it.each([
    ['北京市\u0000昌平区\u0007科技园路1号', '北京市昌平区科技园路1号'],
    ['北京市\u200b昌平区\ufeff', '北京市昌平区'],
    ['甲\t乙', '甲 乙'],
    ['第一段\n第二段', '第一段 第二段'],
    ['第一段\r\n第二段', '第一段 第二段'],
    ['  前后有空格  ', '前后有空格'],
    ['ABC　公司', 'ABC　公司'],
  ])('one line: %j → %j', (typed, value) => expect(parseText(typed, {})).toEqual({ ok: true, value }));

  it('a multi-line answer keeps its lines, still without control characters', () => {
    expect(parseText('第一段\r\n第二段\u0000\n\t第三段', { multiline: true })).toEqual({ ok: true, value: '第一段\n第二段\n 第三段' });
  });

  it('length counts characters, not bytes, after cleaning', () => {
    expect(parseText('字'.repeat(300) + '\u0000', { maxLength: 300 })).toEqual({ ok: true, value: '字'.repeat(300) });
    expect(refusal(parseText('字'.repeat(301), { maxLength: 300 }))).toContain('共 301 字');
    expect(refusal(parseText('\u0000\u0007', {}))).toContain('内容不能为空');
  });
});

describe('text formats', () => {
  it.each([
    ['person', '张三', '张三'], ['person', '欧阳娜娜', '欧阳娜娜'], ['person', '阿卜杜·热合曼', '阿卜杜·热合曼'], ['person', 'John Smith', 'John Smith'],
    ['person', '改制后由李四担任', '改制后由李四担任'],
    ['mobile', '13800000000', '13800000000'], ['mobile', '138 0000 0000', '13800000000'], ['mobile', '138-0000-0000', '13800000000'],
    ['mobile', '+86 138-0000-0000', '13800000000'], ['mobile', '86 13800000000', '13800000000'], ['mobile', '１３８００００００００', '13800000000'],
    ['landline', '010-12345678', '010-12345678'], ['landline', '01012345678', '01012345678'], ['landline', '(010)12345678', '(010)12345678'],
    ['landline', '（010）12345678', '(010)12345678'], ['landline', '0311-85001234', '0311-85001234'], ['landline', '0311-85001234转123', '0311-85001234转123'],
    ['landline', '0311-85001234-123', '0311-85001234-123'], ['landline', '010 1234 5678', '01012345678'], ['landline', '400-123-4567', '400-123-4567'],
    ['phone', '15831100123', '15831100123'], ['phone', '+8615831100123', '15831100123'], ['phone', '0311-85001234', '0311-85001234'],
    ['phone', '010-12345678转8001', '010-12345678转8001'],
    ['url', 'www.example.com', 'www.example.com'], ['url', 'example.com.cn', 'example.com.cn'], ['url', 'https://smebj.cn/path', 'https://smebj.cn/path'],
    ['url', 'http://www.example.com/a?b=1', 'http://www.example.com/a?b=1'], ['url', ' www.example.com ', 'www.example.com'],
    ['email', 'name@example.com', 'name@example.com'], ['email', 'zhang.san@example.com.cn', 'zhang.san@example.com.cn'], ['email', 'name＠example.com', 'name@example.com'],
  ] as const)('%s accepts %s → %s', (format, typed, value) => expect(parseText(typed, { format })).toEqual({ ok: true, value }));

  it.each([
    ['person', '是', '这里请填写人名'], ['person', '否', '人名'], ['person', '有', '人名'], ['person', '没有', '人名'], ['person', '确认', '人名'],
    ['person', '好的', '人名'], ['person', '12345', '人名'], ['person', '张三 13800000000', '电话请在电话一栏填写'], ['person', 'zhang@example.com', '人名'],
    ['mobile', '010-12345678', '这一栏只填手机号'], ['mobile', '1380000', '11 位手机号'], ['mobile', '12800000000', '11 位手机号'],
    ['landline', '13800000000', '这一栏是座机（固定电话）'], ['landline', '13800000000', '手机号请填在手机一栏'], ['landline', '82345678', '座机号码请带区号'],
    ['landline', '010-1234', '带区号的座机号码'],
    ['phone', '12345', '电话号码'], ['phone', '82345678', '请带区号'], ['phone', '13800000000、13900000000', '请只填一个电话号码'],
    ['phone', '无', '电话号码'],
    ['url', '没有网站', '请填写网址'], ['url', '无', '网址'], ['url', 'example', '网址'], ['url', '公司官网', '网址'],
    ['email', 'name.example.com', '电子邮箱'], ['email', 'name@', '电子邮箱'], ['email', '无', '电子邮箱'],
  ] as const)('%s refuses %s: %s', (format, typed, fragment) => expect(refusal(parseText(typed, { format }))).toContain(fragment));

  it('parseAnswer passes the question’s format', () => {
    const question = { id: 'contact_mobile', label: '联系人手机', ref: '【七】', type: 'text', format: 'mobile', maxLength: 30, multiline: false, required: true, evidence: [], checks: [], extra: false } as Question;
    expect(parseAnswer(question, '138 0000 0000', vocab, TODAY)).toEqual({ ok: true, value: '13800000000' });
    expect(refusal(parseAnswer(question, '010-12345678', vocab, TODAY))).toContain('是座机号码');
  });

  it('parseAnswer passes the date question’s label to a month-only refusal', () => {
    const question = { id: 'reg_date', label: '注册时间', ref: '【一】4', type: 'date', notFuture: true, required: true, evidence: [], checks: [], extra: false } as Question;
    expect(refusal(parseAnswer(question, '2015年6月', vocab, TODAY))).toContain('“注册时间”');
  });
});

describe('tables and matrices keep their own several numbers, and say which cells were approximate', () => {
  const columns = [
    { id: 'name', label: '投资方', type: 'text' as const, required: true },
    { id: 'ratio', label: '投资比例（%）', type: 'percent' as const, required: true },
  ];
  it('a row per line or per ；', () => {
    expect(parseTable('甲公司，60；乙公司，40', { columns }, vocab, TODAY)).toEqual({ ok: true, value: [{ name: '甲公司', ratio: '60' }, { name: '乙公司', ratio: '40' }] });
    expect(parseTable('甲公司，60\n乙公司，40', { columns }, vocab, TODAY)).toEqual({ ok: true, value: [{ name: '甲公司', ratio: '60' }, { name: '乙公司', ratio: '40' }] });
  });
  it('an approximate cell is saved and named in the note', () => {
    expect(parseTable('甲公司，约60；乙公司，40', { columns }, vocab, TODAY)).toEqual({
      ok: true,
      value: [{ name: '甲公司', ratio: '60' }, { name: '乙公司', ratio: '40' }],
      note: '您写的第 1 行“投资比例（%）”是约数，已按所写数字保存；填报系统需要准确数字，核实后可回复“修改”更正。',
    });
  });
  it('a cell with two numbers is refused, naming the row and the column', () => {
    expect(refusal(parseTable('甲公司，60 40', { columns }, vocab, TODAY))).toContain('第 1 行“投资比例（%）”：请一次只填一个数');
  });
  it('a text cell loses its control characters', () => {
    expect(parseCell('甲\u0000公司', columns[0], vocab, TODAY)).toEqual({ ok: true, value: '甲公司' });
  });
  it('an amount column in 万元 reads 元 and 万', () => {
    const amount = { id: 'amount', label: '合同金额（万元）', type: 'amount' as const, required: true, unit: '万元' };
    expect(parseCell('12000元', amount, vocab, TODAY)).toEqual({ ok: true, value: '1.2' });
  });

  const rows = [{ value: '线上', label: '线上' }, { value: '线下', label: '线下' }];
  const cols = [
    { id: 'events', label: '活动场次', type: 'integer' as const, required: true, unit: '场' },
    { id: 'people', label: '参与人数', type: 'integer' as const, required: true, unit: '人' },
  ];
  it('a matrix row is several numbers on one line', () => {
    expect(parseMatrix('线上 3 120；线下 5 200', rows, cols)).toEqual({ ok: true, value: { 线上: { events: 3, people: 120 }, 线下: { events: 5, people: 200 } } });
    expect(parseMatrix('3场 120人', rows, cols, rows[0])).toEqual({ ok: true, value: { 线上: { events: 3, people: 120 } } });
  });
  it('an approximate matrix cell is named in the note', () => {
    expect(parseMatrix('线上 3 约120', rows, cols)).toEqual({
      ok: true,
      value: { 线上: { events: 3, people: 120 } },
      note: '您写的“线上”的“参与人数”是约数，已按所写数字保存；填报系统需要准确数字，核实后可回复“修改”更正。',
    });
  });
  it('a matrix cell with another column’s unit is refused', () => {
    expect(refusal(parseMatrix('线上 3人 120', rows, cols))).toContain('“线上”的“活动场次”：“人”不是本题的单位（本题单位：场）');
  });
  it('a matrix line with the wrong count of numbers is refused', () => {
    expect(refusal(parseMatrix('线上 3 120 40', rows, cols))).toContain('“线上”一行应有 2 个数');
  });
});
