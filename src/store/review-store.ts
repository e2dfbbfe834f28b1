import { randomUUID } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * Review by a coordinator: 提交审核 by an operator, 退回 with reasons or 确认 by a coordinator, each an event with who and
 * when; the declaration's review state is its latest event. Nothing here submits anything to the government system.
 */

export type ReviewAction = 'submitted' | 'returned' | 'confirmed';
export interface ReviewReason { question?: string; text: string }
export interface ReviewState { action: ReviewAction; reasons: ReviewReason[]; at: string; by: string | null }

export async function reviewState(sql: Sql, declarationId: string): Promise<ReviewState | null> {
  return (await reviewStates(sql, [declarationId])).get(declarationId) ?? null;
}

/** The review state of each of several declarations, in one query (a declaration never reviewed has none). */
export async function reviewStates(sql: Sql, declarationIds: readonly string[]): Promise<Map<string, ReviewState>> {
  if (declarationIds.length === 0) return new Map();
  const rows = await sql.query<{ declarationId: string; action: ReviewAction; reasons: ReviewReason[]; createdAt: Date | string; name: string | null }>(
    `SELECT DISTINCT ON (e."declarationId") e."declarationId", e."action", e."reasons", e."createdAt", u."displayName" AS "name"
       FROM "ReviewEvent" e LEFT JOIN "User" u ON u."id" = e."userId"
      WHERE e."declarationId" = ANY($1::text[]) ORDER BY e."declarationId", e."createdAt" DESC, e."id" DESC`,
    [declarationIds],
  );
  return new Map(rows.map((row) => [row.declarationId, { action: row.action, reasons: row.reasons ?? [], at: new Date(row.createdAt).toISOString(), by: row.name }]));
}

export async function addReviewEvent(sql: Sql, declarationId: string, action: ReviewAction, userId: string, reasons: ReviewReason[] = []): Promise<void> {
  await sql.query(`INSERT INTO "ReviewEvent" ("id", "declarationId", "action", "reasons", "userId") VALUES ($1, $2, $3, $4::jsonb, $5)`, [
    randomUUID(), declarationId, action, JSON.stringify(reasons), userId,
  ]);
}

export interface Recipient { channel: string; chatId: string }

/** The coordinators whose reach covers the organisation (staff when no coordinator does). */
export async function reviewersOf(sql: Sql, org: { organisationId: string; flowId: string; district: string | null }): Promise<Recipient[]> {
  return sql.query<Recipient>(
    `WITH reach AS (
       SELECT DISTINCT s."userId" FROM "CoordinatorScope" s JOIN "User" u ON u."id" = s."userId" AND u."role" = 'coordinator'
        WHERE s."organisationId" = $1
           OR (s."district" IS NOT NULL AND s."district" = $3 AND (s."flowId" IS NULL OR s."flowId" = $2))
           OR (s."flowId" = $2 AND s."district" IS NULL AND s."organisationId" IS NULL)
     ), who AS (
       SELECT "userId" FROM reach UNION SELECT "id" FROM "User" WHERE "role" = 'staff' AND NOT EXISTS (SELECT 1 FROM reach)
     )
     SELECT ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId" FROM "ChatIdentity" ci JOIN who ON who."userId" = ci."userId"`,
    [org.organisationId, org.flowId, org.district],
  );
}

/** Declarations waiting for review (latest event 提交审核), with their unit, for the reviewer to choose from. */
export async function waitingForReview(sql: Sql): Promise<{ declarationId: string; unit: string; flowId: string; organisationId: string; district: string | null; at: string }[]> {
  const rows = await sql.query<{ declarationId: string; unit: string; flowId: string; organisationId: string; district: string | null; at: Date | string }>(
    `SELECT DISTINCT ON (e."declarationId") e."declarationId", o."unitName" AS "unit", d."flowId", o."id" AS "organisationId", o."district", e."createdAt" AS "at", e."action"
       FROM "ReviewEvent" e JOIN "Declaration" d ON d."id" = e."declarationId" JOIN "Organisation" o ON o."id" = d."organisationId"
      ORDER BY e."declarationId", e."createdAt" DESC, e."id" DESC`,
  );
  return rows.filter((r) => (r as unknown as { action: string }).action === 'submitted').map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}
