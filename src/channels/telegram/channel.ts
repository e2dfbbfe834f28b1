import { Bot, GrammyError, type Context } from 'grammy';
import type { CallbackQuery, InlineKeyboardMarkup, UserFromGetMe } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import type { Router } from '../../bot/router.ts';
import { OutboxSender } from '../../bot/sender.ts';
import { Pacer } from '../../bot/pacer.ts';
import { decodePress, PRESS_REFUSED } from '../../bot/keyboard.ts';
import { ALREADY_ANSWERED, FILE_NOT_FETCHED, PRIVATE_CHATS_ONLY } from '../../bot/handlers/unsupported.ts';
import type { Inbound } from '../../bot/messages.ts';
import type { View } from '../../bot/views.ts';
import { DatabaseUnavailableError } from '../../store/connect-postgres.ts';
import type { SqlDatabase } from '../../store/sql.ts';
import { firstTime } from '../../store/once.ts';
import type { FileStore } from '../../files/file-store.ts';
import { readMessage, updateKey } from './inbound.ts';
import { multiKeyboard, pressedLabel, renderViews, toggleLabels } from './render.ts';
import { fetchFile, sendStoredFile, TELEGRAM_DOWNLOAD_LIMIT } from './files.ts';
import type { LinkConfig } from '../../files/download-links.ts';

/**
 * The assistant as a Telegram bot: each update becomes one message to the router (its key the update's id, so a
 * redelivered update changes nothing), replies leave through the outbox and are laid out here — text with an inline
 * keyboard, files as documents — paced within Telegram's limits. Only private chats are served.
 */

export interface TelegramChannelOptions {
  token: string;
  /** Another Bot API server (a local one, or a test stand-in); default Telegram's. */
  apiRoot?: string;
  router: Router;
  sql: SqlDatabase;
  store: FileStore;
  /** Known in tests: the bot then makes no getMe call. */
  botInfo?: UserFromGetMe;
  pacing?: { perChatMs: number; perSecond: number };
  downloadLimit?: number;
  /** How often the sender looks for pushes written by other processes (ms). */
  pollMs?: number;
  /** Download links for files over Telegram's 50 MB (SHENBAO_PUBLIC_URL), or null. */
  links?: LinkConfig | null;
  log?: (line: string) => void;
}

/** The data of the button left on an answered question: pressing it again only says so. */
const ANSWERED_DATA = 'answered';

export class TelegramChannel {
  readonly bot: Bot;
  readonly sender: OutboxSender;
  private readonly apiRoot: string;
  private readonly pacer: Pacer;
  /** Each chat's message whose buttons are live: they are taken away when the next message goes out. */
  private readonly liveKeyboards = new Map<string, number>();
  /** Each progress key's message (edited as a job goes on). */
  private readonly progressMessages = new Map<string, number>();

  constructor(private readonly options: TelegramChannelOptions) {
    this.apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/$/, '');
    this.bot = new Bot(options.token, { botInfo: options.botInfo, client: { apiRoot: this.apiRoot } });
    // 429 and 5xx are retried, but not for ever: a send stuck behind a long ban is retried later by the outbox.
    this.bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 }));
    this.pacer = new Pacer(options.pacing ?? { perChatMs: 1000, perSecond: 30 });
    this.sender = new OutboxSender({ sql: options.sql, channel: 'telegram', deliver: (chatId, views) => this.deliver(chatId, views), pollMs: options.pollMs, log: options.log });
    this.bot.use((ctx) => this.onUpdate(ctx));
    this.bot.catch((error) => this.log(`[telegram] update ${error.ctx.update.update_id} failed: ${describe(error.error)}`));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** One update: never throws (a failure is recorded and, where it helps, told to the person). */
  private async onUpdate(ctx: Context): Promise<void> {
    const chat = ctx.chat;
    if (!chat) return;
    try {
      if (chat.type !== 'private') return await this.refuseGroup(ctx, chat.id);
      if (ctx.callbackQuery) return await this.onPress(ctx, ctx.callbackQuery);
      const message = ctx.message ?? ctx.editedMessage;
      if (!message || !ctx.from) return;
      const input = readMessage(message, Boolean(ctx.editedMessage));
      if (input.kind === 'ignore') return;
      const base = this.inboundBase(ctx);
      if (input.kind === 'text') await this.options.router.handle({ ...base, text: input.text });
      else if (input.kind === 'unsupported') await this.options.router.handle({ ...base, unsupported: input.what });
      else {
        const file = await fetchFile(this.bot.api, this.apiRoot, this.options.token, this.options.store, input.file, this.options.downloadLimit ?? TELEGRAM_DOWNLOAD_LIMIT).catch((error) => {
          this.log(`[telegram] update ${ctx.update.update_id}: file not fetched: ${describe(error)}`);
          return null;
        });
        if (!file) return void (await ctx.reply(FILE_NOT_FETCHED).catch(() => undefined));
        await this.options.router.handle({ ...base, file });
      }
      this.sender.kick();
    } catch (error) {
      this.log(`[telegram] update ${ctx.update.update_id} failed: ${describe(error)}`);
      // The database stayed out of reach: the person is told; nothing saved is lost, and the message can be sent again.
      if (error instanceof DatabaseUnavailableError) await ctx.reply(error.chinese).catch(() => undefined);
    }
  }

  private inboundBase(ctx: Context): Omit<Inbound, 'channel'> & { channel: 'telegram' } {
    const from = ctx.from!;
    return {
      channel: 'telegram',
      chatId: String(ctx.chat!.id),
      userId: String(from.id),
      userName: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
      idempotencyKey: updateKey(this.bot.botInfo.id, ctx.update),
    };
  }

  /** A press: a multi-select toggle is redrawn here; anything else is a message to the router, answered in place. */
  private async onPress(ctx: Context, query: CallbackQuery): Promise<void> {
    const data = query.data ?? '';
    if (data === ANSWERED_DATA) return void (await ctx.answerCallbackQuery({ text: ALREADY_ANSWERED }));
    const press = decodePress(data);
    if (!press) return void (await ctx.answerCallbackQuery({ text: PRESS_REFUSED.forged }));
    const markup = query.message?.reply_markup;
    if (press.button.startsWith('t')) {
      const labels = markup ? toggleLabels(markup, press.token) : [];
      const mask = parseInt(press.button.slice(1), 36);
      if (!labels.length || mask >= 2 ** labels.length) return void (await ctx.answerCallbackQuery({ text: PRESS_REFUSED.forged }));
      await ctx.editMessageReplyMarkup({ reply_markup: multiKeyboard(press.token, labels, mask) }).catch((error) => this.log(`[telegram] toggle redraw failed: ${describe(error)}`));
      return void (await ctx.answerCallbackQuery());
    }
    const result = await this.options.router.handle({ ...this.inboundBase(ctx), press });
    await ctx.answerCallbackQuery(result.ack ? { text: result.ack } : {}).catch(() => undefined);
    if (!result.ack && query.message) {
      // The question's buttons give way to the answer chosen, so an old message shows what was answered.
      const label = pressedLabel(markup, data) ?? '已选择';
      const answered: InlineKeyboardMarkup = { inline_keyboard: [[{ text: `✅ ${label}`, callback_data: ANSWERED_DATA }]] };
      const chatId = String(ctx.chat!.id);
      if (this.liveKeyboards.get(chatId) === query.message.message_id) this.liveKeyboards.delete(chatId);
      await ctx.editMessageReplyMarkup({ reply_markup: answered }).catch(() => undefined);
    }
    this.sender.kick();
  }

  /** Said once per group (remembered in the database): the bot works in private chats only. */
  private async refuseGroup(ctx: Context, chatId: number): Promise<void> {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: PRIVATE_CHATS_ONLY }).catch(() => undefined);
    if (!ctx.message) return;
    if (await firstTime(this.options.sql, 'telegram', `telegram:group-notice:${chatId}`)) await ctx.reply(PRIVATE_CHATS_ONLY);
  }

  /** A progress message: sent once, then edited in place (an unchanged text is not an error). */
  private async showProgress(chatId: string, key: string, html: string): Promise<void> {
    const known = this.progressMessages.get(key);
    if (known !== undefined) {
      await this.bot.api.editMessageText(chatId, known, html, { parse_mode: 'HTML' }).catch((error) => {
        if (!(error instanceof GrammyError && /not modified/.test(error.description))) throw error;
      });
      return;
    }
    const sent = await this.bot.api.sendMessage(chatId, html, { parse_mode: 'HTML' });
    this.progressMessages.set(key, sent.message_id);
    if (this.progressMessages.size > 1000) this.progressMessages.delete(this.progressMessages.keys().next().value!);
  }

  /** Lays a reply out and sends it; throws when Telegram did not take it, so the outbox tries again later. */
  async deliver(chatId: string, views: View[]): Promise<void> {
    const messages = renderViews(views);
    const api = this.bot.api;
    try {
      const previous = this.liveKeyboards.get(chatId);
      if (previous !== undefined && messages.some((m) => m.kind !== 'progress')) {
        this.liveKeyboards.delete(chatId);
        await api.editMessageReplyMarkup(chatId, previous, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
      }
      for (const message of messages) {
        await this.pacer.wait(chatId);
        if (message.kind === 'file') {
          await sendStoredFile(api, this.options.sql, this.options.store, chatId, message.file, this.options.links ?? null);
          continue;
        }
        if (message.kind === 'progress') {
          await this.showProgress(chatId, message.key, message.html);
          continue;
        }
        const sent = await api.sendMessage(chatId, message.html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: message.keyboard });
        if (message.keyboard) this.liveKeyboards.set(chatId, sent.message_id);
      }
    } catch (error) {
      // A person who blocked the bot (403) will not get this however often it is tried: recorded and given up.
      if (error instanceof GrammyError && error.error_code === 403) return this.log(`[telegram] chat ${chatId} cannot be reached (403): message dropped`);
      throw error;
    }
  }
}

/** An error as a log line, without anything that could carry the token (grammY's HttpError wraps the request). */
function describe(error: unknown): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.error_code} ${error.description}`;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/bot\d+:[\w-]+/g, 'bot<token>');
}
