import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { spawnCli } from '../support/cli-process.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openChat } from '../support/chat.ts';

/**
 * A DATABASE_URL that cannot be used gets one clear Chinese sentence naming what to check — never a stack trace — and a
 * server that does not answer yet is waited for, within SHENBAO_DB_WAIT_SECONDS.
 */

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function migrateWith(url: string, wait = '1') {
  const cli = spawnCli(['db', 'migrate'], { DATABASE_URL: url, SHENBAO_DB_WAIT_SECONDS: wait });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

describe('a database that cannot be reached or used', () => {
  it('a server that is down is waited for, then named with what to check', async () => {
    const port = await closedPort();
    const { code, output } = await migrateWith(`postgresql://shenbao:secret-pw@127.0.0.1:${port}/shenbao`);
    expect(code).toBe(3);
    expect(output).toContain(`连不上 PostgreSQL 服务器（127.0.0.1:${port}/shenbao）`);
    expect(output).toContain('将每隔几秒重试，最多等待 1 秒');
    expect(output).toContain('已等待 1 秒');
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain('secret-pw');
  });

  it('a database that does not exist is said at once', async () => {
    const url = new URL(server.url);
    url.pathname = '/no_such_db';
    const { code, output } = await migrateWith(url.toString(), '30');
    expect(code).toBe(3);
    expect(output).toContain('上没有名为“no_such_db”的数据库');
    expect(output).not.toContain('重试');
  });

  it('a URL that is not PostgreSQL is refused in Chinese', async () => {
    const { code, output } = await migrateWith('mysql://localhost/shenbao');
    expect(code).toBe(3);
    expect(output).toContain('DATABASE_URL 应以 postgres:// 或 postgresql:// 开头');
  });
});

describe('a server that stops mid-conversation', () => {
  it('the message in flight waits for it, is handled once it is back, and nothing is lost or doubled', async () => {
    const own = await startPostgres();
    try {
      const chat = await openChat({ databaseUrl: own.url });
      await chat.say('/start');
      await chat.say('首冶新元');
      await own.pause();
      // The operator's answer arrives while the server is down; the server comes back two seconds later.
      const reply = chat.say('是', { key: 'in-flight' });
      setTimeout(() => void own.resume(), 2000);
      expect(await reply).toContain('【一】2 基地名称');
      expect(await chat.say('是', { key: 'in-flight' })).toBe('');
      expect(await chat.db.prisma.answerHistory.count({ where: { questionId: 'unit_name' } })).toBe(1);
      await chat.close();
    } finally {
      await own.stop();
    }
  });
});
