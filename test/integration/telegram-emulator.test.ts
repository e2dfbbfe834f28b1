import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import { startTelegramEmulator, type TelegramEmulator } from '../support/telegram-emulator.ts';

/**
 * The Telegram stand-in itself, driven by the real grammY bot over long polling: text with a keyboard, button presses,
 * documents both ways, commands, errors on demand, and an idle bot that does not hammer getUpdates.
 */

let emulator: TelegramEmulator;
let bot: Bot;
let polling: Promise<void> | undefined;
/** The message a callback query carried, as the bot saw it. */
let pressedMessage: unknown;

const XLSX = Buffer.from('PK\u0003\u0004 not really a workbook');

function makeBot(): Bot {
  const b = new Bot(emulator.token, { client: { apiRoot: emulator.apiRoot } });
  b.command('file', (ctx) => ctx.replyWithDocument(new InputFile(XLSX, 'x.xlsx'), { caption: '绩效表' }));
  b.on('message:text', (ctx) =>
    ctx.reply(`echo: ${ctx.message.text}`, { reply_markup: new InlineKeyboard().text('Yes', 'yes').text('No', 'no') }));
  b.on('callback_query:data', async (ctx) => {
    pressedMessage = ctx.callbackQuery.message;
    await ctx.answerCallbackQuery({ text: `got ${ctx.callbackQuery.data}` });
    // "yes" swaps the keyboard, "again" removes it (an edit without reply_markup).
    if (ctx.callbackQuery.data === 'yes') await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard().text('Again', 'again') });
    else await ctx.editMessageReplyMarkup();
  });
  b.on('message:document', async (ctx) => {
    try {
      const file = await ctx.getFile();
      const response = await fetch(`${emulator.apiRoot}/file/bot${emulator.token}/${file.file_path}`);
      await ctx.reply(`received ${(await response.arrayBuffer()).byteLength} bytes`);
    } catch (error) {
      await ctx.reply(`refused: ${error instanceof GrammyError ? error.description : String(error)}`);
    }
  });
  b.catch((error) => console.error('bot error', error.error));
  return b;
}

async function startPolling(options: { drop_pending_updates?: boolean } = {}): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    polling = bot.start({ ...options, onStart: () => resolve() });
    polling.catch(reject);
  });
}

beforeAll(async () => {
  emulator = await startTelegramEmulator();
  bot = makeBot();
  await startPolling({ drop_pending_updates: true });
});

afterAll(async () => {
  if (bot?.isRunning()) await bot.stop();
  await polling;
  await emulator?.close();
});

describe('the Telegram stand-in', () => {
  it('echoes text with an inline keyboard', async () => {
    const user = emulator.user({ firstName: '王五' });
    await user.sendText('你好');
    const [reply] = await user.waitForBotMessages(1);
    expect(reply.text).toBe('echo: 你好');
    expect(reply.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }, { text: 'No', callback_data: 'no' }]] });
  });

  it('answers a press and edits the keyboard, then removes it', async () => {
    const user = emulator.user();
    await user.sendText('choose');
    const [message] = await user.waitForBotMessages(1);

    const first = await user.press(message, 'yes');
    await expect.poll(() => user.botMessages()[0].reply_markup).toEqual({ inline_keyboard: [[{ text: 'Again', callback_data: 'again' }]] });
    expect(user.callbackAnswers()).toEqual([{ callback_query_id: first, text: 'got yes' }]);
    // The query carried the message as it was when pressed, keyboard included, as Telegram sends it.
    expect(pressedMessage).toMatchObject({ message_id: message.message_id, chat: { id: user.chatId }, text: 'echo: choose', reply_markup: message.reply_markup });

    await expect(user.press(message, 'yes')).rejects.toThrow(/shows no button "yes"/);
    await user.press(message, 'again');
    await expect.poll(() => user.botMessages()[0].reply_markup).toBeUndefined();
    expect(user.callbackAnswers().map((a) => a.text)).toEqual(['got yes', 'got again']);
    expect(user.botMessages()).toHaveLength(1);
  });

  it('lets the bot download a document the user sent, and refuses one over 20 MB', async () => {
    const user = emulator.user();
    await user.sendDocument({ fileName: '申报.xlsx', bytes: Buffer.alloc(1234, 7) });
    expect((await user.waitForBotMessages(1))[0].text).toBe('received 1234 bytes');

    await user.sendDocument({ fileName: 'huge.zip', bytes: Buffer.from('tiny'), size: 60 * 1024 * 1024 });
    expect((await user.waitForBotMessages(2))[1].text).toBe('refused: Bad Request: file is too big');
  });

  it('receives a document the bot uploads', async () => {
    const user = emulator.user();
    await user.sendText('/file');
    const [message] = await user.waitForBotMessages(1);
    expect(message.document).toMatchObject({ fileName: 'x.xlsx', caption: '绩效表' });
    expect(message.document?.bytes.equals(XLSX)).toBe(true);
    expect(message.text).toBe('绩效表');
    const call = emulator.callsOf('sendDocument')[0];
    expect(call.params).toMatchObject({ chat_id: user.chatId, caption: '绩效表', document: { fileName: 'x.xlsx', size: XLSX.length } });
  });

  it('records commands set by the bot', async () => {
    const commands = [{ command: 'start', description: '开始申报' }];
    await expect(bot.api.setMyCommands(commands)).resolves.toBe(true);
    await expect(bot.api.getMyCommands()).resolves.toEqual(commands);
  });

  it('fails a method on demand, as Telegram shapes errors', async () => {
    const user = emulator.user();
    emulator.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const error = await bot.api.sendMessage(user.chatId, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
    await expect(bot.api.sendMessage(user.chatId, 'y')).resolves.toMatchObject({ text: 'y', chat: { id: user.chatId } });
  });

  it('holds getUpdates while idle instead of letting the bot busy-loop', async () => {
    const before = emulator.callsOf('getUpdates').length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(emulator.callsOf('getUpdates').length - before).toBeLessThanOrEqual(3);
  });

  it('stops promptly and keeps unconfirmed updates for the next start', async () => {
    const started = Date.now();
    await bot.stop();
    await polling;
    expect(Date.now() - started).toBeLessThan(1000);

    const user = emulator.user();
    await user.sendText('while away');
    await startPolling();
    expect((await user.waitForBotMessages(1))[0].text).toBe('echo: while away');
  });
});
