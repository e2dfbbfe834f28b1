import { randomUUID } from 'node:crypto';
import type { Sql, SqlDatabase } from './sql.ts';

/**
 * Jobs: work too long for one message, queued in the transaction of the message that asked for it and run by a job
 * runner in any process. A running job is leased, so a process that died mid-job leaves it to another once the lease
 * runs out (the embedded database frees leases at open, as it does the outbox's).
 */

export interface JobRow {
  id: string;
  kind: string;
  declarationId: string;
  channel: string;
  chatId: string;
  userId: string | null;
  attempts: number;
}

export async function enqueueJob(sql: Sql, job: Omit<JobRow, 'id' | 'attempts'>): Promise<string> {
  const id = randomUUID();
  await sql.query(`INSERT INTO "Job" ("id", "kind", "declarationId", "channel", "chatId", "userId") VALUES ($1, $2, $3, $4, $5, $6)`, [
    id, job.kind, job.declarationId, job.channel, job.chatId, job.userId,
  ]);
  return id;
}

/** The oldest queued job (or one whose runner's lease ran out), leased for `leaseSeconds`. */
export async function claimJob(sql: SqlDatabase, leaseSeconds: number): Promise<JobRow | null> {
  const rows = await sql.query<JobRow>(
    `UPDATE "Job" j SET "status" = 'running', "leasedUntil" = CURRENT_TIMESTAMP + make_interval(secs => $1::int), "attempts" = j."attempts" + 1, "updatedAt" = now()
      WHERE j."id" = (SELECT "id" FROM "Job" WHERE "status" = 'queued' OR ("status" = 'running' AND "leasedUntil" < CURRENT_TIMESTAMP)
                       ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING j."id", j."kind", j."declarationId", j."channel", j."chatId", j."userId", j."attempts"`,
    [leaseSeconds],
  );
  return rows[0] ?? null;
}

/** Keeps the lease while the job runs, and records how far it got. */
export async function jobProgress(sql: Sql, id: string, progress: number, leaseSeconds: number): Promise<void> {
  await sql.query(`UPDATE "Job" SET "progress" = $2, "leasedUntil" = CURRENT_TIMESTAMP + make_interval(secs => $3::int), "updatedAt" = now() WHERE "id" = $1`, [id, Math.round(progress), leaseSeconds]);
}

export async function finishJob(sql: Sql, id: string, error?: string): Promise<void> {
  await sql.query(`UPDATE "Job" SET "status" = $2, "error" = $3, "leasedUntil" = NULL, "progress" = CASE WHEN $3::text IS NULL THEN 100 ELSE "progress" END, "updatedAt" = now() WHERE "id" = $1`, [
    id, error ? 'failed' : 'done', error ?? null,
  ]);
}

/** A job of this kind for this declaration already waiting or running (asking twice starts nothing new). */
export async function activeJob(sql: Sql, kind: string, declarationId: string): Promise<string | null> {
  const rows = await sql.query<{ id: string }>(`SELECT "id" FROM "Job" WHERE "kind" = $1 AND "declarationId" = $2 AND "status" IN ('queued', 'running') LIMIT 1`, [kind, declarationId]);
  return rows[0]?.id ?? null;
}

export async function releaseJobLeases(sql: Sql): Promise<void> {
  await sql.query(`UPDATE "Job" SET "status" = 'queued', "leasedUntil" = NULL WHERE "status" = 'running'`);
}
