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

/** How an evidence item stands beyond the answers: files attached to it, or marked as handed in outside (线下提交). */
export interface Provision {
  files: { id: string; name: string }[];
  offline: boolean;
}

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
  const rows = await sql.query<{ evidenceId: string; files: { id: string; name: string }[] | null; offline: boolean }>(
    `SELECT e."evidenceId",
            (SELECT json_agg(json_build_object('id', f."id", 'name', f."name") ORDER BY f."createdAt", f."id")
               FROM "StoredFile" f WHERE f."declarationId" = $1 AND f."evidenceId" = e."evidenceId") AS "files",
            EXISTS (SELECT 1 FROM "EvidenceMark" m WHERE m."declarationId" = $1 AND m."evidenceId" = e."evidenceId" AND m."status" = 'offline') AS "offline"
       FROM (SELECT "evidenceId" FROM "StoredFile" WHERE "declarationId" = $1 AND "evidenceId" IS NOT NULL
             UNION SELECT "evidenceId" FROM "EvidenceMark" WHERE "declarationId" = $1) e`,
    [declarationId],
  );
  return new Map(rows.map((r) => [r.evidenceId, { files: r.files ?? [], offline: r.offline }]));
}

/** Marks an item as handed in outside the assistant (线下提交), or takes the mark back. */
export async function markOffline(sql: Sql, declarationId: string, evidenceId: string, userId: string | null, offline = true): Promise<void> {
  if (!offline) {
    await sql.query(`DELETE FROM "EvidenceMark" WHERE "declarationId" = $1 AND "evidenceId" = $2`, [declarationId, evidenceId]);
    return;
  }
  await sql.query(
    `INSERT INTO "EvidenceMark" ("declarationId", "evidenceId", "status", "userId") VALUES ($1, $2, 'offline', $3)
     ON CONFLICT ("declarationId", "evidenceId") DO UPDATE SET "status" = 'offline', "userId" = EXCLUDED."userId", "createdAt" = now()`,
    [declarationId, evidenceId, userId],
  );
}
