import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../support/telegram-emulator.ts';

/**
 * `shenbao start` as a Telegram bot, killed with SIGKILL after it committed an answer and before the reply went out
 * (the test-only pause point `deliver:2`): started again, it sends that reply, once.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shenbao-tg-crash-'));
let emulator: TelegramEmulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emulator = await startTelegramEmulator();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the assistant; resolves with the process and a promise of a line on stderr. */
function start(pauseAt?: string) {
  const child = spawn(process.execPath, ['bin/shenbao.js', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TELEGRAM_BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      TELEGRAM_CHAT_INTERVAL_MS: '0',
      SHENBAO_DATA_DIR: join(dir, 'data'),
      // A trial deployment: anyone may open a unit by its name (invitations are tested in people.test.ts).
      SHENBAO_OPEN_BY_NAME: '1',
      SHENBAO_TEST_PAUSE_AT: pauseAt ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const waitFor = (text: string, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const check = setInterval(() => {
        if (stderr.includes(text)) {
          clearInterval(check);
          resolve();
        } else if (Date.now() - started > ms || child.exitCode !== null) {
          clearInterval(check);
          reject(new Error(`no “${text}” on stderr; got:\n${stderr}`));
        }
      }, 50);
    });
  return { child, waitFor, stderr: () => stderr };
}

describe('kill -9 between the commit and the reply, on Telegram', () => {
  it('sends the committed reply after the restart, once', async () => {
    const user = emulator.user({ firstName: '王五' });
    const first = start('deliver:2');
    await first.waitFor('polling for updates');
    await user.sendText('北京首冶新元科技发展有限公司');
    const [opened] = await user.waitForBotMessages(1, 20_000);
    expect(opened.text).toContain('第 1/');

    await user.sendText('是');
    await first.waitFor('SHENBAO_TEST_PAUSED deliver:2');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The answer was saved, its reply (the next question) never sent.
    expect(user.botMessages()).toHaveLength(1);

    const second = start();
    await second.waitFor('polling for updates');
    const replies = await user.waitForBotMessages(2, 20_000);
    expect(replies[1].text).toContain('【一】2 基地名称');
    // Nothing more: not the reply twice, not the answer applied again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(user.botMessages()).toHaveLength(2);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }, 120_000);
});
