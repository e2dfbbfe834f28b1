import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from './sql.ts';
import { plainName } from './last-year-store.ts';
import type { CoordinatorScope } from './people-store.ts';

/**
 * The reminders table: planned idempotently (one row per campaign × kind × subject × due day, so planning again adds
 * nothing), claimed with FOR UPDATE SKIP LOCKED by whichever process is up (two processes never take the same row; a
 * process killed mid-claim leaves its rows to the next), and finished in the claiming transaction together with the
 * outbox entries it wrote.
 */

/** `deadline`: an organisation's operators, on the schedule; `manual`: the same, asked for now by a coordinator; `digest`: a coordinator's day. */
export const ReminderKindSchema = z.enum(['deadline', 'manual', 'digest']);
export type ReminderKind = z.infer<typeof ReminderKindSchema>;

export const ReminderSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: ReminderKindSchema,
  subject: z.string(),
  dueOn: z.string(),
  dueAt: z.coerce.date(),
  status: z.enum(['planned', 'sent', 'skipped']),
  outcome: z.string().nullable(),
  requestedById: z.string().nullable(),
  sentAt: z.coerce.date().nullable(),
});
export type Reminder = z.infer<typeof ReminderSchema>;

export interface PlannedReminder { campaignId: string; kind: ReminderKind; subject: string; dueOn: string; dueAt: Date; requestedById?: string | null }

/** Adds the rows not planned yet (one statement however many); how many were new. */
export async function planReminders(sql: Sql, rows: PlannedReminder[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await sql.query(
    `INSERT INTO "Reminder" ("id", "campaignId", "kind", "subject", "dueOn", "dueAt", "requestedById")
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamp[], $7::text[]) AS n("id", "campaignId", "kind", "subject", "dueOn", "dueAt", "requestedById")
      -- Rows already there are left out before inserting: a conflict on a row another process is sending would make
      -- this statement wait for that process (which may have died holding it) instead of passing over it.
      WHERE NOT EXISTS (SELECT 1 FROM "Reminder" r WHERE r."campaignId" = n."campaignId" AND r."kind" = n."kind" AND r."subject" = n."subject" AND r."dueOn" = n."dueOn")
     ON CONFLICT ("campaignId", "kind", "subject", "dueOn") DO NOTHING RETURNING "id"`,
    [
      rows.map(() => randomUUID()), rows.map((r) => r.campaignId), rows.map((r) => r.kind), rows.map((r) => r.subject),
      rows.map((r) => r.dueOn), rows.map((r) => r.dueAt.toISOString()), rows.map((r) => r.requestedById ?? null),
    ],
  );
  return inserted.length;
}

/** The row for a campaign × kind × subject × day, planned or not. */
export async function findReminder(sql: Sql, key: { campaignId: string; kind: ReminderKind; subject: string; dueOn: string }): Promise<Reminder | null> {
  const [row] = await sql.query(`SELECT * FROM "Reminder" WHERE "campaignId" = $1 AND "kind" = $2 AND "subject" = $3 AND "dueOn" = $4`, [key.campaignId, key.kind, key.subject, key.dueOn]);
  return row ? ReminderSchema.parse(row) : null;
}

/**
 * Takes up to `limit` planned reminders due by `now` that no other transaction holds, oldest first, locked until the
 * transaction ends. Must run inside a transaction.
 */
export async function claimDueReminders(tx: Sql, now: Date, limit = 50): Promise<Reminder[]> {
  const rows = await tx.query(
    `SELECT * FROM "Reminder" WHERE "status" = 'planned' AND "dueAt" <= $1 ORDER BY "dueAt", "id" LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now.toISOString(), limit],
  );
  return rows.map((r) => ReminderSchema.parse(r));
}

/** Whether a later reminder of the same kind to the same subject is also due by `now` (then this one is superseded). */
export async function supersededBy(tx: Sql, reminder: Reminder, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM "Reminder" WHERE "campaignId" = $1 AND "kind" = $2 AND "subject" = $3 AND "dueOn" > $4 AND "dueAt" <= $5 AND "status" <> 'skipped' LIMIT 1`,
    [reminder.campaignId, reminder.kind, reminder.subject, reminder.dueOn, now.toISOString()],
  );
  return rows.length > 0;
}

export async function finishReminder(tx: Sql, id: string, status: 'sent' | 'skipped', outcome: string, now: Date): Promise<void> {
  await tx.query(`UPDATE "Reminder" SET "status" = $2, "outcome" = $3, "sentAt" = $4 WHERE "id" = $1`, [id, status, outcome, now.toISOString()]);
}

/** A campaign's reminders by kind and status, for staff's listing. */
export async function reminderCounts(sql: Sql, campaignId: string): Promise<{ kind: string; status: string; count: number }[]> {
  const rows = await sql.query<{ kind: string; status: string; count: string | number }>(
    `SELECT "kind", "status", count(*) AS "count" FROM "Reminder" WHERE "campaignId" = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [campaignId],
  );
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** Someone to remind, on one of their channels. */
export interface Reachable { userId: string; name: string; channel: string; chatId: string }

/**
 * The operators of a directory entry's organisation: those bound to it, those who have worked on its declaration (the
 * console's local user binds by typing the name), and those bound to the same unit in an earlier year of the
 * programme (`earlierFlowIds`), whose binding carries over when they next open it.
 */
export async function operatorsOfEntry(sql: Sql, flowId: string, seq: number, unit: string, earlierFlowIds: string[] = []): Promise<Reachable[]> {
  return sql.query<Reachable>(
    `WITH org AS (SELECT "id" FROM "Organisation" WHERE "flowId" = $1 AND "seq" = $2
                  UNION SELECT "id" FROM "Organisation" WHERE "flowId" = ANY($4::text[]) AND ${plainName('"unitName"')} = ${plainName('$3::text')}),
          people AS (SELECT m."userId" FROM "Membership" m WHERE m."organisationId" IN (SELECT "id" FROM org)
                     UNION SELECT c."userId" FROM "OperatorCursor" c JOIN "Declaration" d ON d."id" = c."declarationId"
                      WHERE d."organisationId" IN (SELECT "id" FROM org) AND d."flowId" = $1)
     SELECT u."id" AS "userId", u."displayName" AS "name", ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId"
       FROM people p JOIN "User" u ON u."id" = p."userId" AND u."role" = 'operator' JOIN "ChatIdentity" ci ON ci."userId" = u."id"
      ORDER BY u."displayName", ci."channel"`,
    [flowId, seq, unit, earlierFlowIds],
  );
}

export interface Coordinator { userId: string; name: string; scopes: CoordinatorScope[] }

/** Coordinators and their reach (for digests): every one, or the one named (a digest being sent). */
export async function coordinators(sql: Sql, userId: string | null = null): Promise<Coordinator[]> {
  const rows = await sql.query<{ userId: string; name: string } & CoordinatorScope>(
    `SELECT u."id" AS "userId", u."displayName" AS "name", s."flowId", s."district", s."organisationId"
       FROM "User" u JOIN "CoordinatorScope" s ON s."userId" = u."id" WHERE u."role" = 'coordinator' AND ($1::text IS NULL OR u."id" = $1::text) ORDER BY u."id"`,
    [userId],
  );
  const byUser = new Map<string, Coordinator>();
  for (const r of rows) {
    const entry = byUser.get(r.userId) ?? { userId: r.userId, name: r.name, scopes: [] };
    entry.scopes.push({ flowId: r.flowId, district: r.district, organisationId: r.organisationId });
    byUser.set(r.userId, entry);
  }
  return [...byUser.values()];
}

/** A person's chats (a coordinator may use Telegram and Feishu). */
export async function chatsOf(sql: Sql, userId: string): Promise<Reachable[]> {
  return sql.query<Reachable>(
    `SELECT u."id" AS "userId", u."displayName" AS "name", ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId"
       FROM "User" u JOIN "ChatIdentity" ci ON ci."userId" = u."id" WHERE u."id" = $1 ORDER BY ci."channel"`,
    [userId],
  );
}

/** Counts Feishu calls against a campaign's budget: true and counted when they fit, false (nothing counted) when not. */
export async function spendFeishuBudget(tx: Sql, campaignId: string, calls: number): Promise<boolean> {
  if (calls === 0) return true;
  const rows = await tx.query(
    `UPDATE "Campaign" SET "feishuCalls" = "feishuCalls" + $2 WHERE "id" = $1 AND ("feishuBudget" IS NULL OR "feishuCalls" + $2 <= "feishuBudget") RETURNING "id"`,
    [campaignId, calls],
  );
  return rows.length > 0;
}

/**
 * The units of these flows that have someone to fill them (bound, or already at work), by flow and name: a flow's
 * own, and (given its earlier years) those whose operators' binding carries over.
 */
export async function unitsWithOperators(sql: Sql, flowIds: string[]): Promise<{ flowId: string; seq: number; unitName: string }[]> {
  return sql.query<{ flowId: string; seq: number; unitName: string }>(
    `SELECT o."flowId", o."seq", o."unitName" FROM "Organisation" o WHERE o."flowId" = ANY($1::text[])
        AND (EXISTS (SELECT 1 FROM "Membership" m JOIN "User" u ON u."id" = m."userId" AND u."role" = 'operator' WHERE m."organisationId" = o."id")
             OR EXISTS (SELECT 1 FROM "OperatorCursor" c JOIN "Declaration" d ON d."id" = c."declarationId" JOIN "User" u ON u."id" = c."userId" AND u."role" = 'operator'
                         WHERE d."organisationId" = o."id" AND d."flowId" = o."flowId"))`,
    [flowIds],
  );
}

/** The database's organisation ids of a flow by directory number. */
export async function organisationIdsOf(sql: Sql, flowId: string): Promise<Map<number, string>> {
  const rows = await sql.query<{ seq: number; id: string }>(`SELECT "seq", "id" FROM "Organisation" WHERE "flowId" = $1`, [flowId]);
  return new Map(rows.map((r) => [Number(r.seq), r.id]));
}

/**
 * A reminder asked for now (a coordinator's 提醒): planned and held by the asking transaction, to be sent in it; null when
 * one for the same organisation was already asked for today.
 */
export async function planManualReminder(tx: Sql, reminder: PlannedReminder): Promise<Reminder | null> {
  const [row] = await tx.query(
    `INSERT INTO "Reminder" ("id", "campaignId", "kind", "subject", "dueOn", "dueAt", "requestedById") VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT ("campaignId", "kind", "subject", "dueOn") DO NOTHING RETURNING *`,
    [randomUUID(), reminder.campaignId, reminder.kind, reminder.subject, reminder.dueOn, reminder.dueAt.toISOString(), reminder.requestedById ?? null],
  );
  return row ? ReminderSchema.parse(row) : null;
}
