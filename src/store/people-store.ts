import { randomInt, randomUUID } from 'node:crypto';
import type { Sql } from './sql.ts';

/**
 * People and their reach: operators bound to organisations by one-time invitation codes, coordinators' scopes, roles.
 */

/** Letters and digits no one mistakes for each other (no 0/O, 1/I/L). */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** “SB” and eight characters: short enough to type from a phone, too many to guess (31⁸ ≈ 8.5×10¹¹). */
export const INVITATION = /^SB[2-9A-HJKMNP-Z]{8}$/;

export function newInvitationCode(): string {
  return `SB${Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;
}

/** A code as typed: spaces, dashes and lower case forgiven. */
export const normaliseCode = (text: string) => text.normalize('NFKC').replace(/[\s\-—_]/g, '').toUpperCase();

export async function createInvitation(sql: Sql, organisationId: string, createdById: string | null, days = 7, now = new Date()): Promise<{ code: string; expiresAt: Date }> {
  const code = newInvitationCode();
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  await sql.query(`INSERT INTO "Invitation" ("code", "organisationId", "createdById", "expiresAt") VALUES ($1, $2, $3, $4)`, [code, organisationId, createdById, expiresAt.toISOString()]);
  return { code, expiresAt };
}

/** A coordinator's reach, as rows of CoordinatorScope: an organisation, a district (of a programme or all), a programme. */
export type CoordinatorScope = { flowId: string | null; district: string | null; organisationId: string | null };

/** A coordinator's reach as an invitation carries it: the CoordinatorScope rows its redeemer gets. */
export interface ScopeGrant { flowId?: string | null; district?: string | null; organisationId?: string | null }

/**
 * A code that makes whoever sends it a coordinator with `scope`, or a staff member (the first one at deployment, or
 * more by staff), so nobody has to look up a person's id on a platform.
 */
export async function createRoleInvitation(sql: Sql, role: 'coordinator' | 'staff', scope: ScopeGrant[], createdById: string | null, days = 7, now = new Date()): Promise<{ code: string; expiresAt: Date }> {
  const code = newInvitationCode();
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  await sql.query(`INSERT INTO "Invitation" ("code", "role", "scope", "createdById", "expiresAt") VALUES ($1, $2, $3::jsonb, $4, $5)`, [
    code, role, JSON.stringify(scope), createdById, expiresAt.toISOString(),
  ]);
  return { code, expiresAt };
}

export type Redeemed =
  | { ok: true; role: 'operator'; organisationId: string }
  | { ok: true; role: 'coordinator' | 'staff'; scope: ScopeGrant[] }
  | { ok: false; reason: 'unknown' | 'expired' | 'used'; usedByMe?: boolean };

/**
 * Uses a code once: binds the person to its organisation, or gives them the role it carries (a staff member keeps
 * their role when sent a coordinator's code; the reach is added). A used, expired or unknown code changes nothing.
 */
export async function redeemInvitation(sql: Sql, code: string, userId: string, now = new Date()): Promise<Redeemed> {
  const [row] = await sql.query<{ organisationId: string | null; role: string; scope: ScopeGrant[] | null; expiresAt: Date | string; usedById: string | null }>(
    `SELECT "organisationId", "role", "scope", "expiresAt", "usedById" FROM "Invitation" WHERE "code" = $1 FOR UPDATE`,
    [code],
  );
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.usedById) return { ok: false, reason: 'used', usedByMe: row.usedById === userId };
  if (new Date(row.expiresAt).getTime() < now.getTime()) return { ok: false, reason: 'expired' };
  await sql.query(`UPDATE "Invitation" SET "usedById" = $2, "usedAt" = $3 WHERE "code" = $1`, [code, userId, now.toISOString()]);
  if (row.role === 'coordinator' || row.role === 'staff') {
    const scope = row.scope ?? [];
    await sql.query(`UPDATE "User" SET "role" = $2 WHERE "id" = $1 AND "role" <> 'staff'`, [userId, row.role]);
    for (const grant of scope) await addScope(sql, userId, grant);
    return { ok: true, role: row.role, scope };
  }
  await addMembership(sql, userId, row.organisationId!, code);
  return { ok: true, role: 'operator', organisationId: row.organisationId! };
}

/** A person made an operator of an organisation (by a code, or carried from the same unit's earlier year). */
export async function addMembership(sql: Sql, userId: string, organisationId: string, invitationCode: string | null): Promise<void> {
  await sql.query(
    `INSERT INTO "Membership" ("userId", "organisationId", "invitationCode") VALUES ($1, $2, $3) ON CONFLICT ("userId", "organisationId") DO NOTHING`,
    [userId, organisationId, invitationCode],
  );
}

/** The organisation's row for a directory entry, created when it is first needed (an invitation before any declaration). */
export async function ensureOrganisation(
  sql: Sql,
  entry: { flowId: string; seq: number; unitName: string; name: string | null; district: string | null; category: string | null; extra: Record<string, unknown> },
): Promise<string> {
  const [row] = await sql.query<{ id: string }>(
    `INSERT INTO "Organisation" ("id", "flowId", "seq", "unitName", "name", "district", "category", "extra") VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
     ON CONFLICT ("flowId", "seq") DO UPDATE SET "unitName" = EXCLUDED."unitName" RETURNING "id"`,
    [randomUUID(), entry.flowId, entry.seq, entry.unitName, entry.name, entry.district, entry.category, JSON.stringify(entry.extra)],
  );
  return row.id;
}

/** The organisation already recorded for a directory entry, if any. */
export async function organisationId(sql: Sql, flowId: string, seq: number): Promise<string | undefined> {
  const [row] = await sql.query<{ id: string }>(`SELECT "id" FROM "Organisation" WHERE "flowId" = $1 AND "seq" = $2`, [flowId, seq]);
  return row?.id;
}

/** A person known by their account on a channel, created if new, with a role (operator, coordinator, staff). */
export async function addPerson(sql: Sql, person: { channel: string; externalId: string; name: string; role: string }): Promise<string> {
  const [existing] = await sql.query<{ userId: string }>(`SELECT "userId" FROM "ChatIdentity" WHERE "channel" = $1 AND "externalId" = $2`, [person.channel, person.externalId]);
  if (existing) {
    await sql.query(`UPDATE "User" SET "role" = $2, "displayName" = $3 WHERE "id" = $1`, [existing.userId, person.role, person.name]);
    return existing.userId;
  }
  const userId = randomUUID();
  await sql.query(`INSERT INTO "User" ("id", "displayName", "role") VALUES ($1, $2, $3)`, [userId, person.name, person.role]);
  await sql.query(`INSERT INTO "ChatIdentity" ("id", "channel", "externalId", "userId", "chatId") VALUES ($1, $2, $3, $4, $3)`, [randomUUID(), person.channel, person.externalId, userId]);
  return userId;
}

export async function addScope(sql: Sql, userId: string, scope: { flowId?: string | null; district?: string | null; organisationId?: string | null }): Promise<void> {
  await sql.query(`INSERT INTO "CoordinatorScope" ("id", "userId", "flowId", "district", "organisationId") VALUES ($1, $2, $3, $4, $5)`, [
    randomUUID(), userId, scope.flowId ?? null, scope.district ?? null, scope.organisationId ?? null,
  ]);
}

/**
 * At deployment, before anyone manages people: a staff code to print at start (the same one on every start until it is
 * used or expires, then a new one); null once there is a staff member.
 */
export async function bootstrapStaffCode(sql: Sql, now = new Date()): Promise<{ code: string; expiresAt: Date } | null> {
  const [staff] = await sql.query(`SELECT 1 FROM "User" WHERE "role" = 'staff' LIMIT 1`);
  if (staff) return null;
  const [open] = await sql.query<{ code: string; expiresAt: Date | string }>(
    `SELECT "code", "expiresAt" FROM "Invitation" WHERE "role" = 'staff' AND "usedById" IS NULL AND "expiresAt" > $1 ORDER BY "createdAt" DESC LIMIT 1`,
    [now.toISOString()],
  );
  if (open) return { code: open.code, expiresAt: new Date(open.expiresAt) };
  return createRoleInvitation(sql, 'staff', [], null, 7, now);
}
