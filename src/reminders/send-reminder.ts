import type { LoadedFlow } from '../flow/loader.ts';
import { organisationOf } from '../bot/onboarding.ts';
import { inScopes } from '../bot/permissions.ts';
import { say } from '../bot/views.ts';
import { isoDateInChina } from '../engine/today.ts';
import { CampaignSchema, coveredEntries, daysUntil, type Campaign } from '../store/campaign-store.ts';
import { enqueuePush } from '../store/outbox-store.ts';
import {
  chatsOf, coordinators, finishReminder, operatorsOfEntry, organisationIdsOf, spendFeishuBudget, supersededBy, unitsWithOperators,
  type Reachable, type Reminder,
} from '../store/reminder-store.ts';
import type { Sql } from '../store/sql.ts';
import { standings } from '../store/standing-store.ts';
import { assigneesOf } from '../store/assignment-store.ts';
import { digest, operatorReminder } from './reminder-text.ts';
import { isBehind } from '../rules/standing.ts';
import { earlierFlowIds } from '../flow/earlier-flows.ts';
import { plainUnitName } from '../store/last-year-store.ts';

/**
 * Sends one claimed reminder inside the claiming transaction: decides, from the declaration as it stands now, whether
 * there is anything to say and to whom, writes the messages to the outbox (each carrying the reminder's id as its own
 * send key), and finishes the row — all committed together, or none of it.
 */

export interface SendContext {
  flows: ReadonlyMap<string, LoadedFlow>;
  now: Date;
}

/** What became of a reminder; `text` is what was sent (for the coordinator who asked to see it). */
export interface SendOutcome { status: 'sent' | 'skipped'; outcome: string; channels: string[]; text?: string }

export async function sendReminder(tx: Sql, reminder: Reminder, context: SendContext): Promise<SendOutcome> {
  const outcome = await decide(tx, reminder, context);
  await finishReminder(tx, reminder.id, outcome.status, outcome.outcome, context.now);
  return outcome;
}

const skipped = (outcome: string): SendOutcome => ({ status: 'skipped', outcome, channels: [] });

async function decide(tx: Sql, reminder: Reminder, context: SendContext): Promise<SendOutcome> {
  const [row] = await tx.query(`SELECT * FROM "Campaign" WHERE "id" = $1`, [reminder.campaignId]);
  if (!row) return skipped('campaign_gone');
  const campaign = CampaignSchema.parse(row);
  if (campaign.closedAt) return skipped('campaign_closed');
  const today = isoDateInChina(context.now);
  const daysLeft = daysUntil(today, campaign.deadline);
  if (daysLeft < 0) return skipped('after_deadline');
  // Down for days (or in quiet hours) while several fell due: only the latest of them goes out.
  if (reminder.kind !== 'manual' && (await supersededBy(tx, reminder, context.now))) return skipped('superseded');
  // A day's digest not sent that day is not worth sending the next: that day's own digest says it afresh.
  if (reminder.kind === 'digest' && reminder.dueOn < today) return skipped('stale');
  const loaded = context.flows.get(campaign.flowId);
  if (!loaded) return skipped('flow_not_served');
  const programme = campaign.name;

  if (reminder.kind === 'digest') {
    const [coordinator] = await coordinators(tx, reminder.subject);
    if (!coordinator) return skipped('not_a_coordinator');
    const ids = await organisationIdsOf(tx, loaded.flow.id);
    const entries = coveredEntries(loaded, campaign.covers).filter((entry) => {
      const o = organisationOf({ loaded, entry });
      return inScopes(coordinator.scopes, { organisationId: ids.get(entry.seq), flowId: o.flowId, district: o.district });
    });
    const all = await standings(tx, loaded, entries, today);
    if (!all.some(isBehind)) return skipped('nothing_behind');
    const text = digest({ programme, deadline: campaign.deadline, daysLeft, standings: all, withOperators: await entriesWithOperators(tx, loaded, context.flows) });
    return deliver(tx, reminder, campaign, await chatsOf(tx, coordinator.userId), text);
  }

  const seq = Number(reminder.subject);
  const entry = loaded.directory.find((e) => e.seq === seq);
  if (!entry) return skipped('not_in_directory');
  const [standing] = await standings(tx, loaded, [entry], today);
  if (!isBehind(standing)) return skipped('nothing_missing');
  const recipients = await operatorsOfEntry(tx, loaded.flow.id, seq, entry.unit, earlierFlowIds(context.flows.values(), loaded));
  if (recipients.length === 0) return skipped('nobody_bound');
  const requestedBy = reminder.requestedById ? (await chatsOf(tx, reminder.requestedById))[0]?.name ?? null : null;
  const owners = standing.declarationId ? new Map([...(await assigneesOf(tx, standing.declarationId))].map(([section, a]) => [section, a.name])) : undefined;
  const text = operatorReminder({ standing, programme, deadline: campaign.deadline, daysLeft, requestedBy, owners });
  return deliver(tx, reminder, campaign, recipients, text);
}

/** Directory numbers of the flow's units with someone to fill them, counting those bound to the unit in an earlier year. */
async function entriesWithOperators(tx: Sql, loaded: LoadedFlow, flows: ReadonlyMap<string, LoadedFlow>): Promise<Set<number>> {
  const units = await unitsWithOperators(tx, [loaded.flow.id, ...earlierFlowIds(flows.values(), loaded)]);
  const earlier = new Set(units.filter((u) => u.flowId !== loaded.flow.id).map((u) => plainUnitName(u.unitName)));
  const seqs = new Set(units.filter((u) => u.flowId === loaded.flow.id).map((u) => Number(u.seq)));
  for (const entry of loaded.directory) if (earlier.has(plainUnitName(entry.unit))) seqs.add(entry.seq);
  return seqs;
}

/** One message per chat; Feishu chats only while the campaign's Feishu budget lasts. */
async function deliver(tx: Sql, reminder: Reminder, campaign: Campaign, recipients: Reachable[], text: string): Promise<SendOutcome> {
  let to = recipients;
  const feishu = to.filter((r) => r.channel === 'feishu').length;
  let overBudget = false;
  if (feishu && !(await spendFeishuBudget(tx, campaign.id, feishu))) {
    to = to.filter((r) => r.channel !== 'feishu');
    overBudget = true;
  }
  if (to.length === 0) return skipped(overBudget ? 'over_feishu_budget' : 'nobody_reachable');
  for (const [i, r] of to.entries()) await enqueuePush(tx, { channel: r.channel, chatId: r.chatId, views: [say(text)], sendKey: `${reminder.id}-${i}` });
  return { status: 'sent', outcome: `sent:${to.length}${overBudget ? ' over_feishu_budget' : ''}`, channels: [...new Set(to.map((r) => r.channel))], text };
}
