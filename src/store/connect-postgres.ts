import pg from 'pg';

/**
 * Reaching a PostgreSQL server at start-up: a server that is down or starting is waited for (SHENBAO_DB_WAIT_SECONDS,
 * default 60) before giving up; a wrong password or a missing database is said at once. Every failure is a Chinese
 * sentence naming what to check, with the server's address but never the password.
 */

export class DatabaseUnavailableError extends Error {
  constructor(readonly chinese: string) {
    super(chinese);
  }
}

/** Seconds to wait for a PostgreSQL server that does not answer at start-up. */
export function waitSeconds(): number {
  const raw = Number(process.env.SHENBAO_DB_WAIT_SECONDS ?? 60);
  return Number.isFinite(raw) && raw >= 0 ? raw : 60;
}

/** Where the database is, for messages: host:port/name, without credentials. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

/** What a connection failure means for the person starting the assistant; `retry` when waiting may help. */
export function explainConnectionError(error: unknown, url: string): { text: string; retry: boolean } {
  const e = error as { code?: string; message?: string };
  const where = describeUrl(url);
  const db = new URL(url).pathname.replace(/^\//, '') || '（默认）';
  switch (e.code) {
    case '28P01':
    case '28000':
      return { text: `无法登录 PostgreSQL（${where}）：用户名或密码不对。请检查 DATABASE_URL 中的用户名和密码。`, retry: false };
    case '3D000':
      return { text: `PostgreSQL（${where}）上没有名为“${db}”的数据库。请先创建它（createdb ${db}），或改正 DATABASE_URL 中的数据库名。`, retry: false };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { text: `找不到 PostgreSQL 服务器“${new URL(url).hostname}”。请检查 DATABASE_URL 中的主机名和网络。`, retry: true };
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case '57P03':
      return { text: `连不上 PostgreSQL 服务器（${where}）：服务器没有启动，或端口不对。请检查服务器是否在运行，以及 DATABASE_URL 中的主机和端口。`, retry: true };
    default:
      return { text: `连接 PostgreSQL（${where}）失败：${e.message ?? String(error)}。请检查 DATABASE_URL 和服务器状态。`, retry: false };
  }
}

/** Connect once with a short query, retrying while the server may still come up; throws DatabaseUnavailableError. */
export async function waitForPostgres(pool: pg.Pool, url: string, seconds = waitSeconds()): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const { text, retry } = explainConnectionError(error, url);
      if (!retry || Date.now() >= deadline) throw new DatabaseUnavailableError(retry ? `${text}（已等待 ${seconds} 秒）` : text);
      if (attempt === 1) console.error(`${text}将每隔几秒重试，最多等待 ${seconds} 秒（SHENBAO_DB_WAIT_SECONDS）。`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Math.max(0, deadline - Date.now()))));
    }
  }
}
