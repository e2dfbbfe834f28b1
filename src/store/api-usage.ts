import type { Sql } from './sql.ts';

/**
 * Calls made to a platform's API, counted per month (Asia/Shanghai): a free Feishu tenant may make 10,000 a month, and
 * staff should see the count before the platform starts refusing (`shenbao status --feishu`).
 */

export const monthInChina = (now = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);

export async function addApiCalls(sql: Sql, channel: string, calls: number, now = new Date()): Promise<void> {
  if (calls <= 0) return;
  await sql.query(
    `INSERT INTO "ApiUsage" ("channel", "month", "calls", "updatedAt") VALUES ($1, $2, $3, now())
     ON CONFLICT ("channel", "month") DO UPDATE SET "calls" = "ApiUsage"."calls" + EXCLUDED."calls", "updatedAt" = now()`,
    [channel, monthInChina(now), calls],
  );
}

export async function apiCalls(sql: Sql, channel: string, month = monthInChina()): Promise<number> {
  const [row] = await sql.query<{ calls: number }>(`SELECT "calls" FROM "ApiUsage" WHERE "channel" = $1 AND "month" = $2`, [channel, month]);
  return row?.calls ?? 0;
}
