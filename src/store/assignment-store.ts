import type { Sql } from './sql.ts';

/**
 * Who fills which section (分工): a section of a declaration assigned to one of its organisation's operators (财务 the
 * operating data, 运营 the enterprise data). Anyone may still answer anywhere; the assignment says whose job it is, so
 * that the others are told, the overview shows it, and reminders about an unfinished section go to its assignee.
 */

/** A section's assignee and a chat to reach them at (their latest, when they use several channels). */
export interface Assignee { userId: string; name: string; channel: string; chatId: string }

/** Each assigned section of the declaration, by section id. A section whose assignee has no chat is left out. */
export async function assigneesOf(sql: Sql, declarationId: string): Promise<Map<string, Assignee>> {
  const rows = await sql.query<Assignee & { sectionId: string }>(
    `SELECT DISTINCT ON (sa."sectionId") sa."sectionId", sa."userId", u."displayName" AS "name", ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId"
       FROM "SectionAssignment" sa JOIN "User" u ON u."id" = sa."userId" JOIN "ChatIdentity" ci ON ci."userId" = sa."userId"
      WHERE sa."declarationId" = $1
      ORDER BY sa."sectionId", ci."createdAt" DESC`,
    [declarationId],
  );
  return new Map(rows.map(({ sectionId, ...assignee }) => [sectionId, assignee]));
}

/** An operator of the organisation and every chat they are reached at. */
export interface Operator { userId: string; name: string; chats: { channel: string; chatId: string }[] }

/**
 * The people who fill the declaration: the organisation's bound operators (Membership) and whoever has worked on it as
 * an operator (a trusted console user has a cursor, not a membership), by name: the order 分工 numbers them in.
 */
export async function operatorsOfOrganisation(sql: Sql, declarationId: string, organisationId: string): Promise<Operator[]> {
  const rows = await sql.query<{ userId: string; name: string; channel: string; chatId: string }>(
    `SELECT u."id" AS "userId", u."displayName" AS "name", ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId"
       FROM "User" u JOIN "ChatIdentity" ci ON ci."userId" = u."id"
      WHERE u."role" = 'operator'
        AND (u."id" IN (SELECT "userId" FROM "Membership" WHERE "organisationId" = $2) OR u."id" IN (SELECT "userId" FROM "OperatorCursor" WHERE "declarationId" = $1))
      ORDER BY u."displayName", u."id", ci."createdAt"`,
    [declarationId, organisationId],
  );
  const operators = new Map<string, Operator>();
  for (const r of rows) {
    const operator = operators.get(r.userId) ?? { userId: r.userId, name: r.name, chats: [] };
    operator.chats.push({ channel: r.channel, chatId: r.chatId });
    operators.set(r.userId, operator);
  }
  return [...operators.values()];
}

/** Assigns the section to `userId` (replacing whoever had it); the previous assignee's id, or null. */
export async function assignSection(sql: Sql, a: { declarationId: string; sectionId: string; userId: string; assignedById: string }): Promise<string | null> {
  const [previous] = await sql.query<{ userId: string }>(
    `WITH previous AS (SELECT "userId" FROM "SectionAssignment" WHERE "declarationId" = $1 AND "sectionId" = $2), saved AS (
       INSERT INTO "SectionAssignment" ("declarationId", "sectionId", "userId", "assignedById", "createdAt") VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)
       ON CONFLICT ("declarationId", "sectionId") DO UPDATE SET "userId" = EXCLUDED."userId", "assignedById" = EXCLUDED."assignedById", "createdAt" = EXCLUDED."createdAt"
     )
     SELECT "userId" FROM previous`,
    [a.declarationId, a.sectionId, a.userId, a.assignedById],
  );
  return previous?.userId ?? null;
}

/** Removes the section's assignment; whose it was, or null when it had none. */
export async function unassignSection(sql: Sql, declarationId: string, sectionId: string): Promise<string | null> {
  const [removed] = await sql.query<{ userId: string }>(`DELETE FROM "SectionAssignment" WHERE "declarationId" = $1 AND "sectionId" = $2 RETURNING "userId"`, [declarationId, sectionId]);
  return removed?.userId ?? null;
}
