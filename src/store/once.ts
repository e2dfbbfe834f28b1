import type { Sql } from './sql.ts';

/**
 * Whether this is the first time `key` comes up (recorded as a processed message, so across restarts and processes):
 * what should be said once — a group told the bot works in private chats — is said once.
 */
export async function firstTime(sql: Sql, channel: string, key: string): Promise<boolean> {
  const rows = await sql.query(`INSERT INTO "ProcessedMessage" ("key", "channel") VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING "key"`, [key, channel]);
  return rows.length > 0;
}
