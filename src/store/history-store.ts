import type { AnswerValue } from '../engine/values.ts';
import type { Sql } from './sql.ts';

/**
 * Reading the answer history (AnswerHistory, written by every turn that changes an answer): who changed what, when,
 * on which channel and with what 情况说明 — for `谁填的` on a question and the 修改记录 sheet of the exported workbook.
 */

export interface RecordedChange {
  questionId: string;
  oldValue: AnswerValue | null;
  newValue: AnswerValue | null;
  note: string | null;
  /** The person's display name (null: unknown, e.g. a change made before people were recorded). */
  name: string | null;
  channel: string | null;
  at: Date;
}

export interface ChangesQuery {
  /** One question's changes only. */
  questionId?: string;
  /** newest first (a chat's few lines), oldest first (a ledger). */
  order: 'newest' | 'oldest';
  limit?: number;
  offset?: number;
}

/**
 * The declaration's recorded changes in one query, with how many there are in all (for paging; known even for a page
 * past the end). The time is read as an instant: the column holds the database session's local time
 * (CURRENT_TIMESTAMP), whatever zone that is.
 */
export async function answerChanges(sql: Sql, declarationId: string, query: ChangesQuery): Promise<{ changes: RecordedChange[]; total: number }> {
  const direction = query.order === 'newest' ? 'DESC' : 'ASC';
  const rows = await sql.query<Omit<RecordedChange, 'at'> & { at: number | string | null; total: number | string }>(
    `WITH chosen AS (
       SELECT h.* FROM "AnswerHistory" h WHERE h."declarationId" = $1 AND ($2::text IS NULL OR h."questionId" = $2::text)
     ), page AS (
       SELECT h."id", h."createdAt", h."questionId", h."oldValue", h."newValue", h."note", u."displayName" AS "name", h."channel",
              (extract(epoch FROM (h."createdAt" AT TIME ZONE current_setting('TimeZone'))) * 1000)::float8 AS "at"
         FROM chosen h LEFT JOIN "User" u ON u."id" = h."userId"
        ORDER BY h."createdAt" ${direction}, h."id" ${direction}
        LIMIT $3::int OFFSET $4::int
     )
     SELECT (SELECT count(*) FROM chosen) AS "total", page."questionId", page."oldValue", page."newValue", page."note", page."name", page."channel", page."at"
       FROM (SELECT 1) one LEFT JOIN page ON true
      ORDER BY page."createdAt" ${direction}, page."id" ${direction}`,
    [declarationId, query.questionId ?? null, query.limit ?? null, query.offset ?? 0],
  );
  return {
    changes: rows.filter((r) => r.at !== null).map(({ total: _, at, ...r }) => ({ ...r, at: new Date(Number(at)) })),
    total: Number(rows[0]?.total ?? 0),
  };
}
