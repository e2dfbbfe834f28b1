import { randomUUID } from 'node:crypto';
import type { DeclarationState } from './declaration-state.ts';
import type { Sql } from './sql.ts';
import { loadDeclaration } from './turn-store.ts';
import type { LastYearSources } from '../flow/earlier-flows.ts';

/** Opening an organisation's declaration for a flow: the directory row recorded, the declaration found or created. */

export interface OrganisationEntry {
  flowId: string;
  seq: number;
  unitName: string;
  name: string | null;
  district: string | null;
  category: string | null;
  extra: Record<string, unknown>;
  /** Who opens it (recorded as the declaration's creator when it is new). */
  userId: string;
}

/**
 * The organisation's declaration, created if this is its first operator, locked for the rest of the transaction and
 * read as `userId` sees it, with last year's answers from the earlier flows in `sources`. Two operators opening one
 * organisation at once clash on a unique key; the router runs the later message again, which then finds what the first
 * created.
 */
export async function openDeclaration(sql: Sql, entry: OrganisationEntry, sources: LastYearSources = {}): Promise<{ declaration: DeclarationState; existed: boolean }> {
  const [row] = await sql.query<{ id: string; existed: boolean }>(
    `WITH org AS (
       INSERT INTO "Organisation" ("id", "flowId", "seq", "unitName", "name", "district", "category", "extra")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
       ON CONFLICT ("flowId", "seq") DO UPDATE SET "flowId" = EXCLUDED."flowId"
       RETURNING "id"
     ), found AS (
       SELECT d."id" FROM "Declaration" d, org WHERE d."organisationId" = org."id" AND d."flowId" = $2 FOR UPDATE OF d
     ), created AS (
       INSERT INTO "Declaration" ("id", "organisationId", "flowId", "createdById", "updatedAt")
       SELECT $9, org."id", $2, $10, CURRENT_TIMESTAMP FROM org WHERE NOT EXISTS (SELECT 1 FROM found)
       RETURNING "id"
     )
     SELECT "id", true AS "existed" FROM found UNION ALL SELECT "id", false FROM created`,
    [randomUUID(), entry.flowId, entry.seq, entry.unitName, entry.name, entry.district, entry.category, JSON.stringify(entry.extra), randomUUID(), entry.userId],
  );
  return { declaration: await loadDeclaration(sql, row.id, entry.userId, sources), existed: row.existed };
}
