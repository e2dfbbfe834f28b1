import { randomUUID } from 'node:crypto';
import { TableValueSchema, type TableValue } from '../engine/values.ts';
import type { Sql } from './sql.ts';

/**
 * A declaration's annex tables (附表): each replaced as a whole when it is imported again, the rows it replaced kept in
 * DeclarationTableHistory with who replaced them.
 */

export interface StoredTable {
  tableId: string;
  rows: TableValue;
  version: number;
  updatedAt: string;
}

export async function loadTables(sql: Sql, declarationId: string): Promise<Map<string, StoredTable>> {
  const rows = await sql.query<{ tableId: string; rows: unknown; version: number; updatedAt: Date | string }>(
    `SELECT "tableId", "rows", "version", "updatedAt" FROM "DeclarationTable" WHERE "declarationId" = $1`,
    [declarationId],
  );
  return new Map(
    rows.map((r) => [r.tableId, { tableId: r.tableId, rows: TableValueSchema.safeParse(r.rows).data ?? [], version: r.version, updatedAt: new Date(r.updatedAt).toISOString() }]),
  );
}

/** Replaces a table's rows; the old ones go to the history. Returns the new version. */
export async function saveTable(sql: Sql, declarationId: string, tableId: string, rows: TableValue, userId: string | null): Promise<number> {
  await sql.query(
    `INSERT INTO "DeclarationTableHistory" ("id", "declarationId", "tableId", "rows", "version", "replacedById")
     SELECT $1, "declarationId", "tableId", "rows", "version", $4 FROM "DeclarationTable" WHERE "declarationId" = $2 AND "tableId" = $3`,
    [randomUUID(), declarationId, tableId, userId],
  );
  const [row] = await sql.query<{ version: number }>(
    `INSERT INTO "DeclarationTable" ("declarationId", "tableId", "rows", "version", "updatedById", "updatedAt") VALUES ($1, $2, $3::jsonb, 1, $4, now())
     ON CONFLICT ("declarationId", "tableId") DO UPDATE SET "rows" = EXCLUDED."rows", "version" = "DeclarationTable"."version" + 1, "updatedById" = EXCLUDED."updatedById", "updatedAt" = now()
     RETURNING "version"`,
    [declarationId, tableId, JSON.stringify(rows), userId],
  );
  return row.version;
}
