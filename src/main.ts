import { openDatabase, type Database } from './store/database.ts';
import { pushText, type Recipient } from './bot/push.ts';
import { getFlow, listFlowIds, type LoadedFlow } from './flow/loader.ts';
import { Router } from './bot/router.ts';
import { runConsole } from './channels/console.ts';
import { startTelegram, telegramConfig } from './channels/telegram/start.ts';
import { FileStore } from './files/file-store.ts';
import { linkConfig, startDownloadServer } from './files/download-links.ts';
import { feishuConfig, startFeishu } from './channels/feishu/start.ts';
import { apiCalls, monthInChina } from './store/api-usage.ts';
import { bootstrapStaffCode } from './store/people-store.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { packageFailed, packageJob } from './jobs/package-job.ts';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { ReminderScheduler } from './reminders/reminder-scheduler.ts';
import { reminderClockFromEnv } from './reminders/reminder-clock.ts';

/** Start-up: the database (migrated), the flows, the router, and whichever channels have credentials. */

export function loadAllFlows(): LoadedFlow[] {
  return listFlowIds().map((id) => getFlow(id));
}

/**
 * The database, the router, the job runner (long work such as the evidence package, done in the background and told
 * to the chat that asked) and the reminders; `kick(channel)` lets a channel's sender send a job's news or a reminder at
 * once.
 */
async function withRouter<T>(fn: (router: Router, db: Database, jobs: { kick: Map<string, () => void> }) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  const flows = loadAllFlows();
  const store = FileStore.fromEnv();
  const router = new Router({ db, flows, log: (line) => console.error(line), files: store });
  const kick = new Map<string, () => void>();
  const runner = new JobRunner({
    sql: db.sql,
    handlers: { package: packageJob({ flows: new Map(flows.map((f) => [f.flow.id, f])), store }) },
    failed: packageFailed,
    onPushed: (channel) => kick.get(channel)?.(),
    log: (line) => console.error(line),
  });
  runner.start();
  // Reminders: every process plans and sends them; the database makes sure each goes out once.
  const reminders = new ReminderScheduler({
    sql: db.sql,
    flows,
    clock: reminderClockFromEnv(),
    onPushed: (channel) => kick.get(channel)?.(),
    log: (line) => console.error(line),
  });
  reminders.start();
  try {
    return await fn(router, db, { kick });
  } finally {
    await reminders.stop();
    await runner.stop();
    await db.close();
  }
}

export async function openChat(user?: string): Promise<void> {
  await withRouter((router, db) => runConsole({ router, sql: db.sql, user, files: FileStore.fromEnv() }));
}

/** `shenbao send`: a notice (and a file) to a person or a unit's operators, through the outbox. */
export async function sendNotice(to: string, text: string, filePath?: string): Promise<Recipient[]> {
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  try {
    const file = filePath ? { ...(await FileStore.fromEnv().put(createReadStream(filePath))), name: basename(filePath) } : undefined;
    return await db.sql.transaction((sql) => pushText(sql, to, text, file));
  } finally {
    await db.close();
  }
}

export async function startAssistant(): Promise<void> {
  const hasTelegram = Boolean(process.env.TELEGRAM_BOT_TOKEN);
  const hasFeishu = Boolean(process.env.FEISHU_APP_ID || process.env.FEISHU_APP_SECRET);
  if (!hasTelegram && !hasFeishu) {
    console.error('申报助手已启动（内嵌数据库：./data）。');
    return openChat();
  }
  // Checked before the database opens: a wrong setting is said at once.
  reminderClockFromEnv();
  const telegram = hasTelegram ? telegramConfig() : null;
  const feishu = hasFeishu ? feishuConfig() : null;
  const links = linkConfig();
  await withRouter(async (router, db, jobs) => {
    const log = (line: string) => console.error(line);
    // A new deployment has nobody to manage people yet: the first staff member binds with this code.
    const bootstrap = await db.sql.transaction((sql) => bootstrapStaffCode(sql));
    if (bootstrap) console.error(`还没有主管部门工作人员：把邀请码 ${bootstrap.code} 发给机器人即成为第一位工作人员（${bootstrap.expiresAt.toISOString().slice(0, 10)} 前有效，只能使用一次；也可用 shenbao admin add 添加）。`);
    const store = FileStore.fromEnv();
    const running: { stop(): Promise<void> }[] = [];
    let fatal: string | null = null;
    const stopped = untilStopped();
    try {
      if (links) {
        const server = await startDownloadServer({ port: Number(process.env.SHENBAO_DOWNLOAD_PORT) || 8082, secret: links.secret, sql: db.sql, store, log });
        running.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
      }
      if (telegram) {
        const bot = await startTelegram(telegram, { router, sql: db.sql, store, log, links });
        jobs.kick.set('telegram', () => bot.channel.sender.kick());
        running.push(bot);
      }
      if (feishu) {
        const app = await startFeishu(feishu, { router, sql: db.sql, store, log, links, onFatal: (chinese) => stopped.stop((fatal = chinese)) });
        jobs.kick.set('feishu', () => app.channel.sender.kick());
        running.push(app);
      }
      const names = [telegram && 'Telegram 机器人', feishu && '飞书机器人'].filter(Boolean).join('、');
      console.error(`申报助手已启动：${names}在线（Ctrl+C 停止）。`);
      // The console too, when asked for (SHENBAO_CONSOLE=1): one process serves every channel.
      if (process.env.SHENBAO_CONSOLE === '1') void runConsole({ router, sql: db.sql, files: store }).then(() => stopped.stop());
      await stopped.promise;
      console.error(fatal ?? '正在停止……');
    } finally {
      for (const channel of running.reverse()) await channel.stop().catch(() => undefined);
    }
    if (fatal) process.exitCode = 1;
  });
}

/** Resolves on SIGINT or SIGTERM (a supervisor's stop), or when `stop` is called: the channels then finish sending. */
function untilStopped(): { promise: Promise<void>; stop: (reason?: unknown) => void } {
  let stop: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { promise, stop };
}

/** `shenbao status --feishu`: the API calls made this month against the tenant's budget. */
export async function feishuUsage(): Promise<{ month: string; calls: number; budget: number }> {
  const budget = Number(process.env.FEISHU_MONTHLY_CALL_BUDGET) || 10_000;
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  try {
    const month = monthInChina();
    return { month, calls: await apiCalls(db.sql, 'feishu', month), budget };
  } finally {
    await db.close();
  }
}

/** `shenbao admin …`: people at deployment (the first staff account, coordinators and their reach, invitation codes). */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
