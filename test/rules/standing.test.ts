import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { isBehind, readyToSubmit, stageOf, standingOf, STAGE_LABEL, type DeclarationFacts, type StageFacts } from '../../src/rules/standing.ts';
import type { Provisions } from '../../src/rules/evidence.ts';
import { answerFixture } from '../support/declaration-walk.ts';
import { completeAnswers } from '../support/seeded-declarations.ts';

/** One stage per organisation, decided in a fixed order, from what its declaration holds. */

const TODAY = '2026-11-21';
const clean: StageFacts = { review: null, started: true, openSections: 0, failing: 0, missingEvidence: 0 };

describe('the stage rule', () => {
  it('takes the latest review first: 已确认, 待审核, 已退回 whatever else is open', () => {
    const messy = { ...clean, openSections: 3, failing: 2, missingEvidence: 9 };
    expect(stageOf({ ...messy, review: 'confirmed' })).toBe('confirmed');
    expect(stageOf({ ...messy, review: 'submitted' })).toBe('submitted');
    expect(stageOf({ ...messy, review: 'returned' })).toBe('returned');
  });

  it('then 未开始 without an answer, 填报中 while a section is open, 门槛不达标 before 待补材料', () => {
    expect(stageOf({ ...clean, started: false, openSections: 8, missingEvidence: 40 })).toBe('not_started');
    expect(stageOf({ ...clean, openSections: 1, failing: 1, missingEvidence: 3 })).toBe('in_progress');
    expect(stageOf({ ...clean, failing: 1, missingEvidence: 3 })).toBe('failing');
    expect(stageOf({ ...clean, missingEvidence: 3 })).toBe('missing_evidence');
  });

  it('counts a complete, clean declaration not yet submitted as 填报中 (behind until someone submits it)', () => {
    expect(stageOf(clean)).toBe('in_progress');
    expect(isBehind({ stage: 'in_progress' })).toBe(true);
    expect(isBehind({ stage: 'returned' })).toBe(true);
    expect(isBehind({ stage: 'submitted' })).toBe(false);
    expect(isBehind({ stage: 'confirmed' })).toBe(false);
    expect(Object.values(STAGE_LABEL)).toEqual(['未开始', '填报中', '待补材料', '门槛不达标', '待审核', '已退回', '已确认']);
  });
});

describe('standingOf', () => {
  const loaded = getFlow('beijing-base-2023');
  const entry = loaded.directory.find((e) => e.seq === answerFixture(loaded.flow.id).seq)!;
  const done = Object.fromEntries(loaded.flow.sections.map((s) => [s.id, 'done']));
  const facts = (over: Partial<DeclarationFacts>): DeclarationFacts => ({
    organisationId: 'o1', declarationId: 'd1', district: '昌平区', answers: {}, anyAnswer: true, statuses: {}, provisions: new Map(), review: null, lastActivity: null, ...over,
  });

  it('names what is open: sections by label, failing thresholds by number and title, required evidence only', () => {
    const { answers } = completeAnswers(loaded, entry, TODAY, { resident_small: 30 });
    const s = standingOf(loaded, entry, facts({ answers, statuses: { ...done, residents: 'in_progress' } }), TODAY);
    expect(s.stage).toBe('in_progress');
    expect(s.openSections).toEqual([{ id: 'residents', label: '【三】入驻企业情况' }]);
    expect(s.failing).toEqual([{ id: 'threshold-3', title: '门槛条件3 上年末入驻小型微型企业数' }]);
    expect(s.missingEvidence.length).toBeGreaterThan(10);
    expect(s.missingEvidence.map((e) => e.id)).toContain('t1_license');
    expect(s.sectionsDone).toBe(7);
    expect(s.sectionsTotal).toBe(8);
    // The flow's key figures, as numbers.
    expect(s.figures.find((f) => f.id === 'resident_small')?.value).toBe(30);
  });

  it('counts evidence handed in elsewhere (线下提交, 不适用) or attached as provided', () => {
    const { answers } = completeAnswers(loaded, entry, TODAY);
    const missing = standingOf(loaded, entry, facts({ answers, statuses: done }), TODAY);
    expect(missing.stage).toBe('missing_evidence');
    const [first, second, ...rest] = missing.missingEvidence;
    const given = (files: string[], mark: 'offline' | 'not_applicable' | null) => ({ files: files.map((name) => ({ name })), mark: mark && { status: mark, reason: mark === 'not_applicable' ? '本单位无此项' : null } });
    const provisions: Provisions = new Map([
      [first.id, given(['营业执照.pdf'], null)],
      [second.id, given([], 'not_applicable')],
      ...rest.map((e) => [e.id, given([], 'offline')] as const),
    ]);
    const ready = standingOf(loaded, entry, facts({ answers, statuses: done, provisions }), TODAY);
    expect(ready.missingEvidence).toEqual([]);
    expect(ready.stage).toBe('in_progress');
    expect(readyToSubmit(ready)).toBe(true);
  });

  it('is 未开始 when nothing is answered or nothing was opened, with every section and document still open', () => {
    const none = standingOf(loaded, entry, facts({ declarationId: null, organisationId: null, anyAnswer: false }), TODAY);
    expect(none.stage).toBe('not_started');
    expect(none.openSections).toHaveLength(loaded.flow.sections.length);
    expect(none.failing).toEqual([]);
    expect(standingOf(loaded, entry, facts({ anyAnswer: false }), TODAY).stage).toBe('not_started');
  });
});
