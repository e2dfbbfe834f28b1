import type { LoadedFlow } from '../flow/loader.ts';
import { Repeating } from '../bot/repeating.ts';
import { isoDateInChina } from '../engine/today.ts';
import { pauseForTest } from '../store/migrate.ts';
import { openCampaigns } from '../store/campaign-store.ts';
import { claimDueReminders, coordinators, organisationIdsOf, planReminders } from '../store/reminder-store.ts';
import type { SqlDatabase } from '../store/sql.ts';
import { isQuiet, type ReminderClock } from './reminder-clock.ts';
import { remindersOf } from './reminder-plan.ts';
import { sendReminder } from './send-reminder.ts';

/**
 * Every process runs one: it plans the open campaigns' reminders (idempotently: once a day per campaign here, and a
 * second process planning the same rows adds nothing) and, outside quiet hours, claims what has fallen due and writes it
 * to the outbox in the claiming transaction. Two processes share the work through SKIP LOCKED; one killed mid-claim
 * rolls back, and its rows are taken by the next run of any process.
 */

export interface ReminderSchedulerOptions {
  sql: SqlDatabase;
  flows: LoadedFlow[];
  clock: ReminderClock;
  /** The clock, replaceable in tests. */
  now?: () => Date;
  /** How often to look (default a minute: reminders are due at a time of day, not to the second). */
  pollMs?: number;
  /** After reminders were written to the outbox: the channels send them (kick their senders). */
  onPushed?: (channel: string) => void;
  log?: (line: string) => void;
}

export interface TickResult { planned: number; sent: number; skipped: number }

/** How many reminders one transaction claims: small enough to keep locks short, large enough for a morning's batch. */
const BATCH = 20;

export class ReminderScheduler {
  private readonly flows: Map<string, LoadedFlow>;
  /** Campaign id and deadline → the day its reminders were last planned by this process (a new deadline plans afresh). */
  private readonly planned = new Map<string, string>();
  /** Reminders processed so far, for the test-only pause point `reminder:<n>` (SHENBAO_TEST_PAUSE_AT). */
  private processed = 0;
  private readonly repeating = new Repeating(
    () => this.tick(),
    (error) => this.options.log?.(`[reminders] ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(private readonly options: ReminderSchedulerOptions) {
    this.flows = new Map(options.flows.map((f) => [f.flow.id, f]));
  }

  /** Plans what is new and sends what is due now; what it did. */
  async tick(): Promise<TickResult> {
    const now = this.options.now?.() ?? new Date();
    const result = { planned: await this.plan(now), sent: 0, skipped: 0 };
    if (isQuiet(this.options.clock, now)) return result;
    const channels = new Set<string>();
    for (;;) {
      const batch = await this.options.sql.transaction(async (tx) => {
        const due = await claimDueReminders(tx, now, BATCH);
        const outcomes = [];
        for (const reminder of due) {
          outcomes.push(await sendReminder(tx, reminder, { flows: this.flows, now }));
          await pauseForTest(`reminder:${++this.processed}`);
        }
        return outcomes;
      });
      for (const outcome of batch) {
        if (outcome.status === 'sent') result.sent++;
        else result.skipped++;
        for (const channel of outcome.channels) channels.add(channel);
      }
      if (batch.length < BATCH) break;
    }
    for (const channel of channels) this.options.onPushed?.(channel);
    if (result.sent || result.skipped) this.options.log?.(`[reminders] sent ${result.sent}, skipped ${result.skipped}`);
    return result;
  }

  private async plan(now: Date): Promise<number> {
    const { sql, clock } = this.options;
    const today = isoDateInChina(now);
    let added = 0;
    const key = (c: { id: string; deadline: string }) => `${c.id}:${c.deadline}`;
    const campaigns = (await openCampaigns(sql, today)).filter((c) => this.planned.get(key(c)) !== today);
    if (campaigns.length === 0) return 0;
    const people = await coordinators(sql);
    for (const campaign of campaigns) {
      const loaded = this.flows.get(campaign.flowId);
      if (!loaded) continue;
      const rows = remindersOf({ campaign, loaded, clock, today, coordinators: people, organisationIds: await organisationIdsOf(sql, campaign.flowId) });
      added += await planReminders(sql, rows);
      this.planned.set(key(campaign), today);
    }
    return added;
  }

  start(): void {
    this.repeating.start(this.options.pollMs ?? 60_000);
  }

  async stop(): Promise<void> {
    await this.repeating.stop();
  }
}
