import type { SqlDatabase } from '../store/sql.ts';
import { claimOutbox, markFailed, markSent } from '../store/outbox-store.ts';
import { pauseForTest } from '../store/migrate.ts';
import { ViewSchema, type View } from './views.ts';
import { Repeating } from './repeating.ts';

/**
 * A channel's sender: takes the channel's outbox entries, each chat's in order, hands each to the channel to deliver,
 * and marks it sent once the platform accepted it. Delivery is at least once: a crash after delivering and before the
 * mark sends that entry again after the restart.
 */

/**
 * Lays views out the platform's way and sends them to one chat; throws when the platform did not accept them. `entry`
 * names the outbox entry and its own key when it has one (a reminder's), for platforms that take an idempotency key
 * with a send (Feishu's uuid).
 */
export type Deliver = (chatId: string, views: View[], entry: { id: string; key?: string }) => Promise<void>;

export interface SenderOptions {
  sql: SqlDatabase;
  channel: string;
  deliver: Deliver;
  /** How often to look for entries nobody announced (pushes from other processes); default 1 s. */
  pollMs?: number;
  /** How long a failed entry waits before it is tried again; default 30 s. */
  retrySeconds?: number;
  /** Where failures are reported (never the message's content). */
  log?: (line: string) => void;
}

const Views = ViewSchema.array();

export class OutboxSender {
  /** Deliveries begun, for the test-only pause point `deliver:<n>` (SHENBAO_TEST_PAUSE_AT). */
  private deliveries = 0;
  /** Drains, one at a time: on a timer and when kicked. */
  private readonly repeating = new Repeating(
    () => this.drain(),
    (error) => this.options.log?.(`[outbox] ${this.options.channel} sender: ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(private readonly options: SenderOptions) {}

  /**
   * Sends everything waiting (for one chat, or every chat of the channel) until nothing is left; how many were sent.
   * It looks again only while a chat it served has more waiting: right after a reply, that is two statements.
   */
  async drain(chatId?: string): Promise<number> {
    const { sql, channel, deliver } = this.options;
    let sent = 0;
    for (let more = true; more; ) {
      more = false;
      const items = await claimOutbox(sql, channel, { chatId });
      for (const item of items) {
        const views = Views.safeParse(item.views);
        try {
          if (!views.success) throw new Error(`outbox entry ${item.id} holds no valid views`);
          await pauseForTest(`deliver:${++this.deliveries}`);
          await deliver(item.chatId, views.data, item.sendKey ? { id: item.id, key: item.sendKey } : { id: item.id });
          if (await markSent(sql, item.id)) more = true;
          sent++;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.options.log?.(`[outbox] ${channel} entry ${item.id} (attempt ${item.attempts}) failed: ${message}`);
          await markFailed(sql, item.id, message, this.options.retrySeconds ?? 30);
        }
      }
    }
    return sent;
  }

  /**
   * Sends what is waiting soon, without waiting for it (a channel calls this after handling a message, so the next
   * update is not held up by pacing). Kicks while a drain runs make it look once more when done.
   */
  kick(): void {
    this.repeating.kick();
  }

  /** Looks for waiting entries every `pollMs` (pushes from other processes) until `stop()`. */
  start(): void {
    this.repeating.start(this.options.pollMs ?? 1000);
  }

  async stop(): Promise<void> {
    await this.repeating.stop();
  }
}
