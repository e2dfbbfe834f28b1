import type { DirectoryEntry, LoadedFlow } from '../flow/loader.ts';
import { formatStored, questionTitle, sectionLabel } from '../engine/format.ts';
import { sectionProgress } from '../engine/progress.ts';
import { buildScope, orgScope, type Env } from '../engine/scope.ts';
import type { Answers } from '../engine/values.ts';
import { evidenceChecklist, type Provisions } from './evidence.ts';
import { evaluateThresholds, type Verdict } from './thresholds.ts';

/**
 * Where an organisation stands in a programme: one stage, and exactly what is still open — the sections, the
 * thresholds failing and the evidence missing — for status summaries, the overview workbook and reminders. Computed
 * with the rules a declaration's own 进度, 门槛 and 清单 use (sectionProgress, evaluateThresholds, evidenceChecklist),
 * so a coordinator's count and an operator's screen never disagree. Pure: the data read in, a standing out
 * (src/store/standing-store.ts reads it for many organisations at once).
 */

export type Stage = 'not_started' | 'in_progress' | 'missing_evidence' | 'failing' | 'submitted' | 'returned' | 'confirmed';

export const STAGE_LABEL: Record<Stage, string> = {
  not_started: '未开始',
  in_progress: '填报中',
  missing_evidence: '待补材料',
  failing: '门槛不达标',
  submitted: '待审核',
  returned: '已退回',
  confirmed: '已确认',
};

/** The stages in the order a summary lists them: from not begun to done. */
export const STAGES: readonly Stage[] = ['not_started', 'in_progress', 'missing_evidence', 'failing', 'submitted', 'returned', 'confirmed'];

/** Behind: anything not yet handed to review or confirmed (a returned declaration is behind again). */
export const isBehind = (s: { stage: Stage }): boolean => s.stage !== 'submitted' && s.stage !== 'confirmed';

export interface ReviewInfo {
  action: 'submitted' | 'returned' | 'confirmed';
  /** ISO. */
  at: string;
  by: string | null;
  /** 退回意见, one per reason (the question named first when the reviewer named one). */
  reasons: { question?: string; text: string }[];
}

export interface Standing {
  flowId: string;
  seq: number;
  unit: string;
  district: string | null;
  organisationId: string | null;
  declarationId: string | null;
  stage: Stage;
  sectionsDone: number;
  sectionsTotal: number;
  answered: number;
  questionsTotal: number;
  /** Sections not done, as labels like “【三】服务情况”. */
  openSections: { id: string; label: string }[];
  /** Thresholds that fail on the answers so far (id `threshold-<n>`, title “门槛条件3 上年末入驻小型微型企业数”). */
  failing: { id: string; title: string }[];
  /** Evidence items missing: not provided, not marked 线下提交/不适用, not merely suggested. */
  missingEvidence: { id: string; title: string }[];
  /** Last change of any answer, section, annex table, evidence or review; ISO. */
  lastActivity: string | null;
  /** The latest review event (null: never submitted). */
  review: ReviewInfo | null;
  /** Every threshold's verdict on the answers so far (the overview workbook's columns). */
  verdicts: Verdict[];
  /** The flow's key figures (`overview`), each as a number where it is one, else as shown; null when not answered. */
  figures: { id: string; label: string; value: number | string | null }[];
}

/** What is known of one organisation's declaration, read from the store. */
export interface DeclarationFacts {
  organisationId: string | null;
  declarationId: string | null;
  /** The organisation's district or city, as recorded (organisationOf). */
  district: string | null;
  /** The directory row recorded with the organisation (what its expressions see as `org_*`); the directory's when none. */
  orgExtra?: Record<string, unknown> | null;
  answers: Answers;
  /** Whether any answer row exists (a declaration opened but never answered has not started). */
  anyAnswer: boolean;
  statuses: Readonly<Record<string, string>>;
  provisions: Provisions;
  review: ReviewInfo | null;
  lastActivity: string | null;
}

/** What decides the stage, and nothing else: the stage rule on its own, for its test. */
export interface StageFacts {
  review: ReviewInfo['action'] | null;
  started: boolean;
  openSections: number;
  failing: number;
  missingEvidence: number;
}

/**
 * One stage each, decided in this order: the latest review event (确认 → 已确认, 提交 → 待审核, 退回 → 已退回); no
 * declaration or no answer → 未开始; a section not done → 填报中; a threshold failing → 门槛不达标; evidence missing
 * → 待补材料; otherwise 填报中 too — complete, nothing missing, but not yet handed to review (listings say
 * “已填完，未提交审核”, recognisable by no open sections): until someone submits it, the organisation is behind.
 */
export function stageOf(f: StageFacts): Stage {
  if (f.review) return f.review;
  if (!f.started) return 'not_started';
  if (f.openSections > 0) return 'in_progress';
  if (f.failing > 0) return 'failing';
  if (f.missingEvidence > 0) return 'missing_evidence';
  return 'in_progress';
}

/** Whether a standing is complete and clean but not yet submitted (stage 填报中 with nothing open). */
export const readyToSubmit = (s: Standing): boolean =>
  s.stage === 'in_progress' && s.openSections.length === 0 && s.failing.length === 0 && s.missingEvidence.length === 0;

/** One organisation's standing from what the store read of it (no declaration: empty answers, nothing provided). */
export function standingOf(loaded: LoadedFlow, entry: DirectoryEntry, facts: DeclarationFacts, today: string): Standing {
  // The row recorded when the organisation was first opened is what its operators' expressions saw; none yet: the directory's.
  const recorded = facts.orgExtra && Object.keys(facts.orgExtra).length ? facts.orgExtra : entry;
  const env: Env = { today, org: orgScope(recorded) };
  const { answers } = facts;
  const scope = buildScope(loaded, answers, env);
  const lines = sectionProgress(loaded, answers, facts.statuses, env);
  const verdicts = evaluateThresholds(loaded, answers, scope);
  const checklist = evidenceChecklist(loaded, answers, scope, facts.provisions);
  const openSections = lines.filter((l) => l.status !== 'done').map((l) => ({ id: l.section.id, label: sectionLabel(l.section) }));
  const failing = verdicts.filter((v) => v.status === 'fail').map((v) => ({ id: `threshold-${v.number}`, title: `门槛条件${v.number} ${v.title}` }));
  const missingEvidence = checklist.filter((i) => i.status === 'missing' && !i.suggested).map((i) => ({ id: i.id, title: i.title }));
  const stage = stageOf({
    review: facts.review?.action ?? null,
    started: facts.declarationId !== null && facts.anyAnswer,
    openSections: openSections.length,
    failing: failing.length,
    missingEvidence: missingEvidence.length,
  });
  const figures = loaded.flow.overview.map((id) => {
    const q = loaded.questions.get(id)!;
    const value = scope[id];
    const shown = typeof value === 'number' ? value : answers[id] && !answers[id].skipped ? formatStored(loaded, q, { ...answers[id], note: null }, scope) : null;
    return { id, label: questionTitle(q), value: shown };
  });
  return {
    flowId: loaded.flow.id,
    seq: entry.seq,
    unit: entry.unit,
    district: facts.district,
    organisationId: facts.organisationId,
    declarationId: facts.declarationId,
    stage,
    sectionsDone: lines.filter((l) => l.status === 'done').length,
    sectionsTotal: lines.length,
    answered: lines.reduce((a, l) => a + l.answered, 0),
    questionsTotal: lines.reduce((a, l) => a + l.total, 0),
    openSections,
    failing,
    missingEvidence,
    lastActivity: facts.lastActivity,
    review: facts.review,
    verdicts,
    figures,
  };
}
