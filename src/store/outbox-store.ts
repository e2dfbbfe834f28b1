import type { Sql, SqlDatabase, Statement } from './sql.ts';

/**
 * The outbox: replies and pushes waiting for their channel's sender. A chat's entries go out one at a time in the
 * order they were written; an entry being sent is leased, so two senders (two processes) never send it at once, and a
 * sender that died mid-send leaves it to be taken over when the lease runs out.
 */

export interface OutboxItem { id: string; chatId: string; views: unknown[]; attempts: number; sendKey: string | null }

/**
 * Takes the oldest unsent entry of each chat of `channel` (of `chatId` only, when given) that no live sender holds, and
 * leases it for `leaseSeconds`. A chat whose oldest entry is leased gives nothing: its later entries wait their turn.
 */
export async function claimOutbox(sql: SqlDatabase, channel: string, options: { chatId?: string; limit?: number; leaseSeconds?: number } = {}): Promise<OutboxItem[]> {
  if (sql.inProcess) return claimInProcess(sql, channel, options);
  const rows = (await bookkeeping(sql, {
    text: `UPDATE "Outbox" o SET "leasedUntil" = CURRENT_TIMESTAMP + make_interval(secs => $3::int), "attempts" = o."attempts" + 1
      WHERE o."id" IN (
              SELECT DISTINCT ON ("chatId") "id" FROM "Outbox"
               WHERE "channel" = $1::text AND "sentAt" IS NULL AND ($2::text IS NULL OR "chatId" = $2::text)
               ORDER BY "chatId", "id"
               LIMIT $4::int)
        -- Checked again on the row itself: another sender may have sent it since this statement's snapshot was taken.
        AND o."sentAt" IS NULL AND (o."leasedUntil" IS NULL OR o."leasedUntil" < CURRENT_TIMESTAMP)
      RETURNING o."id", o."chatId", o."views", o."attempts", o."sendKey"`,
    params: [channel, options.chatId ?? null, options.leaseSeconds ?? 60, options.limit ?? 100],
    name: 'shenbao_outbox_claim',
  })) as unknown as (OutboxItem & { id: string | number })[];
  return rows.map((r) => ({ ...r, id: String(r.id) })).sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * The embedded database has one process (its folder is locked), whose leases are freed at every open: there a lease
 * is kept in memory, and taking an entry is a read, not a commit waiting for the disk before the reply can go out.
 * A lease written by markFailed (the wait before a retry) still counts. Claims and marks of one database take turns
 * (`inTurn`), so a claim never reads an entry as unsent while its mark is being committed and then finds no lease.
 */
interface InProcessState { leases: Map<string, number>; last: Promise<unknown> }
const inProcessStates = new WeakMap<SqlDatabase, InProcessState>();

function inTurn<T>(sql: SqlDatabase, fn: (leases: Map<string, number>) => Promise<T>): Promise<T> {
  let state = inProcessStates.get(sql);
  if (!state) inProcessStates.set(sql, (state = { leases: new Map(), last: Promise.resolve() }));
  const { leases } = state;
  const run = state.last.then(() => fn(leases));
  state.last = run.catch(() => undefined);
  return run;
}

function claimInProcess(sql: SqlDatabase, channel: string, options: { chatId?: string; limit?: number; leaseSeconds?: number }): Promise<OutboxItem[]> {
  return inTurn(sql, async (leases) => {
    const [rows] = (await sql.batch([
      {
        text: `SELECT o."id", o."chatId", o."views", o."attempts" + 1 AS "attempts", o."sendKey" FROM (
                 SELECT DISTINCT ON ("chatId") * FROM "Outbox"
                  WHERE "channel" = $1::text AND "sentAt" IS NULL AND ($2::text IS NULL OR "chatId" = $2::text)
                  ORDER BY "chatId", "id") o
                WHERE o."leasedUntil" IS NULL OR o."leasedUntil" < CURRENT_TIMESTAMP
                ORDER BY o."id" LIMIT $3::int`,
        params: [channel, options.chatId ?? null, options.limit ?? 100],
      },
    ])) as unknown as [(OutboxItem & { id: string | number })[]];
    const now = Date.now();
    const taken: OutboxItem[] = [];
    for (const row of rows) {
      const id = String(row.id);
      if ((leases.get(id) ?? 0) > now) continue;
      leases.set(id, now + (options.leaseSeconds ?? 60) * 1000);
      taken.push({ ...row, id });
    }
    return taken;
  });
}

/** Runs a mark of entry `id` (in-process: in turn with the claims, its lease let go once the mark is committed). */
function marking<T>(sql: SqlDatabase, id: string, mark: () => Promise<T>): Promise<T> {
  if (!sql.inProcess) return mark();
  return inTurn(sql, async (leases) => {
    try {
      return await mark();
    } finally {
      leases.delete(id);
    }
  });
}

/** Marks an entry sent; says whether its chat has more entries waiting (so a sender knows whether to look again). */
export async function markSent(sql: SqlDatabase, id: string): Promise<boolean> {
  const [row] = await marking(sql, id, () =>
    bookkeeping(sql, {
      text: `UPDATE "Outbox" o SET "sentAt" = CURRENT_TIMESTAMP, "leasedUntil" = NULL, "lastError" = NULL WHERE o."id" = $1::bigint
       RETURNING EXISTS (SELECT 1 FROM "Outbox" n WHERE n."channel" = o."channel" AND n."chatId" = o."chatId" AND n."sentAt" IS NULL AND n."id" <> o."id") AS "more"`,
      params: [id],
      name: 'shenbao_outbox_sent',
    }),
  );
  return Boolean(row?.more);
}

/**
 * One statement, committed on its own. A lease or a “sent” mark lost in a power cut of the database server only means
 * an entry is sent again (delivery is at least once anyway), so on a server it does not wait for the disk. In-process
 * (PGlite) such a commit would die with a killed process and every restart would resend the last reply: there it
 * waits, as every embedded commit does.
 */
async function bookkeeping(sql: SqlDatabase, statement: Statement): Promise<Record<string, unknown>[]> {
  if (sql.inProcess) return (await sql.batch([statement]))[0];
  const results = await sql.transaction((tx) => tx.commitWith([{ text: 'SET LOCAL synchronous_commit TO OFF' }, statement]));
  return results[results.length - 1];
}

/**
 * A failed attempt: recorded (without the message's content), and tried again after `retrySeconds`. In-process the
 * attempt is counted here, its claim having written nothing.
 */
export async function markFailed(sql: SqlDatabase, id: string, error: string, retrySeconds: number): Promise<void> {
  const counted = sql.inProcess ? ', "attempts" = "attempts" + 1' : '';
  await marking(sql, id, () =>
    sql.query(`UPDATE "Outbox" SET "lastError" = $2, "leasedUntil" = CURRENT_TIMESTAMP + make_interval(secs => $3)${counted} WHERE "id" = $1`, [id, error.slice(0, 500), retrySeconds]),
  );
}

/** A push (nothing was asked): written straight to the outbox; `sendKey` is its own idempotency key (see Outbox.sendKey). */
export async function enqueuePush(sql: Sql, entry: { channel: string; chatId: string; views: unknown[]; sendKey?: string }): Promise<void> {
  await sql.query(`INSERT INTO "Outbox" ("channel", "chatId", "views", "sendKey") VALUES ($1, $2, $3::jsonb, $4)`, [entry.channel, entry.chatId, JSON.stringify(entry.views), entry.sendKey ?? null]);
}

/** Frees every lease (only where no other process can be sending: the embedded database at open). */
export async function releaseOutboxLeases(sql: SqlDatabase): Promise<void> {
  await sql.query(`UPDATE "Outbox" SET "leasedUntil" = NULL WHERE "sentAt" IS NULL AND "leasedUntil" IS NOT NULL`);
}
