import { openDatabase, type Database } from './store/database.ts';
import { pushText, type Recipient } from './bot/push.ts';
import { getFlow, listFlowIds, type LoadedFlow } from './flow/loader.ts';
import { Router } from './bot/router.ts';
import { runConsole } from './channels/console.ts';
import { startTelegram, telegramConfig } from './channels/telegram/start.ts';
import { FileStore } from './files/file-store.ts';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

/** Start-up: the database (migrated), the flows, the router, and whichever channels have credentials. */

export function loadAllFlows(): LoadedFlow[] {
  return listFlowIds().map((id) => getFlow(id));
}

async function withRouter<T>(fn: (router: Router, db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  const router = new Router({ db, flows: loadAllFlows(), log: (line) => console.error(line) });
  try {
    return await fn(router, db);
  } finally {
    await db.close();
  }
}

export async function openChat(user?: string): Promise<void> {
  await withRouter((router, db) => runConsole({ router, sql: db.sql, user }));
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
  const hasFeishu = Boolean(process.env.FEISHU_APP_ID && process.env.FEISHU_APP_SECRET);
  if (hasFeishu) console.error('飞书接入尚未启用（后续版本提供）。');
  if (!hasTelegram) {
    console.error('申报助手已启动（内嵌数据库：./data）。');
    return openChat();
  }
  // Checked before the database opens: a wrong setting is said at once.
  const config = telegramConfig();
  await withRouter(async (router, db) => {
    const log = (line: string) => console.error(line);
    const telegram = await startTelegram(config, { router, sql: db.sql, store: FileStore.fromEnv(), log });
    console.error('申报助手已启动：Telegram 机器人在线（Ctrl+C 停止）。');
    await untilStopped();
    console.error('正在停止……');
    await telegram.stop();
  });
}

/** Resolves on SIGINT or SIGTERM (a supervisor's stop): the channels then finish what they are sending. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
