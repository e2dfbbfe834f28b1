import type { DirectoryEntry, LoadedFlow } from '../flow/loader.ts';
import { StoredAnswerSchema, type Answers } from '../engine/values.ts';
import { organisationOf } from '../bot/onboarding.ts';
import { standingOf, type Standing } from '../rules/standing.ts';
import { evidenceProvisionsOf } from './file-records.ts';
import { reviewStates } from './review-store.ts';
import type { Sql } from './sql.ts';

/**
 * Where each organisation of a programme stands (src/rules/standing.ts), read for many at once: the organisations and
 * their declarations, the answers, the section statuses, the evidence provided, the latest review and the last
 * activity — six queries whatever the number of organisations (one when none has a declaration yet) — then computed
 * in memory.
 */

/**
 * One standing per directory entry (by default the whole directory), in the entries' order. An entry nobody has opened
 * yet stands 未开始 with everything open. `today` is Asia/Shanghai's date (rules about ages and deadlines see it).
 */
export async function standings(sql: Sql, loaded: LoadedFlow, entries: readonly DirectoryEntry[] = loaded.directory, today: string): Promise<Standing[]> {
  const flowId = loaded.flow.id;
  const organisations = await sql.query<{ seq: number; organisationId: string; extra: Record<string, unknown> | null; district: string | null; declarationId: string | null }>(
    `SELECT o."seq", o."id" AS "organisationId", o."extra", o."district", d."id" AS "declarationId"
       FROM "Organisation" o LEFT JOIN "Declaration" d ON d."organisationId" = o."id" AND d."flowId" = o."flowId"
      WHERE o."flowId" = $1 AND o."seq" = ANY($2::int[])`,
    [flowId, entries.map((e) => e.seq)],
  );
  const bySeq = new Map(organisations.map((o) => [o.seq, o]));
  const ids = organisations.flatMap((o) => (o.declarationId ? [o.declarationId] : []));
  // One after the other: a transaction is one connection, which runs one statement at a time anyway.
  const answers = await answersOf(sql, ids);
  const statuses = await statusesOf(sql, ids);
  const provisions = await evidenceProvisionsOf(sql, ids);
  const reviews = await reviewStates(sql, ids);
  const activity = await lastActivity(sql, ids);
  return entries.map((entry) => {
    const org = bySeq.get(entry.seq);
    const id = org?.declarationId ?? null;
    const review = id ? reviews.get(id) : undefined;
    return standingOf(loaded, entry, {
      organisationId: org?.organisationId ?? null,
      declarationId: id,
      district: org ? org.district : organisationOf({ loaded, entry }).district,
      orgExtra: org?.extra,
      answers: (id && answers.get(id)) || {},
      anyAnswer: Boolean(id && answers.has(id)),
      statuses: (id && statuses.get(id)) || {},
      provisions: (id && provisions.get(id)) || new Map(),
      review: review ? { action: review.action, at: review.at, by: review.by, reasons: review.reasons } : null,
      lastActivity: (id && activity.get(id)) || null,
    }, today);
  });
}

/** Each declaration's answers, parsed as a turn reads them (a row that no longer parses counts as unanswered). */
async function answersOf(sql: Sql, ids: string[]): Promise<Map<string, Answers>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ declarationId: string; questionId: string; value: unknown; skipped: boolean; note: string | null }>(
    `SELECT "declarationId", "questionId", "value", "skipped", "note" FROM "Answer" WHERE "declarationId" = ANY($1::text[])`,
    [ids],
  );
  const out = new Map<string, Answers>();
  for (const r of rows) {
    let answers = out.get(r.declarationId);
    if (!answers) out.set(r.declarationId, (answers = {}));
    const parsed = StoredAnswerSchema.safeParse({ value: r.value, skipped: r.skipped, note: r.note });
    if (parsed.success) answers[r.questionId] = parsed.data;
  }
  return out;
}

async function statusesOf(sql: Sql, ids: string[]): Promise<Map<string, Record<string, string>>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ declarationId: string; sectionId: string; status: string }>(
    `SELECT "declarationId", "sectionId", "status" FROM "SectionProgress" WHERE "declarationId" = ANY($1::text[])`,
    [ids],
  );
  const out = new Map<string, Record<string, string>>();
  for (const r of rows) out.set(r.declarationId, { ...out.get(r.declarationId), [r.sectionId]: r.status });
  return out;
}

/**
 * The latest change people made to each declaration: an answer, a section's status, an annex table, evidence handed in
 * (a file attached or a mark) or a review step. Read as an instant: the columns hold the session's local time.
 */
async function lastActivity(sql: Sql, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ declarationId: string; at: number | string | null }>(
    `SELECT d."id" AS "declarationId",
            (extract(epoch FROM (GREATEST(
               (SELECT max(a."updatedAt") FROM "Answer" a WHERE a."declarationId" = d."id"),
               (SELECT max(s."updatedAt") FROM "SectionProgress" s WHERE s."declarationId" = d."id"),
               (SELECT max(t."updatedAt") FROM "DeclarationTable" t WHERE t."declarationId" = d."id"),
               (SELECT max(f."createdAt") FROM "StoredFile" f WHERE f."declarationId" = d."id" AND (f."evidenceId" IS NOT NULL OR f."questionId" IS NOT NULL)),
               (SELECT max(m."createdAt") FROM "EvidenceMark" m WHERE m."declarationId" = d."id"),
               (SELECT max(e."createdAt") FROM "ReviewEvent" e WHERE e."declarationId" = d."id")
             ) AT TIME ZONE current_setting('TimeZone'))) * 1000)::float8 AS "at"
       FROM "Declaration" d WHERE d."id" = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.flatMap((r) => (r.at === null ? [] : [[r.declarationId, new Date(Number(r.at)).toISOString()]])));
}
