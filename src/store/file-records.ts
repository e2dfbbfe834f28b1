import { randomUUID } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * What the database knows of files (StoredFile) and of evidence handed in elsewhere (EvidenceMark). The bytes are in
 * the file store (src/files/file-store.ts) under `sha256`.
 */

export interface FileRecord {
  id: string;
  sha256: string;
  name: string;
  mime: string | null;
  size: number;
  channel: string;
  uploadedById: string | null;
  declarationId: string | null;
  evidenceId: string | null;
  questionId: string | null;
}

export interface NewFile {
  sha256: string;
  name: string;
  mime?: string;
  size: number;
  channel: string;
  uploadedById?: string | null;
  declarationId?: string | null;
  evidenceId?: string | null;
  questionId?: string | null;
}

/** How an evidence item stands beyond the answers: files attached to it, or a mark (线下提交, 不适用 with its reason). */
export interface Provision {
  files: { id: string; name: string }[];
  mark: { status: MarkStatus; reason: string | null } | null;
}

/** offline: handed in outside the assistant (线下提交); not_applicable: does not apply to the unit (不适用). */
export type MarkStatus = 'offline' | 'not_applicable';

const COLUMNS = `"id", "sha256", "name", "mime", "size"::float8 AS "size", "channel", "uploadedById", "declarationId", "evidenceId", "questionId"`;

/** Records one received (or generated) file; returns its id. */
export async function recordFile(sql: Sql, file: NewFile): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO "StoredFile" ("id", "sha256", "name", "mime", "size", "channel", "uploadedById", "declarationId", "evidenceId", "questionId")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, file.sha256, file.name, file.mime ?? null, file.size, file.channel, file.uploadedById ?? null, file.declarationId ?? null, file.evidenceId ?? null, file.questionId ?? null],
  );
  return id;
}

export async function findFile(sql: Sql, id: string): Promise<FileRecord | null> {
  const rows = await sql.query<FileRecord>(`SELECT ${COLUMNS} FROM "StoredFile" WHERE "id" = $1`, [id]);
  return rows[0] ?? null;
}

export async function filesByIds(sql: Sql, ids: string[]): Promise<FileRecord[]> {
  if (ids.length === 0) return [];
  return sql.query<FileRecord>(`SELECT ${COLUMNS} FROM "StoredFile" WHERE "id" = ANY($1::text[]) ORDER BY "createdAt", "id"`, [ids]);
}

/** Attaches files (of this declaration) to an evidence item. */
export async function attachToEvidence(sql: Sql, declarationId: string, ids: string[], evidenceId: string): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(`UPDATE "StoredFile" SET "evidenceId" = $1 WHERE "declarationId" = $2 AND "id" = ANY($3::text[])`, [evidenceId, declarationId, ids]);
}

/** Each evidence item's files and marks in a declaration. */
export async function evidenceProvisions(sql: Sql, declarationId: string): Promise<Map<string, Provision>> {
  return (await evidenceProvisionsOf(sql, [declarationId])).get(declarationId) ?? new Map();
}

/** The same for several declarations in one query (a status summary over a programme), by declaration id. */
export async function evidenceProvisionsOf(sql: Sql, declarationIds: readonly string[]): Promise<Map<string, Map<string, Provision>>> {
  const out = new Map<string, Map<string, Provision>>();
  if (declarationIds.length === 0) return out;
  const rows = await sql.query<{ declarationId: string; evidenceId: string; files: { id: string; name: string }[] | null; status: MarkStatus | null; reason: string | null }>(
    `SELECT e."declarationId", e."evidenceId",
            (SELECT json_agg(json_build_object('id', f."id", 'name', f."name") ORDER BY f."createdAt", f."id")
               FROM "StoredFile" f WHERE f."declarationId" = e."declarationId" AND f."evidenceId" = e."evidenceId") AS "files",
            m."status", m."reason"
       FROM (SELECT "declarationId", "evidenceId" FROM "StoredFile" WHERE "declarationId" = ANY($1::text[]) AND "evidenceId" IS NOT NULL
             UNION SELECT "declarationId", "evidenceId" FROM "EvidenceMark" WHERE "declarationId" = ANY($1::text[])) e
       LEFT JOIN "EvidenceMark" m ON m."declarationId" = e."declarationId" AND m."evidenceId" = e."evidenceId"`,
    [declarationIds],
  );
  for (const r of rows) {
    let provisions = out.get(r.declarationId);
    if (!provisions) out.set(r.declarationId, (provisions = new Map()));
    provisions.set(r.evidenceId, { files: r.files ?? [], mark: r.status ? { status: r.status, reason: r.reason } : null });
  }
  return out;
}

/** Marks an item (线下提交, or 不适用 with its reason), or takes the mark back (null). */
export async function markEvidence(sql: Sql, declarationId: string, evidenceId: string, userId: string | null, mark: { status: MarkStatus; reason?: string } | null): Promise<void> {
  if (!mark) {
    await sql.query(`DELETE FROM "EvidenceMark" WHERE "declarationId" = $1 AND "evidenceId" = $2`, [declarationId, evidenceId]);
    return;
  }
  await sql.query(
    `INSERT INTO "EvidenceMark" ("declarationId", "evidenceId", "status", "reason", "userId") VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ("declarationId", "evidenceId") DO UPDATE SET "status" = EXCLUDED."status", "reason" = EXCLUDED."reason", "userId" = EXCLUDED."userId", "createdAt" = now()`,
    [declarationId, evidenceId, mark.status, mark.reason ?? null, userId],
  );
}
