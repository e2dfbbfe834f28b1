import { describe, expect, it } from 'vitest';
import { QuestionSchema, type Question } from '../flow/schema.ts';
import { getFlow } from '../flow/loader.ts';
import { lastYearOf, lastYearOffer, takenFromLastYear, yearOnYear, type LastYear } from './last-year.ts';
import type { Env } from './scope.ts';

/** Last year's answers: the change as the operator reads it, the flow's limit, and what takes last year's answer. */

const question = (q: Record<string, unknown>) => QuestionSchema.parse({ ref: '【二】7', ...q }) as Question;
const env = (answers: LastYear['answers']): Env => ({ today: '2025-03-01', lastYear: { year: 2023, answers } });

const revenue = question({ id: 'revenue_current', type: 'amount', label: '2024年度营业收入（万元）', lastYear: { compare: true, change: 0.5 } });
const staff = question({ id: 'employees', type: 'integer', label: '单位从业人数', unit: '人', lastYear: { compare: true } });
const share = question({ id: 'free_share', type: 'percent', label: '公益性免费服务占比（%）', lastYear: { change: 0.2 } });

describe('a figure against last year’s', () => {
  it('reads as name, last year’s → this year’s with the unit, and the change to the percent', () => {
    expect(yearOnYear(revenue, '4100', env({ revenue_current: '3200' }))).toEqual({ text: '营业收入 3,200 → 4,100 万元，+28%' });
    expect(yearOnYear(staff, 106, env({ employees: 120 }))?.text).toBe('单位从业人数 120 → 106 人，-12%');
  });

  it('keeps one decimal below 10 %, says 持平 for no change, and gives no percent from nothing', () => {
    expect(yearOnYear(staff, 123, env({ employees: 120 }))?.text).toBe('单位从业人数 120 → 123 人，+2.5%');
    expect(yearOnYear(staff, 120, env({ employees: 120 }))?.text).toBe('单位从业人数 120 → 120 人，持平');
    expect(yearOnYear(revenue, '500', env({ revenue_current: '0' }))).toEqual({ text: '营业收入 0 → 500 万元，上年为 0' });
  });

  it('measures a share in percentage points', () => {
    expect(yearOnYear(share, '65', env({ free_share: '60' }))).toEqual({ text: '公益性免费服务占比 60% → 65%，+5 个百分点' });
  });

  it('questions a change beyond the flow’s limit, saying both figures, the change and that the limit is the assistant’s', () => {
    const beyond = yearOnYear(revenue, '8000', env({ revenue_current: '3200' }))?.beyond;
    expect(beyond).toBe(
      '与上年（2023年度申报）相比变化较大：营业收入 3,200 → 8,000 万元，+150%，超出 ±50%。±50% 是助手建议的核对幅度，不是申报文件的要求，请核对数据。',
    );
    expect(yearOnYear(revenue, '1000', env({ revenue_current: '3200' }))?.beyond).toContain('-69%，超出 ±50%');
    expect(yearOnYear(share, '85', env({ free_share: '60' }))?.beyond).toContain('+25 个百分点，超出 ±20 个百分点');
  });

  it('lets a change of exactly the limit pass, and never questions a figure compared only', () => {
    expect(yearOnYear(revenue, '4800', env({ revenue_current: '3200' }))?.beyond).toBeUndefined();
    expect(yearOnYear(revenue, '4800.01', env({ revenue_current: '3200' }))?.beyond).toBeDefined();
    expect(yearOnYear(staff, 1000, env({ employees: 120 }))?.beyond).toBeUndefined();
  });

  it('says nothing without last year’s figure, or for a question the flow does not compare', () => {
    expect(yearOnYear(revenue, '4100', env({}))).toBeUndefined();
    expect(yearOnYear(revenue, '4100', { today: '2025-03-01' })).toBeUndefined();
    const plain = question({ id: 'revenue_current', type: 'amount', label: '营业收入' });
    expect(yearOnYear(plain, '4100', env({ revenue_current: '3200' }))).toBeUndefined();
  });
});

describe('taking last year’s answer', () => {
  const base = getFlow('beijing-base-2023');
  const last = env({ legal_rep: '张三', listed: false, unit_nature: { value: '其他', other: '民办非企业单位' } });

  it('offers it as this year’s question reads it, and 是 or 沿用 take it', () => {
    const rep = base.questions.get('legal_rep')!;
    expect(lastYearOffer(base, rep, last)).toEqual({ value: '张三', typed: '张三', shown: '张三' });
    expect(takenFromLastYear(base, rep, '是', last)?.value).toBe('张三');
    expect(takenFromLastYear(base, rep, '沿用。', last)?.value).toBe('张三');
    expect(takenFromLastYear(base, rep, '李四', last)).toBeUndefined();
    expect(lastYearOffer(base, base.questions.get('unit_nature')!, last)?.shown).toBe('其他（民办非企业单位）');
  });

  it('leaves 是 to a yes/no question, and to a question already answered this year', () => {
    const listed = base.questions.get('listed')!;
    expect(takenFromLastYear(base, listed, '是', last)).toBeUndefined();
    expect(takenFromLastYear(base, listed, '沿用', last)?.value).toBe(false);
    expect(takenFromLastYear(base, base.questions.get('legal_rep')!, '是', last, true)).toBeUndefined();
  });

  it('reads last year’s declaration in this year’s terms: from another question, never across a change of kind', () => {
    const read = { flowId: 'beijing-base-2023', answers: { assets_current: '3500', legal_rep: 42, unit_name: 'X' } };
    const got = lastYearOf(base, read, new Map([['beijing-base-2023', base]]));
    // This year's 上一年度 figure is last year's current one; a value this year's question cannot take is not offered.
    expect(got).toEqual({ year: 2023, answers: { assets_previous: '3500', unit_name: 'X', assets_current: '3500', legal_rep: 42 } });
    expect(lastYearOffer(base, base.questions.get('legal_rep')!, { today: '2025-03-01', lastYear: got })).toBeUndefined();
    expect(lastYearOf(base, null, new Map())).toBeUndefined();
  });
});
