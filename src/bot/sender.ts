import type { SqlDatabase } from '../store/sql.ts';
import { claimOutbox, markFailed, markSent } from '../store/outbox-store.ts';
import { pauseForTest } from '../store/migrate.ts';
import { ViewSchema, type View } from './views.ts';

/**
 * A channel's sender: takes the channel's outbox entries, each chat's in order, hands each to the channel to deliver,
 * and marks it sent once the platform accepted it. Delivery is at least once: a crash after delivering and before the
 * mark sends that entry again after the restart.
 */

/**
 * Lays views out the platform's way and sends them to one chat; throws when the platform did not accept them. `entry`
 * names the outbox entry, for platforms that take an idempotency key with a send (Feishu's uuid).
 */
export type Deliver = (chatId: string, views: View[], entry: { id: string }) => Promise<void>;

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
  private timer: NodeJS.Timeout | null = null;
  /** Deliveries begun, for the test-only pause point `deliver:<n>` (SHENBAO_TEST_PAUSE_AT). */
  private deliveries = 0;
  private running: Promise<number> | null = null;
  /** A drain started by kick(), and whether another kick came while it ran. */
  private kicked: Promise<void> | null = null;
  private again = false;

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
          await deliver(item.chatId, views.data, { id: item.id });
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
    if (this.kicked) {
      this.again = true;
      return;
    }
    this.kicked = (async () => {
      do {
        this.again = false;
        try {
          await this.drain();
        } catch (error) {
          this.options.log?.(`[outbox] ${this.options.channel} sender: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (this.again);
      this.kicked = null;
    })();
  }

  /** Looks for waiting entries every `pollMs` until `stop()`. */
  start(): void {
    const tick = async () => {
      try {
        this.running = this.drain();
        await this.running;
      } catch (error) {
        this.options.log?.(`[outbox] ${this.options.channel} sender: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.running = null;
        if (this.timer) this.timer = setTimeout(tick, this.options.pollMs ?? 1000);
      }
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.kicked;
  }
}
