import type { LoadedFlow } from '../flow/loader.ts';
import { organisationOf } from '../bot/onboarding.ts';
import { inScopes } from '../bot/permissions.ts';
import type { CoordinatorScope } from '../store/people-store.ts';
import { coveredEntries, daysBefore, type Campaign } from '../store/campaign-store.ts';
import type { PlannedReminder } from '../store/reminder-store.ts';
import { dueAt, type ReminderClock } from './reminder-clock.ts';

/**
 * Which reminders a campaign has on and after `today`: each covered organisation on each day of the schedule (14, 7, 3,
 * 1 days before the deadline and on the day, by default), and today's digest for each coordinator with an organisation
 * of the campaign in reach. Days already past are never planned, so a campaign opened late starts where it stands.
 */
export function remindersOf(input: {
  campaign: Campaign;
  loaded: LoadedFlow;
  clock: ReminderClock;
  today: string;
  coordinators: { userId: string; scopes: CoordinatorScope[] }[];
  /** The database's organisation ids by directory number (what a coordinator's single-organisation scope names). */
  organisationIds: ReadonlyMap<number, string>;
}): PlannedReminder[] {
  const { campaign, loaded, clock, today } = input;
  if (campaign.closedAt || campaign.deadline < today) return [];
  const entries = coveredEntries(loaded, campaign.covers);
  const rows: PlannedReminder[] = [];
  for (const offset of campaign.schedule) {
    const day = daysBefore(campaign.deadline, offset);
    if (day < today) continue;
    for (const entry of entries) rows.push({ campaignId: campaign.id, kind: 'deadline', subject: String(entry.seq), dueOn: day, dueAt: dueAt(clock, day) });
  }
  const orgs = entries.map((entry) => {
    const o = organisationOf({ loaded, entry });
    return { organisationId: input.organisationIds.get(entry.seq), flowId: o.flowId, district: o.district };
  });
  for (const coordinator of input.coordinators) {
    if (orgs.some((org) => inScopes(coordinator.scopes, org))) {
      rows.push({ campaignId: campaign.id, kind: 'digest', subject: coordinator.userId, dueOn: today, dueAt: dueAt(clock, today) });
    }
  }
  return rows;
}
