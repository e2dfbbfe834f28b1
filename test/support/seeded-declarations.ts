import { randomUUID } from 'node:crypto';
import type { DirectoryEntry, LoadedFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope, orgScope, type Env } from '../../src/engine/scope.ts';
import { askedQuestions } from '../../src/engine/section-machine.ts';
import type { Answers } from '../../src/engine/values.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';
import type { Stage } from '../../src/rules/standing.ts';
import { organisationOf } from '../../src/bot/onboarding.ts';
import type { Sql } from '../../src/store/sql.ts';
import { answerFixture } from './declaration-walk.ts';

/**
 * Many organisations' declarations in known states, written straight into the tables a chat writes (Organisation,
 * Declaration, Answer, SectionProgress, EvidenceMark, ReviewEvent) in a handful of statements: the answers are the
 * programme's complete answer fixture run through the headless fill (the chat's parsing and checks), per organisation,
 * with its computed values confirmed as an operator confirms them. What each state should count as is said by the
 * plan, not by the code under test.
 */

export type SeedKind =
  /** Nobody opened it. */
  | 'none'
  /** Opened, nothing answered. */
  | 'opened'
  /** The first section answered and confirmed, the rest untouched. */
  | 'partial'
  /** Complete, every required document handed in (marked 线下提交), not submitted. */
  | 'ready'
  /** Complete, no document handed in. */
  | 'missing'
  /** Complete with `change` applied (an answer that fails a threshold), no document handed in. */
  | 'failing'
  /** Complete and clean, then 提交审核 / 退回 / 确认. */
  | 'submitted'
  | 'returned'
  | 'confirmed';

export const EXPECTED_STAGE: Record<SeedKind, Stage> = {
  none: 'not_started',
  opened: 'not_started',
  partial: 'in_progress',
  ready: 'in_progress',
  missing: 'missing_evidence',
  failing: 'failing',
  submitted: 'submitted',
  returned: 'returned',
  confirmed: 'confirmed',
};

export interface SeedPlan {
  loaded: LoadedFlow;
  entry: DirectoryEntry;
  kind: SeedKind;
  /** Answers replacing the fixture's (by question id, as typed). */
  change?: Record<string, unknown>;
}

/** The fixture's answers for one organisation, complete: derived values confirmed as the chat asks. */
export function completeAnswers(loaded: LoadedFlow, entry: DirectoryEntry, today: string, change: Record<string, unknown> = {}): { answers: Answers; env: Env } {
  const env: Env = { today, org: orgScope(entry) };
  const filled = fillAnswers(loaded, { ...answerFixture(loaded.flow.id).answers, ...change }, env);
  if (filled.errors.length) throw new Error(`seed answers refused: ${JSON.stringify(filled.errors)}`);
  const answers: Answers = { ...filled.answers };
  const scope = buildScope(loaded, answers, env);
  for (const section of loaded.flow.sections) {
    for (const q of askedQuestions(section)) {
      const value = scope[q.id];
      if (q.type === 'derived' && typeof value === 'number') answers[q.id] = { value: { confirmed: value }, skipped: false, note: null };
    }
  }
  return { answers, env };
}

export async function seedDeclarations(sql: Sql, plans: SeedPlan[], options: { today: string; reviewerId?: string | null }): Promise<void> {
  const organisations: unknown[] = [];
  const declarations: unknown[] = [];
  const answers: unknown[] = [];
  const sections: unknown[] = [];
  const marks: unknown[] = [];
  const reviews: unknown[] = [];
  let tick = 0;
  for (const plan of plans) {
    const { loaded, entry, kind } = plan;
    const organisation = organisationOf({ loaded, entry });
    const organisationId = randomUUID();
    organisations.push({ id: organisationId, flowId: organisation.flowId, seq: organisation.seq, unitName: organisation.unitName, name: organisation.name, district: organisation.district, category: organisation.category, extra: organisation.extra });
    if (kind === 'none') continue;
    const declarationId = randomUUID();
    declarations.push({ id: declarationId, organisationId, flowId: loaded.flow.id });
    if (kind === 'opened') continue;
    const complete = completeAnswers(loaded, entry, options.today, plan.change);
    const first = loaded.flow.sections[0];
    const kept = Object.entries(complete.answers).filter(([id]) => kind !== 'partial' || loaded.sectionOf.get(id) === first);
    for (const [questionId, a] of kept) answers.push({ id: randomUUID(), declarationId, questionId, value: a.value, skipped: a.skipped, note: a.note ?? null });
    for (const section of kind === 'partial' ? [first] : loaded.flow.sections) sections.push({ id: randomUUID(), declarationId, sectionId: section.id, status: 'done' });
    if (kind === 'partial' || kind === 'missing' || kind === 'failing') continue;
    const scope = buildScope(loaded, complete.answers, complete.env);
    for (const item of evidenceChecklist(loaded, complete.answers, scope)) {
      if (!item.suggested) marks.push({ declarationId, evidenceId: item.id, status: 'offline' });
    }
    const steps = { ready: [], submitted: ['submitted'], returned: ['submitted', 'returned'], confirmed: ['submitted', 'confirmed'] }[kind];
    for (const action of steps) {
      const reasons = action === 'returned' ? [{ text: '请补充社保缴纳记录' }] : [];
      reviews.push({ id: randomUUID(), declarationId, action, reasons, userId: options.reviewerId ?? null, n: tick++ });
    }
  }
  const json = (rows: unknown[]) => JSON.stringify(rows);
  await sql.query(
    `INSERT INTO "Organisation" ("id", "flowId", "seq", "unitName", "name", "district", "category", "extra")
     SELECT r.id, r."flowId", r.seq, r."unitName", r.name, r.district, r.category, r.extra
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, "flowId" text, seq int, "unitName" text, name text, district text, category text, extra jsonb)`,
    [json(organisations)],
  );
  await sql.query(
    `INSERT INTO "Declaration" ("id", "organisationId", "flowId", "updatedAt")
     SELECT r.id, r."organisationId", r."flowId", CURRENT_TIMESTAMP FROM jsonb_to_recordset($1::jsonb) AS r(id text, "organisationId" text, "flowId" text)`,
    [json(declarations)],
  );
  await sql.query(
    `INSERT INTO "Answer" ("id", "declarationId", "questionId", "value", "skipped", "note", "updatedAt")
     SELECT r.id, r."declarationId", r."questionId", CASE WHEN jsonb_typeof(r.value) = 'null' THEN NULL ELSE r.value END, r.skipped, r.note, CURRENT_TIMESTAMP
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, "declarationId" text, "questionId" text, value jsonb, skipped boolean, note text)`,
    [json(answers)],
  );
  await sql.query(
    `INSERT INTO "SectionProgress" ("id", "declarationId", "sectionId", "status", "updatedAt")
     SELECT r.id, r."declarationId", r."sectionId", r.status, CURRENT_TIMESTAMP FROM jsonb_to_recordset($1::jsonb) AS r(id text, "declarationId" text, "sectionId" text, status text)`,
    [json(sections)],
  );
  await sql.query(
    `INSERT INTO "EvidenceMark" ("declarationId", "evidenceId", "status") SELECT r."declarationId", r."evidenceId", r.status
       FROM jsonb_to_recordset($1::jsonb) AS r("declarationId" text, "evidenceId" text, status text)`,
    [json(marks)],
  );
  // Each review step a moment after the one before, so the latest is the last planned.
  await sql.query(
    `INSERT INTO "ReviewEvent" ("id", "declarationId", "action", "reasons", "userId", "createdAt")
     SELECT r.id, r."declarationId", r.action, r.reasons, r."userId", CURRENT_TIMESTAMP + r.n * interval '1 millisecond'
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, "declarationId" text, action text, reasons jsonb, "userId" text, n int)`,
    [json(reviews)],
  );
}
