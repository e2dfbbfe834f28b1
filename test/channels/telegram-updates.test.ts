import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Update, UserFromGetMe } from 'grammy/types';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { TelegramChannel } from '../../src/channels/telegram/channel.ts';
import { TODAY } from '../support/chat.ts';

/**
 * The Telegram channel's handling of each kind of update, through `bot.handleUpdate` with every outgoing Bot API call
 * captured (no server: Telegram itself cannot run here; the emulator tests run the bot for real by long polling).
 */

const BOT: UserFromGetMe = {
  id: 4242, is_bot: true, first_name: '申报助手', username: 'shenbao_test_bot',
  can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
  can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false,
} as UserFromGetMe;

interface Call { method: string; payload: Record<string, unknown> }

let db: Database;
let channel: TelegramChannel;
let calls: Call[];
let dir: string;
let updateId = 1000;
let messageId = 1;

const USER = { id: 777, is_bot: false, first_name: '张', last_name: '三' };
const PRIVATE = { id: 777, type: 'private' as const, first_name: '张' };
const date = Math.floor(TODAY.getTime() / 1000);

function message(fields: Record<string, unknown>, chat: Record<string, unknown> = PRIVATE): Update {
  return { update_id: ++updateId, message: { message_id: ++messageId, date, chat, from: USER, ...fields } } as unknown as Update;
}

/** Handles an update, then sends what the outbox holds; the calls made for it. */
async function send(update: Update): Promise<Call[]> {
  const from = calls.length;
  await channel.bot.handleUpdate(update);
  await channel.sender.drain();
  return calls.slice(from);
}

const texts = (made: Call[]) => made.filter((c) => c.method === 'sendMessage').map((c) => String(c.payload.text));
type Markup = { inline_keyboard: { text: string; callback_data: string }[][] };
const lastKeyboard = (made: Call[]) => [...made].reverse().find((c) => c.method === 'sendMessage' && c.payload.reply_markup)?.payload.reply_markup as Markup | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-tg-'));
  db = await openDatabase({ dataDir: 'memory://' });
  const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
  channel = new TelegramChannel({ token: '4242:TEST-token', router, sql: db.sql, store: new FileStore(join(dir, 'files')), botInfo: BOT, pacing: { perChatMs: 0, perSecond: 1000 } });
  calls = [];
  channel.bot.api.config.use(async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    const chat = (payload as { chat_id?: number | string }).chat_id;
    const result = method === 'sendMessage' || method === 'sendDocument' ? { message_id: ++messageId, date, chat: { id: Number(chat), type: 'private' }, text: (payload as { text?: string }).text } : true;
    return { ok: true, result } as never;
  });
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => void (calls.length = 0));

describe('Telegram updates', () => {
  it('answers /start and a unit name with the first question, in HTML with what was typed escaped, and buttons', async () => {
    const start = await send(message({ text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] }));
    expect(texts(start).join()).toContain('请先发送贵单位名称');
    const odd = await send(message({ text: '<b>不存在的单位</b> & 公司' }));
    expect(texts(odd).join()).toContain('&lt;b&gt;不存在的单位&lt;/b&gt; &amp; 公司');
    const opened = await send(message({ text: '北京首冶新元科技发展有限公司' }));
    expect(texts(opened).join()).toContain('<b>【一、基本情况】第 1/');
    expect(opened.find((c) => c.method === 'sendMessage')!.payload.parse_mode).toBe('HTML');
    const keyboard = lastKeyboard(opened)!;
    expect(keyboard.inline_keyboard.flat()[0].text).toContain('是');
    for (const b of keyboard.inline_keyboard.flat()) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
  });

  it('takes a press on the live keyboard, answers the callback and leaves the chosen answer in place of the buttons', async () => {
    const asked = await send(message({ text: '帮助' }));
    const keyboard = lastKeyboard(asked)!;
    const button = keyboard.inline_keyboard.flat()[0];
    const sentId = messageId;
    const pressed = await send({
      update_id: ++updateId,
      callback_query: { id: 'cb1', from: USER, chat_instance: 'x', data: button.callback_data, message: { message_id: sentId, date, chat: PRIVATE, text: 'q', reply_markup: keyboard } },
    } as unknown as Update);
    expect(pressed.find((c) => c.method === 'answerCallbackQuery')!.payload.text).toBeUndefined();
    const edit = pressed.find((c) => c.method === 'editMessageReplyMarkup' && (c.payload.reply_markup as Markup).inline_keyboard.length === 1)!;
    expect((edit.payload.reply_markup as Markup).inline_keyboard[0][0].text).toBe(`✅ ${button.text}`);
    expect(texts(pressed).join()).toContain('第 2/');

    // The same button again: the question it belonged to is answered; nothing changes.
    const again = await send({
      update_id: ++updateId,
      callback_query: { id: 'cb2', from: USER, chat_instance: 'x', data: button.callback_data, message: { message_id: sentId, date, chat: PRIVATE, text: 'q', reply_markup: keyboard } },
    } as unknown as Update);
    expect(String(again.find((c) => c.method === 'answerCallbackQuery')!.payload.text)).toContain('按钮已过期');
    expect(texts(again)).toEqual([]);
  });

  it('refuses a callback with forged data', async () => {
    const forged = await send({ update_id: ++updateId, callback_query: { id: 'cb3', from: USER, chat_instance: 'x', data: 'drop table|c0', message: { message_id: 1, date, chat: PRIVATE, text: 'q' } } } as unknown as Update);
    expect(String(forged.find((c) => c.method === 'answerCallbackQuery')!.payload.text)).toContain('无法识别这个按钮');
    expect(texts(forged)).toEqual([]);
  });

  it('handles a redelivered update once', async () => {
    const update = message({ text: '首冶新元创新基地' });
    const first = await send(update);
    expect(texts(first).join()).toMatch(/第 \d+\/\d+ 题/);
    const again = await send(update);
    expect(texts(again)).toEqual([]);
  });

  it('says what to send instead of stickers, voice, video notes, locations, contacts, polls, edits and forwards', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } }, '贴纸'],
      [{ voice: { file_id: 'v', file_unique_id: 'v', duration: 3 } }, '无法识别语音'],
      [{ video_note: { file_id: 'n', file_unique_id: 'n', length: 1, duration: 1 } }, '视频消息不能作为答案'],
      [{ location: { latitude: 39.9, longitude: 116.4 } }, '位置不能作为答案'],
      [{ contact: { phone_number: '13800000000', first_name: '李四' } }, '名片不能作为答案'],
      [{ poll: { id: 'p', question: '?', options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: 'regular', allows_multiple_answers: false } }, '投票不能作为答案'],
      [{ text: '120', forward_origin: { type: 'hidden_user', sender_user_name: '某人', date } }, '转发来的文字'],
    ];
    for (const [fields, expected] of cases) {
      const replies = texts(await send(message(fields)));
      expect(replies.join(), JSON.stringify(fields)).toContain(expected);
      // The question is asked again, so the operator knows where they are.
      expect(replies.join()).toMatch(/第 \d+\/\d+ 题/);
    }
    const edited = await send({ update_id: ++updateId, edited_message: { message_id: 5, date, edit_date: date, chat: PRIVATE, from: USER, text: '130' } } as unknown as Update);
    expect(texts(edited).join()).toContain('不会改变已保存的答案');
  });

  it('explains a 60 MB file without downloading it', async () => {
    const big = await send(message({ document: { file_id: 'big', file_unique_id: 'big', file_name: '全部附件.zip', file_size: 60 * 1024 * 1024 } }));
    expect(big.some((c) => c.method === 'getFile')).toBe(false);
    expect(texts(big).join()).toContain('60.0 MB，超过机器人能接收的 20.0 MB');
  });

  it('answers in a group only once, saying it works in private chats', async () => {
    const group = { id: -1001, type: 'supergroup', title: '申报群' };
    const first = await send(message({ text: '进度' }, group));
    expect(texts(first).join()).toContain('只在私聊中工作');
    const second = await send(message({ text: '进度' }, group));
    expect(second).toEqual([]);
  });

  it('redraws a multi-select toggle in place, without a message', async () => {
    const token = 'x.abcdef';
    const markup = { inline_keyboard: [[{ text: '创业辅导', callback_data: `${token}|t1` }], [{ text: '信息服务', callback_data: `${token}|t2` }], [{ text: '确认所选', callback_data: `${token}|m0` }]] };
    const toggled = await send({ update_id: ++updateId, callback_query: { id: 'cb4', from: USER, chat_instance: 'x', data: `${token}|t1`, message: { message_id: 9, date, chat: PRIVATE, text: 'q', reply_markup: markup } } } as unknown as Update);
    const redrawn = toggled.find((c) => c.method === 'editMessageReplyMarkup')!.payload.reply_markup as Markup;
    expect(redrawn.inline_keyboard.flat().map((b) => b.text)).toEqual(['✓ 创业辅导', '信息服务', '确认所选']);
    expect(redrawn.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([`${token}|t0`, `${token}|t3`, `${token}|m1`]);
    expect(texts(toggled)).toEqual([]);
  });
});
