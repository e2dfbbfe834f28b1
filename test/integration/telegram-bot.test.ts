import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTelegramEmulator, type TelegramEmulator, type EmulatedUser, type BotMessage } from '../support/telegram-emulator.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { pushText } from '../../src/bot/push.ts';
import { startTelegram, telegramConfig, type RunningTelegram } from '../../src/channels/telegram/start.ts';
import { SECTION_ONE, TODAY } from '../support/chat.ts';

/**
 * The real grammY bot, long polling the Bot API emulator over HTTP (telegram-test-api behind our front, which adds
 * files, documents and a held getUpdates): an operator picks the unit, answers 【一】 by typing and pressing buttons,
 * toggles a multi-select and confirms it, sends a document that lands on the checklist, and receives a file.
 */

const UNIT = '北京首冶新元科技发展有限公司';
const INTERVAL_MS = 200;

let emulator: TelegramEmulator;
let db: Database;
let running: RunningTelegram;
let dir: string;
let store: FileStore;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-tg-it-'));
  emulator = await startTelegramEmulator();
  db = await openDatabase({ dataDir: 'memory://' });
  store = new FileStore(join(dir, 'files'));
  const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
  const config = telegramConfig({ TELEGRAM_BOT_TOKEN: emulator.token, TELEGRAM_API_ROOT: emulator.apiRoot, TELEGRAM_CHAT_INTERVAL_MS: String(INTERVAL_MS) });
  running = await startTelegram(config, { router, sql: db.sql, store, log: (line) => logs.push(line) });
});
afterAll(async () => {
  await running?.stop();
  await emulator?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The operator's side: send, and read what came back. */
function operator(user: EmulatedUser) {
  let seen = 0;
  const next = async () => {
    const all = await user.waitForBotMessages(seen + 1, 8000);
    seen = all.length;
    return all.at(-1)!;
  };
  const buttons = (m: BotMessage) => (m.reply_markup && 'inline_keyboard' in m.reply_markup ? m.reply_markup.inline_keyboard.flat() : []) as { text: string; callback_data?: string }[];
  return {
    next,
    buttons,
    type: async (text: string) => {
      await user.sendText(text);
      return next();
    },
    press: async (m: BotMessage, data: string) => {
      await user.press(m, data);
      return next();
    },
    current: (m: BotMessage) => user.botMessages().find((x) => x.message_id === m.message_id)!,
  };
}

describe('Telegram, for real over HTTP', () => {
  it('walks an operator through 【一】 with typed answers and presses, a multi-select, a document and a file from the bot', async () => {
    const user = emulator.user({ firstName: '张三' });
    const op = operator(user);
    expect((await op.type('/start')).text).toContain('请先发送贵单位名称');
    let asked = await op.type(UNIT);
    expect(asked.text).toContain('第 1/');
    expect(asked.parse_mode).toBe('HTML');
    const firstQuestion = asked;

    let pressed = 0;
    let pressedChoice = false;
    for (const answer of SECTION_ONE) {
      const keys = op.buttons(asked);
      const yesNo = keys.find((b) => b.text === answer || b.text.startsWith(`${answer}（`));
      const choice = /^\d$/.test(answer) && keys.length > 2 ? keys.find((b) => b.callback_data?.endsWith(`|c${Number(answer) - 1}`)) : undefined;
      const button = yesNo ?? choice;
      if (button?.callback_data) {
        pressed++;
        if (choice) pressedChoice = true;
        asked = await op.press(asked, button.callback_data);
        // The pressed question's keyboard now shows the answer chosen.
      } else asked = await op.type(answer);
    }
    expect(pressed).toBeGreaterThanOrEqual(5);
    expect(pressedChoice).toBe(true);
    expect(op.buttons(op.current(firstQuestion)).map((b) => b.text)).toEqual([expect.stringMatching(/^✅ 是/)]);

    // The section's review, confirmed by its button.
    expect(asked.text).toContain('请核对');
    const confirm = op.buttons(asked).find((b) => b.text === '确认')!;
    asked = await op.press(asked, confirm.callback_data!);
    expect(asked.text).toContain('【一】基本情况 已完成');

    // 【二】 opens with a multi-select: two toggles, then 确认所选.
    const multi = asked;
    const toggles = op.buttons(multi).filter((b) => b.callback_data?.includes('|t'));
    expect(toggles.length).toBeGreaterThan(3);
    await user.press(multi, toggles[0].callback_data!);
    await expect.poll(() => op.buttons(op.current(multi))[0].text).toBe(`✓ ${toggles[0].text}`);
    const afterOne = op.buttons(op.current(multi));
    await user.press(op.current(multi), afterOne[2].callback_data!);
    await expect.poll(() => op.buttons(op.current(multi))[2].text).toBe(`✓ ${toggles[2].text}`);
    const confirmAll = op.buttons(op.current(multi)).find((b) => b.text === '确认所选')!;
    asked = await op.press(op.current(multi), confirmAll.callback_data!);
    expect(asked.text).not.toContain('没有保存');
    expect(op.buttons(op.current(multi)).map((b) => b.text)).toEqual([`✅ ${toggles[0].text}、${toggles[2].text}`]);

    // A button from the first question, pressed now: refused in the callback, nothing sent.
    const before = user.botMessages().length;
    await user.press(firstQuestion, 'stale', { unchecked: true });
    await expect.poll(() => user.callbackAnswers().at(-1)?.text).toContain('无法识别');

    // A document outside an upload question: asked which item, sorted, counted on the checklist.
    const bytes = Buffer.from('%PDF-1.4 营业执照扫描件');
    await user.sendDocument({ fileName: '营业执照.pdf', bytes, mimeType: 'application/pdf' });
    const which = await op.next();
    expect(which.text).toContain('它属于哪一项证明材料');
    const item = op.buttons(which)[0];
    const sorted = await op.press(which, item.callback_data!);
    expect(sorted.text).toContain('已将 1 个文件归入');
    const title = /归入“([^”]+)”/.exec(sorted.text)![1];
    const done = op.buttons(sorted).find((b) => b.text === '完成')!;
    expect((await op.press(sorted, done.callback_data!)).text).toContain(`“${title}”已收到 1 个文件`);
    // Telegram says “too many requests” once: the reply still arrives, after the wait it asked for.
    emulator.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const checklist = await op.type('材料');
    expect(checklist.text).toContain(`✅ ${title}`);
    expect(emulator.calls.filter((c) => c.method === 'sendMessage' && c.ok === false)).toHaveLength(1);
    const stored = await db.sql.query<{ sha256: string; name: string }>(`SELECT "sha256", "name" FROM "StoredFile" WHERE "name" = '营业执照.pdf'`);
    expect(stored).toHaveLength(1);
    expect(store.has(stored[0].sha256)).toBe(true);
    expect(user.botMessages().length).toBeGreaterThan(before);

    // A file from the bot: a notice with the template, through the outbox, paced per chat.
    const template = Buffer.from('PK 模板内容');
    const content = await store.putBuffer(template);
    await db.sql.transaction((sql) => pushText(sql, String(user.userId), '请查收附表模板', { ...content, name: '附表模板.xlsx' }));
    running.channel.sender.kick();
    const notice = await op.next();
    const document = notice.document ? notice : await op.next();
    expect(document.document?.fileName).toBe('附表模板.xlsx');
    expect(document.document?.bytes.equals(template)).toBe(true);
    const sends = emulator.calls.filter((c) => (c.method === 'sendMessage' || c.method === 'sendDocument') && String(c.params.chat_id) === String(user.userId));
    const [text, file] = sends.slice(-2);
    expect(text.params.text).toContain('请查收附表模板');
    expect(file.at - text.at).toBeGreaterThanOrEqual(INTERVAL_MS - 10);
    expect(logs.join('\n')).not.toContain(emulator.token);
  }, 60_000);
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('Telegram by webhook', () => {
  it('refuses a request without the secret (401) and handles one with it', async () => {
    const hook = await startTelegramEmulator();
    const hookDb = await openDatabase({ dataDir: 'memory://' });
    const router = new Router({ trusted: () => true, db: hookDb, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    const config = telegramConfig({ TELEGRAM_BOT_TOKEN: hook.token, TELEGRAM_API_ROOT: hook.apiRoot, TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_SECRET: 'right-secret', TELEGRAM_WEBHOOK_PORT: String(port), TELEGRAM_CHAT_INTERVAL_MS: '0' });
    const served = await startTelegram(config, { router, sql: hookDb.sql, store, log: () => undefined });
    try {
      expect(hook.callsOf('setWebhook').at(-1)?.params).toMatchObject({ url, secret_token: 'right-secret' });
      const update = { update_id: 1, message: { message_id: 1, date: 1, chat: { id: 5150, type: 'private', first_name: '李' }, from: { id: 5150, is_bot: false, first_name: '李' }, text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] } };
      const post = (secret?: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update) });
      expect((await post()).status).toBe(401);
      expect((await post('wrong-secret')).status).toBe(401);
      expect(hook.callsOf('sendMessage')).toHaveLength(0);
      expect((await post('right-secret')).status).toBe(200);
      await expect.poll(() => hook.callsOf('sendMessage').map((c) => String(c.params.text)).join()).toContain('请先发送贵单位名称');
      // Telegram retrying the same update: handled once.
      expect((await post('right-secret')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hook.callsOf('sendMessage')).toHaveLength(1);
    } finally {
      await served.stop();
      await hook.close();
      await hookDb.close();
    }
  }, 30_000);
});
