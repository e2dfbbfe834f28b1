import type { AnswerValue, Answers, StoredAnswer } from '../engine/values.ts';
import { withAnswer } from '../engine/scope.ts';
import type { LastYearRead } from './last-year-store.ts';

/**
 * One declaration as a message sees it — read once at the start of the turn, changed in memory by the engine, and
 * written back in one statement at the end. It records what changed so the write touches only that.
 */

/** Who last changed an answer, and when (the database's clock, as text so it compares without time zones). */
export interface AnswerAuthor { userId: string | null; name: string | null; at: string }

/** Who a section is assigned to (分工): they fill it, though anyone of the organisation may. */
export interface SectionAssignee { userId: string; name: string }

/** Who makes a change, for the answer history. */
export interface Author { userId?: string; channel?: string }

export interface AnswerChange { questionId: string; value: AnswerValue | null; skipped: boolean; note?: string | null }

export interface HistoryEntry { questionId: string; oldValue: AnswerValue | null; newValue: AnswerValue | null; note: string | null; userId: string | null; channel: string | null }

export interface DeclarationStateInit {
  id: string;
  flowId: string;
  organisationId: string;
  /** The organisation's district (what a coordinator's reach may name). */
  district?: string | null;
  /** The organisation's directory row, for `org.*` in expressions. */
  orgExtra: Record<string, unknown>;
  status: string;
  revision: number;
  /** The section the declaration was last worked on (anyone's): where a new operator starts. */
  currentSectionId: string | null;
  answers: Answers;
  authors: Record<string, AnswerAuthor>;
  statuses: Record<string, string>;
  /** The sections assigned to one of the organisation's operators, by section id (none when omitted). */
  assignments?: Record<string, SectionAssignee>;
  /** The organisation's answers in the programme's previous campaign, when it declared there (none when omitted). */
  lastYear?: LastYearRead | null;
  /** This operator's own position: their section and their section machines' snapshots. */
  cursor: { sectionId: string | null; snapshots: Record<string, unknown>; updatedAt: string } | null;
}

export class DeclarationState {
  readonly id: string;
  readonly flowId: string;
  readonly organisationId: string;
  readonly district: string | null;
  readonly orgExtra: Record<string, unknown>;
  readonly authors: Record<string, AnswerAuthor>;
  /** Who fills which section (分工), as read with the message; 分工 changes it in memory for its own reply. */
  assignments: Record<string, SectionAssignee>;
  /** Last year's declaration of the same programme, read with this one (offered back, compared with): never written. */
  readonly lastYear: LastYearRead | null;
  /** When this operator's cursor was last written (null: never worked on this declaration). */
  readonly cursorUpdatedAt: string | null;
  /** The revision read; one more once this turn's changes are written (see `changed`). */
  readonly revision: number;
  answers: Answers;
  statuses: Record<string, string>;
  snapshots: Record<string, unknown>;
  /** The operator's section. */
  sectionId: string | null;
  status: string;

  /** What this turn changed, for the write. */
  readonly changedAnswers = new Map<string, StoredAnswer & { updatedById: string | null }>();
  readonly history: HistoryEntry[] = [];
  readonly changedStatuses = new Set<string>();
  cursorChanged = false;
  positionChanged = false;

  constructor(init: DeclarationStateInit) {
    this.id = init.id;
    this.flowId = init.flowId;
    this.organisationId = init.organisationId;
    this.district = init.district ?? null;
    this.orgExtra = init.orgExtra;
    this.authors = init.authors;
    this.assignments = init.assignments ?? {};
    this.lastYear = init.lastYear ?? null;
    this.answers = init.answers;
    this.statuses = init.statuses;
    this.status = init.status;
    this.revision = init.revision;
    this.snapshots = init.cursor?.snapshots ?? {};
    this.sectionId = init.cursor?.sectionId ?? init.currentSectionId;
    this.cursorUpdatedAt = init.cursor?.updatedAt ?? null;
  }

  /** Save an answer and its history entry (old value, new value, 情况说明, who). */
  saveAnswer(change: AnswerChange, author: Author): void {
    const old = this.answers[change.questionId];
    const stored: StoredAnswer = { value: change.value, skipped: change.skipped, note: change.note ?? null };
    this.answers = withAnswer(this.answers, change.questionId, stored);
    this.changedAnswers.set(change.questionId, { ...stored, updatedById: author.userId ?? null });
    this.history.push({
      questionId: change.questionId,
      oldValue: old?.value ?? null,
      newValue: change.value,
      note: change.note ?? null,
      userId: author.userId ?? null,
      channel: author.channel ?? null,
    });
  }

  saveSnapshot(sectionId: string, snapshot: unknown): void {
    this.snapshots = { ...this.snapshots, [sectionId]: snapshot };
    this.cursorChanged = true;
  }

  markStatus(sectionId: string, status: string): void {
    if (this.statuses[sectionId] === status) return;
    this.statuses = { ...this.statuses, [sectionId]: status };
    this.changedStatuses.add(sectionId);
  }

  /** Whether this turn changed what everyone shares (answers, section statuses): a new revision. */
  get changed(): boolean {
    return this.changedAnswers.size > 0 || this.changedStatuses.size > 0;
  }

  /** The operator is now in `sectionId`; the declaration is complete or not. */
  moveTo(sectionId: string, status: string): void {
    if (this.sectionId !== sectionId) this.cursorChanged = true;
    this.sectionId = sectionId;
    this.status = status;
    this.positionChanged = true;
  }
}
