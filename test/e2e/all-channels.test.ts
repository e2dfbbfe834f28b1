import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../support/telegram-emulator.ts';
import { startFeishuStandin, type FeishuStandin } from '../support/feishu-standin.ts';

/** `shenbao start` with Telegram, Feishu and the console at once: one process serves all three. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shenbao-all-'));
let telegram: TelegramEmulator;
let feishu: FeishuStandin;
let child: ChildProcess | undefined;

beforeAll(async () => {
  telegram = await startTelegramEmulator();
  feishu = await startFeishuStandin();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await telegram.close();
  await feishu.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one process, every channel', () => {
  it('answers on Telegram, on Feishu and in the console', async () => {
    child = spawn(process.execPath, ['bin/shenbao.js', 'start'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        FEISHU_APP_ID: feishu.appId,
        FEISHU_APP_SECRET: feishu.appSecret,
        FEISHU_DOMAIN: feishu.domain,
        SHENBAO_CONSOLE: '1',
        SHENBAO_DATA_DIR: join(dir, 'data'),
        // A trial deployment: anyone may open a unit by its name (invitations are tested in people.test.ts).
        SHENBAO_OPEN_BY_NAME: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    await expect.poll(() => stderr, { timeout: 60_000 }).toContain('Telegram 机器人、飞书机器人在线');
    await expect.poll(() => feishu.connections(), { timeout: 10_000 }).toBe(1);

    const onTelegram = telegram.user({ firstName: '张三' });
    await onTelegram.sendText('北京首冶新元科技发展有限公司');
    expect((await onTelegram.waitForBotMessages(1, 20_000))[0].text).toContain('第 1/26 题');

    const onFeishu = feishu.user({ name: '李四' });
    await onFeishu.sendText('北京东联同创科技孵化器有限公司');
    expect(JSON.stringify((await onFeishu.waitForMessages(1, 20_000))[0].content)).toContain('第 1/26 题');

    // The console's welcome, then its answer to a line typed there.
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('请先发送贵单位名称');
    child.stdin!.write('北京绿创环保集团科技孵化器有限公司\n');
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('已确认：北京绿创环保集团科技孵化器有限公司');

    // A supervisor's stop: the channels finish, the database closes, the process ends by itself.
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child!.once('exit', (c, signal) => resolve(c ?? signal)));
    expect(code).toBe(0);
    expect(stderr).toContain('正在停止');
  }, 120_000);
});
