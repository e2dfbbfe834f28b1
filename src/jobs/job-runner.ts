import type { SqlDatabase } from '../store/sql.ts';
import { claimJob, finishJob, jobProgress, type JobRow } from '../store/job-store.ts';
import { enqueuePush } from '../store/outbox-store.ts';
import { progressView, type View } from '../bot/views.ts';
import { Repeating } from '../bot/repeating.ts';

/**
 * Runs queued jobs one at a time (in any process: each claims with a lease). A job tells its chat how far it got
 * through one progress message that the channel updates in place, and ends with its result as a push.
 */

export interface JobContext {
  job: JobRow;
  sql: SqlDatabase;
  /** Says how far the job got (0–100) and what it is doing; said in the chat at most every few seconds. */
  progress(percent: number, text: string): Promise<void>;
  /** Sends views to the chat that asked (the result, files, links). */
  tell(views: View[]): Promise<void>;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  sql: SqlDatabase;
  handlers: Record<string, JobHandler>;
  /** What a job that failed tells its chat (Chinese, from src/bot). */
  failed: (job: JobRow) => View[];
  pollMs?: number;
  leaseSeconds?: number;
  /** Least time between two progress messages to a chat (ms). */
  progressEveryMs?: number;
  /** After a job's pushes are written: the channels send them (kick their senders). */
  onPushed?: (channel: string) => void;
  log?: (line: string) => void;
}

export class JobRunner {
  /** Runs of runWaiting, one at a time, on a timer. */
  private readonly repeating = new Repeating(
    () => this.runWaiting(),
    (error) => this.options.log?.(`[jobs] runner: ${error instanceof Error ? error.message : String(error)}`),
  );

  constructor(private readonly options: JobRunnerOptions) {}

  /** Runs every job waiting now; how many ran. */
  async runWaiting(): Promise<number> {
    const { sql, leaseSeconds = 120 } = this.options;
    let ran = 0;
    for (let job = await claimJob(sql, leaseSeconds); job; job = await claimJob(sql, leaseSeconds)) {
      await this.run(job);
      ran++;
    }
    return ran;
  }

  private async run(job: JobRow): Promise<void> {
    const { sql, leaseSeconds = 120, progressEveryMs = 3000 } = this.options;
    const handler = this.options.handlers[job.kind];
    let lastSaid = 0;
    const push = async (views: View[]) => {
      await enqueuePush(sql, { channel: job.channel, chatId: job.chatId, views });
      this.options.onPushed?.(job.channel);
    };
    const ctx: JobContext = {
      job,
      sql,
      progress: async (percent, text) => {
        await jobProgress(sql, job.id, percent, leaseSeconds);
        if (Date.now() - lastSaid < progressEveryMs && percent < 100) return;
        lastSaid = Date.now();
        await push([progressView(job.id, percent, text)]);
      },
      tell: push,
    };
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(ctx);
      await finishJob(sql, job.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.log?.(`[jobs] ${job.kind} ${job.id} failed: ${message}`);
      await finishJob(sql, job.id, message.slice(0, 500));
      await push(this.options.failed(job)).catch(() => undefined);
    }
  }

  /** Looks for jobs every `pollMs` until `stop()`. */
  start(): void {
    this.repeating.start(this.options.pollMs ?? 2000);
  }

  async stop(): Promise<void> {
    await this.repeating.stop();
  }
}
