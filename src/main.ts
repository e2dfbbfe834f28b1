import { openDatabase, type Database } from './store/database.ts';
import { pushText, type Recipient } from './bot/push.ts';
import { getFlow, listFlowIds, type LoadedFlow } from './flow/loader.ts';
import { Router } from './bot/router.ts';
import { runConsole } from './channels/console.ts';

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

/** `shenbao send`: a notice to a person or a unit's operators, through the outbox. */
export async function sendNotice(to: string, text: string): Promise<Recipient[]> {
  const db = await openDatabase({ dataDir: process.env.SHENBAO_DATA_DIR });
  try {
    return await db.sql.transaction((sql) => pushText(sql, to, text));
  } finally {
    await db.close();
  }
}

export async function startAssistant(): Promise<void> {
  const hasTelegram = Boolean(process.env.TELEGRAM_BOT_TOKEN);
  const hasFeishu = Boolean(process.env.FEISHU_APP_ID && process.env.FEISHU_APP_SECRET);
  if (hasTelegram || hasFeishu) {
    console.error('Telegram/飞书接入尚未启用（后续版本提供），现以控制台方式启动。');
  }
  console.error('申报助手已启动（内嵌数据库：./data）。');
  await openChat();
}
