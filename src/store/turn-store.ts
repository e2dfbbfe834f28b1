import { randomUUID } from 'node:crypto';
import { StoredAnswerSchema, type Answers } from '../engine/values.ts';
import { DeclarationState, type AnswerAuthor } from './declaration-state.ts';
import type { CachedDeclaration } from './declaration-cache.ts';
import type { Sql, Statement } from './sql.ts';
import type { CoordinatorScope } from './people-store.ts';
import { lastYearColumn, type LastYearRead } from './last-year-store.ts';
import type { LastYearSources } from '../flow/earlier-flows.ts';

/**
 * The message path's reads and writes, in plain SQL: lock the chat, read everything the message needs in one
 * statement, write everything it changed in one more. The router sends BEGIN, the lock and the read as one batch and
 * the write with COMMIT as another: an ordinary turn is two round trips to PostgreSQL.
 */

/**
 * Locks the chat's identity row — one message of a chat at a time, in order, across processes — and the declaration it
 * has open, so that two people's messages on one declaration are decided one after the other. The read goes in the
 * same batch as a statement of its own, so it sees whatever the previous holder of the locks committed.
 */
export function lockStatement(channel: string, externalId: string): Statement {
  return {
    text: `SELECT ci."id", (SELECT d."id" FROM "Declaration" d WHERE d."id" = ci."activeDeclarationId" FOR UPDATE) AS "declarationId"
             FROM "ChatIdentity" ci WHERE ci."channel" = $1::text AND ci."externalId" = $2::text FOR UPDATE OF ci`,
    params: [channel, externalId],
    name: 'shenbao_lock_chat',
  };
}

/** A person seen for the first time. A clash with a concurrent first message is a unique violation: the caller retries. */
export function createPersonStatement(person: { channel: string; externalId: string; chatId: string; name: string }): Statement {
  return {
    text: `WITH u AS (INSERT INTO "User" ("id", "displayName") VALUES ($1, $2) RETURNING "id")
           INSERT INTO "ChatIdentity" ("id", "channel", "externalId", "userId", "chatId") SELECT $3, $4, $5, u."id", $6 FROM u`,
    params: [randomUUID(), person.name, randomUUID(), person.channel, person.externalId, person.chatId],
  };
}

export interface Person {
  identityId: string;
  userId: string;
  displayName: string;
  /** operator (the default), coordinator or staff. */
  role: string;
  chatId: string | null;
  chatState: unknown;
  activeDeclarationId: string | null;
  /** The organisations this person is an operator of (bound by an invitation code). */
  organisations: string[];
  /** A coordinator's reach: districts, programmes, organisations. */
  scopes: CoordinatorScope[];
}

export interface TurnData {
  /** The inbound message's key was processed before. */
  seen: boolean;
  person: Person;
  declaration: DeclarationState | null;
}

interface DeclarationRow {
  declaration: { id: string; flowId: string; organisationId: string; status: string; currentSectionId: string | null; revision: number; orgExtra: Record<string, unknown> | null; district: string | null } | null;
  answers: { q: string; v: unknown; s: boolean; n: string | null; by: string | null; name: string | null; at: string }[] | null;
  statuses: Record<string, string> | null;
  cursor: { sectionId: string | null; snapshots: Record<string, unknown>; updatedAt: string } | null;
  assignments: Record<string, { userId: string; name: string }> | null;
  lastYear: LastYearRead | null;
}

/**
 * The select list reading a declaration (`d`), its answers with who changed them, its sections' statuses, who fills
 * which section (a few rows, read every time: an assignment does not change the revision) and `u`'s cursor. `known`
 * is a revision of that declaration the caller holds (or NULL): at that revision the answers and statuses are not read
 * again (they come back NULL), nor are last year's answers (src/store/last-year-store.ts, by the earlier flows in
 * `sources`).
 */
const declarationColumns = (d: string, u: string, known: string, sources: string) => `
  (SELECT json_build_object('id', d."id", 'flowId', d."flowId", 'organisationId', d."organisationId", 'status', d."status",
                            'currentSectionId', d."currentSectionId", 'revision', d."revision", 'orgExtra', o."extra", 'district', o."district")
     FROM "Declaration" d JOIN "Organisation" o ON o."id" = d."organisationId" WHERE d."id" = ${d}) AS "declaration",
  EXISTS (SELECT 1 FROM "Declaration" d WHERE d."id" = ${d} AND d."revision" = ${known}) AS "known",
  (SELECT json_agg(json_build_object('q', a."questionId", 'v', a."value", 's', a."skipped", 'n', a."note",
                                     'by', a."updatedById", 'name', au."displayName", 'at', a."updatedAt"))
     FROM "Answer" a LEFT JOIN "User" au ON au."id" = a."updatedById"
    WHERE a."declarationId" = ${d} AND NOT EXISTS (SELECT 1 FROM "Declaration" k WHERE k."id" = ${d} AND k."revision" = ${known})) AS "answers",
  (SELECT json_object_agg(sp."sectionId", sp."status") FROM "SectionProgress" sp
    WHERE sp."declarationId" = ${d} AND NOT EXISTS (SELECT 1 FROM "Declaration" k WHERE k."id" = ${d} AND k."revision" = ${known})) AS "statuses",
  (SELECT json_build_object('sectionId', c."sectionId", 'snapshots', c."snapshots", 'updatedAt', c."updatedAt")
     FROM "OperatorCursor" c WHERE c."userId" = ${u} AND c."declarationId" = ${d}) AS "cursor",
  (SELECT json_object_agg(sa."sectionId", json_build_object('userId', sa."userId", 'name', su."displayName"))
     FROM "SectionAssignment" sa JOIN "User" su ON su."id" = sa."userId" WHERE sa."declarationId" = ${d}) AS "assignments",
  ${lastYearColumn(d, sources, known)}`;

function declarationState(row: DeclarationRow & { known?: boolean }, cached?: CachedDeclaration): DeclarationState | null {
  const d = row.declaration;
  if (!d) return null;
  const reuse = row.known && cached?.declarationId === d.id && cached.revision === d.revision ? cached : undefined;
  const answers: Answers = reuse ? reuse.answers : {};
  const authors: Record<string, AnswerAuthor> = reuse ? reuse.authors : {};
  for (const a of reuse ? [] : (row.answers ?? [])) {
    const parsed = StoredAnswerSchema.safeParse({ value: a.v, skipped: a.s, note: a.n });
    // A row that no longer parses (schema drift) is treated as unanswered rather than crashing the conversation.
    if (!parsed.success) continue;
    answers[a.q] = parsed.data;
    authors[a.q] = { userId: a.by, name: a.name, at: a.at };
  }
  return new DeclarationState({
    id: d.id,
    flowId: d.flowId,
    organisationId: d.organisationId,
    district: d.district ?? null,
    orgExtra: d.orgExtra ?? {},
    status: d.status,
    currentSectionId: d.currentSectionId,
    revision: d.revision,
    answers,
    authors,
    statuses: reuse ? reuse.statuses : (row.statuses ?? {}),
    assignments: row.assignments ?? {},
    lastYear: reuse ? reuse.lastYear : row.lastYear,
    cursor: row.cursor,
  });
}

/**
 * Everything one message needs, in one statement: the key, the person, the declaration, its answers, their cursor —
 * the answers and statuses only when `known` is not the declaration's revision now.
 */
export function readStatement(channel: string, externalId: string, key: string, known?: CachedDeclaration, sources: LastYearSources = {}): Statement {
  return {
    text: `WITH me AS (SELECT ci."id", ci."userId", ci."activeDeclarationId" FROM "ChatIdentity" ci WHERE ci."channel" = $1::text AND ci."externalId" = $2::text)
      SELECT
        EXISTS (SELECT 1 FROM "ProcessedMessage" WHERE "key" = $3::text) AS "seen",
        (SELECT json_build_object('identityId', ci."id", 'userId', ci."userId", 'displayName', u."displayName", 'role', u."role",
                                  'chatId', ci."chatId", 'chatState', ci."chatState", 'activeDeclarationId', ci."activeDeclarationId",
                                  'organisations', (SELECT coalesce(json_agg(m."organisationId"), '[]') FROM "Membership" m WHERE m."userId" = ci."userId"),
                                  'scopes', (SELECT coalesce(json_agg(json_build_object('flowId', s."flowId", 'district', s."district", 'organisationId', s."organisationId")), '[]')
                                               FROM "CoordinatorScope" s WHERE s."userId" = ci."userId"))
           FROM "ChatIdentity" ci JOIN "User" u ON u."id" = ci."userId" WHERE ci."id" = (SELECT "id" FROM me)) AS "person",
        ${declarationColumns('(SELECT "activeDeclarationId" FROM me)', '(SELECT "userId" FROM me)', `(CASE WHEN (SELECT "activeDeclarationId" FROM me) = $4::text THEN $5::int END)`, '$6::jsonb')}`,
    // The known revision counts only for the declaration it was read from.
    params: [channel, externalId, key, known?.declarationId ?? null, known?.revision ?? null, JSON.stringify(sources)],
    name: 'shenbao_read_turn',
  };
}

/** The read's row (with what the caller held at the revision it passed); null when the chat has no identity yet. */
export function turnData(row: Record<string, unknown>, cached?: CachedDeclaration): TurnData | null {
  const r = row as unknown as DeclarationRow & { seen: boolean; known: boolean; person: Person | null };
  if (!r.person) return null;
  return { seen: r.seen, person: r.person, declaration: declarationState(r, cached) };
}

/** A declaration just opened in this transaction (locked by the caller), as `userId` sees it (with last year's answers from `sources`). */
export async function loadDeclaration(sql: Sql, declarationId: string, userId: string, sources: LastYearSources = {}): Promise<DeclarationState> {
  const [row] = await sql.query<DeclarationRow>(`SELECT ${declarationColumns('$1', '$2', 'NULL', '$3::jsonb')}`, [declarationId, userId, JSON.stringify(sources)]);
  return declarationState(row)!;
}

/** A reply or push to write to the outbox. */
export interface OutboxEntry { channel: string; chatId: string; inboundKey: string | null; views: unknown[] }

export interface TurnWrite {
  key: string;
  channel: string;
  person: { identityId: string; userId: string; chatId: string; chatState: unknown; activeDeclarationId: string | null };
  declaration: DeclarationState | null;
  outbox: OutboxEntry[];
}

/**
 * Everything the message changed, in one statement (data-modifying CTEs): answers and their history, section statuses,
 * the operator's cursor, the declaration's position, the chat's state, the message's key and its replies.
 */
export function writeStatement(write: TurnWrite): Statement {
  const d = write.declaration;
  const answers = d ? [...d.changedAnswers].map(([questionId, a]) => ({ id: randomUUID(), questionId, value: a.value, skipped: a.skipped, note: a.note ?? null, by: a.updatedById })) : [];
  const history = d ? d.history.map((h, n) => ({ id: randomUUID(), ...h, n })) : [];
  const statuses = d ? [...d.changedStatuses].map((sectionId) => ({ id: randomUUID(), sectionId, status: d.statuses[sectionId] })) : [];
  const outbox = write.outbox.map((entry, n) => ({ ...entry, n }));
  const json = (value: unknown) => JSON.stringify(value ?? null);
  // One text for every turn (a part with nothing to write writes nothing), so it is prepared once per connection.
  return {
    name: 'shenbao_write_turn',
    params: [
      /* $1 */ d?.id ?? null,
      /* $2 */ json(answers),
      /* $3 */ json(history),
      /* $4 */ json(statuses),
      /* $5 */ Boolean(d?.cursorChanged),
      /* $6 */ write.person.userId,
      /* $7 */ d?.sectionId ?? null,
      /* $8 */ json(d?.snapshots ?? {}),
      /* $9 */ Boolean(d && (d.positionChanged || d.changed)),
      /* $10 */ d?.status ?? null,
      // A change of answers or statuses is a new revision (what other processes' caches and old buttons are checked against).
      /* $11 */ d?.changed ? 1 : 0,
      /* $12 */ json(write.person.chatState ?? {}),
      /* $13 */ write.person.activeDeclarationId,
      /* $14 */ write.person.chatId,
      /* $15 */ write.person.identityId,
      /* $16 */ json(outbox),
      /* $17 */ write.key,
      /* $18 */ write.channel,
    ],
    text: `WITH answers AS (
        INSERT INTO "Answer" ("id", "declarationId", "questionId", "value", "skipped", "note", "updatedById", "updatedAt")
        SELECT r.id, $1::text, r."questionId", CASE WHEN jsonb_typeof(r.value) = 'null' THEN NULL ELSE r.value END, r.skipped, r.note, r.by, CURRENT_TIMESTAMP
          FROM jsonb_to_recordset($2::jsonb) AS r(id text, "questionId" text, value jsonb, skipped boolean, note text, by text)
        ON CONFLICT ("declarationId", "questionId") DO UPDATE
          SET "value" = EXCLUDED."value", "skipped" = EXCLUDED."skipped", "note" = EXCLUDED."note",
              "updatedById" = EXCLUDED."updatedById", "updatedAt" = EXCLUDED."updatedAt"
      ), history AS (
        INSERT INTO "AnswerHistory" ("id", "declarationId", "questionId", "oldValue", "newValue", "note", "userId", "channel", "createdAt")
        SELECT r.id, $1::text, r."questionId",
               CASE WHEN jsonb_typeof(r."oldValue") = 'null' THEN NULL ELSE r."oldValue" END,
               CASE WHEN jsonb_typeof(r."newValue") = 'null' THEN NULL ELSE r."newValue" END,
               r.note, r."userId", r.channel, CURRENT_TIMESTAMP + (r.n * interval '1 microsecond')
          FROM jsonb_to_recordset($3::jsonb) AS r(id text, "questionId" text, "oldValue" jsonb, "newValue" jsonb, note text, "userId" text, channel text, n int)
      ), statuses AS (
        INSERT INTO "SectionProgress" ("id", "declarationId", "sectionId", "status", "updatedAt")
        SELECT r.id, $1::text, r."sectionId", r.status, CURRENT_TIMESTAMP
          FROM jsonb_to_recordset($4::jsonb) AS r(id text, "sectionId" text, status text)
        ON CONFLICT ("declarationId", "sectionId") DO UPDATE SET "status" = EXCLUDED."status", "updatedAt" = EXCLUDED."updatedAt"
      ), cursor AS (
        INSERT INTO "OperatorCursor" ("userId", "declarationId", "sectionId", "snapshots", "updatedAt")
        SELECT $6::text, $1::text, $7::text, $8::jsonb, CURRENT_TIMESTAMP WHERE $5::boolean
        ON CONFLICT ("userId", "declarationId") DO UPDATE
          SET "sectionId" = EXCLUDED."sectionId", "snapshots" = EXCLUDED."snapshots", "updatedAt" = EXCLUDED."updatedAt"
      ), declaration AS (
        UPDATE "Declaration" SET "currentSectionId" = $7::text, "status" = $10::text, "updatedAt" = CURRENT_TIMESTAMP, "revision" = "revision" + $11::int
         WHERE "id" = $1::text AND $9::boolean
      ), chat AS (
        UPDATE "ChatIdentity" SET "chatState" = $12::jsonb, "activeDeclarationId" = $13::text, "chatId" = $14::text WHERE "id" = $15::text
      ), outbox AS (
        INSERT INTO "Outbox" ("channel", "chatId", "inboundKey", "views")
        SELECT r.channel, r."chatId", r."inboundKey", r.views
          FROM jsonb_to_recordset($16::jsonb) AS r(channel text, "chatId" text, "inboundKey" text, views jsonb, n int)
         ORDER BY r.n
      )
      INSERT INTO "ProcessedMessage" ("key", "channel", "declarationId") VALUES ($17::text, $18::text, $13::text)`,
  };
}
