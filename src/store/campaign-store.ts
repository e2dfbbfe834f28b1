import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DirectoryEntry, LoadedFlow } from '../flow/loader.ts';
import { organisationOf } from '../bot/onboarding.ts';
import type { Sql } from './sql.ts';

/**
 * Campaigns: a flow with a deadline (the last day, Asia/Shanghai) and the organisations it covers — the flow's whole
 * directory unless narrowed to districts or directory numbers. Reminders and status summaries work campaign by campaign.
 */

export const CoversSchema = z.object({ districts: z.array(z.string()).optional(), seqs: z.array(z.number().int()).optional() });
export type Covers = z.infer<typeof CoversSchema>;

export const DEFAULT_SCHEDULE = [14, 7, 3, 1, 0];

export const CampaignSchema = z.object({
  id: z.string(),
  flowId: z.string(),
  name: z.string(),
  deadline: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  covers: CoversSchema.nullable(),
  schedule: z.array(z.number().int().min(0)),
  feishuBudget: z.number().int().nullable(),
  feishuCalls: z.number().int(),
  createdAt: z.coerce.date(),
  closedAt: z.coerce.date().nullable(),
});
export type Campaign = z.infer<typeof CampaignSchema>;

export interface NewCampaign {
  flowId: string;
  name: string;
  deadline: string;
  covers?: Covers | null;
  schedule?: number[];
  feishuBudget?: number | null;
  createdById?: string | null;
}

export async function createCampaign(sql: Sql, campaign: NewCampaign): Promise<Campaign> {
  const [row] = await sql.query(
    `INSERT INTO "Campaign" ("id", "flowId", "name", "deadline", "covers", "schedule", "feishuBudget", "createdById")
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) RETURNING *`,
    [
      randomUUID(), campaign.flowId, campaign.name, campaign.deadline,
      campaign.covers ? JSON.stringify(campaign.covers) : null,
      JSON.stringify([...new Set(campaign.schedule ?? DEFAULT_SCHEDULE)].sort((a, b) => b - a)),
      campaign.feishuBudget ?? null, campaign.createdById ?? null,
    ],
  );
  return CampaignSchema.parse(row);
}

/** Campaigns still running on `today` (not closed, deadline not passed), soonest deadline first. */
export async function openCampaigns(sql: Sql, today: string): Promise<Campaign[]> {
  const rows = await sql.query(`SELECT * FROM "Campaign" WHERE "closedAt" IS NULL AND "deadline" >= $1 ORDER BY "deadline", "createdAt"`, [today]);
  return rows.map((r) => CampaignSchema.parse(r));
}

/** Every campaign, newest first, each with the number staff name it by (the oldest is 1; numbers never change). */
export async function allCampaigns(sql: Sql): Promise<(Campaign & { number: number })[]> {
  const rows = await sql.query(`SELECT * FROM "Campaign" ORDER BY "createdAt" DESC, "id" DESC`);
  return rows.map((r, i) => ({ ...CampaignSchema.parse(r), number: rows.length - i }));
}

export async function closeCampaign(sql: Sql, id: string, now = new Date()): Promise<boolean> {
  const rows = await sql.query(`UPDATE "Campaign" SET "closedAt" = $2 WHERE "id" = $1 AND "closedAt" IS NULL RETURNING "id"`, [id, now.toISOString()]);
  return rows.length > 0;
}

/**
 * A new deadline (延期): the reminders planned for the old one and not sent yet go; the schedulers plan the new dates
 * at their next look, as they plan by campaign and deadline. Reminders already sent stay as they were.
 */
export async function moveDeadline(sql: Sql, id: string, deadline: string): Promise<void> {
  await sql.query(`UPDATE "Campaign" SET "deadline" = $2 WHERE "id" = $1`, [id, deadline]);
  await sql.query(`DELETE FROM "Reminder" WHERE "campaignId" = $1 AND "kind" = 'deadline' AND "status" = 'planned'`, [id]);
}

/** The directory entries a campaign covers. */
export function coveredEntries(loaded: LoadedFlow, covers: Covers | null): DirectoryEntry[] {
  if (!covers) return loaded.directory;
  const districts = covers.districts?.length ? new Set(covers.districts) : null;
  const seqs = covers.seqs?.length ? new Set(covers.seqs) : null;
  return loaded.directory.filter((entry) => {
    if (seqs && !seqs.has(entry.seq)) return false;
    if (districts && !districts.has(organisationOf({ loaded, entry }).district ?? '')) return false;
    return true;
  });
}

/** Whole days from `today` to `deadline` (both YYYY-MM-DD): 0 on the day, negative after it. */
export function daysUntil(today: string, deadline: string): number {
  return Math.round((Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** The date `days` before `date` (YYYY-MM-DD). */
export function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}
