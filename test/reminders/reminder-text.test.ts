import { describe, expect, it } from 'vitest';
import { digest, operatorReminder } from '../../src/reminders/reminder-text.ts';
import type { Standing } from '../../src/rules/standing.ts';

/** What reminders say, read as the operator and the coordinator would read them. */

const standing = (over: Partial<Standing>): Standing => ({
  flowId: 'f', seq: 1, unit: '甲科技孵化器有限公司', district: '海淀区', organisationId: null, declarationId: null, stage: 'in_progress',
  sectionsDone: 6, sectionsTotal: 8, answered: 40, questionsTotal: 60, openSections: [], failing: [], missingEvidence: [], lastActivity: null,
  ...over,
} as Standing);

describe('reminder text', () => {
  it('names the open sections with whoever is responsible, the failing thresholds, and the evidence missing', () => {
    const text = operatorReminder({
      standing: standing({
        openSections: [{ id: 'ops', label: '【四】运营情况' }, { id: 'intro', label: '【五】基地简介' }],
        failing: [{ id: 'threshold-3', title: '门槛条件3 入驻企业数' }],
        missingEvidence: [{ id: 'a', title: '营业执照' }],
      }),
      programme: '北京基地2023年度绩效评价', deadline: '2026-12-15', daysLeft: 3,
      owners: new Map([['ops', '李会计']]),
    });
    expect(text).toContain('申报距截止（12月15日）还有 3 天');
    expect(text).toContain('还没完成的部分（6/8 已完成）：【四】运营情况（李会计负责）、【五】基地简介。');
    expect(text).toContain('门槛条件暂未达到：门槛条件3 入驻企业数。');
    expect(text).toContain('证明材料还缺 1 项');
  });

  it('lists missing evidence by title once the sections are done, and asks for 提交审核 when nothing is left', () => {
    const missing = operatorReminder({ standing: standing({ stage: 'missing_evidence', sectionsDone: 8, missingEvidence: [{ id: 'a', title: '营业执照' }, { id: 'b', title: '基地建设、公共服务区域的面积说明' }] }), programme: 'P', deadline: '2026-12-15', daysLeft: 1 });
    expect(missing).toContain('还缺证明材料 2 项：营业执照；基地建设、公共服务区域的面积说明。');
    expect(missing).toContain('明天（12月15日）截止');
    const ready = operatorReminder({ standing: standing({ sectionsDone: 8 }), programme: 'P', deadline: '2026-12-15', daysLeft: 0 });
    expect(ready).toContain('各部分均已填完，请检查后回复“提交审核”');
    expect(ready).toContain('今天（12月15日）截止');
  });

  it('gives a coordinator the organisations behind, those without an operator marked', () => {
    const text = digest({
      programme: 'P', deadline: '2026-12-15', daysLeft: 7,
      standings: [
        standing({ seq: 1, unit: '甲', stage: 'not_started', sectionsDone: 0 }),
        standing({ seq: 2, unit: '乙', stage: 'returned', openSections: [{ id: 's', label: '【三】入驻企业情况' }] }),
        standing({ seq: 3, unit: '丙', stage: 'submitted' }),
        standing({ seq: 4, unit: '丁', stage: 'confirmed' }),
      ],
      withOperators: new Set([2]),
    });
    expect(text).toContain('您负责的 4 家单位中，2 家尚未完成，1 家待您审核');
    expect(text).toContain('1. 甲 — 未开始：尚未绑定填报人\n');
    expect(text).toContain('尚未绑定填报人的单位：发“邀请码 单位名”生成邀请码');
    expect(text).toContain('2. 乙 — 已退回：未完成 【三】');
    expect(text).not.toContain('丙');
    expect(text).not.toContain('丁');
  });
});
