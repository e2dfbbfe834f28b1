// A local stand-in for the Telegram Bot API that the real grammY bot can long-poll in integration tests.
//
// telegram-test-api (its express server, its storage of updates and bot messages, its message/update id counters)
// does the core; a small front server on another port adds what it lacks or gets wrong for grammY:
// - getUpdates honours `offset`/`limit` (the emulator's own marks every update read once sent, ignoring both, so an
//   update in flight when grammY stops, or beyond `limit: 1` in its final confirming call, would be lost) and holds an
//   empty answer up to `timeout` (capped, see MAX_HOLD_SECONDS) instead of answering at once: no busy-looping bot;
// - files: getFile, downloads, sendDocument/sendPhoto (multipart uploads), users sending documents and photos;
// - edits as Telegram does them (an edit without reply_markup drops the inline keyboard), answerCallbackQuery checking
//   the query id, setMyCommands & co., sendChatAction, setChatMenuButton;
// - Telegram's refusals a bot must cope with: empty or over-long text, over-long captions, an edit that changes
//   nothing ("message is not modified"), getFile of a file over 20 MB;
// - a record of every call, and errors on demand (failNext).
// User updates are injected straight into the emulator's storage, taking its counters synchronously: its own
// addUserMessage/addUserCallback bump them only after an await, so two sends at once would share a message id.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Chat, Document, ForceReply, InlineKeyboardMarkup, Message, PhotoSize, ReplyKeyboardMarkup, ReplyKeyboardRemove, User } from 'grammy/types';
// The package's main entry is `module.exports = TelegramServer` while its types say `export default`; this file
// exports it by name, which Node's ESM loader and the declarations agree on.
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import {
  badRequest, freePort, guessMimeType, ok, readApiRequest, sendAnswer, sendJson, toInteger, visibleLength,
  type ApiAnswer, type ApiError, type ApiRequest,
} from './telegram-emulator-http.ts';
import { FileRegistry, type StoredFile } from './telegram-emulator-files.ts';

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

export interface ApiCall {
  method: string;
  /** The parameters as sent; an uploaded file appears as `{ fileName, mimeType, size }`. */
  params: Record<string, unknown>;
  /** Date.now() when the call arrived. */
  at: number;
  /** Whether it succeeded; undefined while it is being answered. */
  ok?: boolean;
}

/** A message the bot sent to a chat, as it looks now (after any edits). */
export interface BotMessage {
  message_id: number;
  /** The text, or the caption of a document or photo ('' when there is none). */
  text: string;
  reply_markup?: ReplyMarkup;
  parse_mode?: string;
  document?: { fileName: string; mimeType: string; bytes: Buffer; caption?: string };
  photo?: { bytes: Buffer; caption?: string };
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
}

export interface UserOptions {
  userId?: number;
  /** Defaults to the user id in a private chat, a negative id in a group. */
  chatId?: number;
  firstName?: string;
  chatType?: 'private' | 'group';
}

export interface EmulatedUser {
  readonly userId: number;
  readonly chatId: number;
  /** A message with this text (none when ''), `/commands` with their bot_command entity; `extra` adds or overrides fields. */
  sendText(text: string, extra?: Record<string, unknown>): Promise<Message>;
  /** `size` claims a file_size other than bytes.length (say 60 MB) without allocating it. */
  sendDocument(file: { fileName: string; bytes: Buffer; mimeType?: string; size?: number; caption?: string }): Promise<Message>;
  sendPhoto(photo: { bytes: Buffer; size?: number; caption?: string }): Promise<Message>;
  /** Presses an inline button of a bot message; refuses a button the message does not show now unless `unchecked`. Returns the query id. */
  press(message: Pick<BotMessage, 'message_id'>, callbackData: string, options?: { unchecked?: boolean }): Promise<string>;
  botMessages(): BotMessage[];
  /** Resolves once the chat holds at least `count` bot messages in all. */
  waitForBotMessages(count: number, timeoutMs?: number): Promise<BotMessage[]>;
  /** The successful answerCallbackQuery calls for this user's presses. */
  callbackAnswers(): CallbackAnswer[];
}

export interface TelegramEmulator {
  /** Give it to grammY: `new Bot(token, { client: { apiRoot } })`. */
  readonly apiRoot: string;
  readonly token: string;
  /** Who the bot is (what getMe answers). */
  readonly botInfo: User;
  /** Every Bot API call, in arrival order. */
  readonly calls: ApiCall[];
  /** The underlying telegram-test-api server. */
  readonly server: TelegramServer;
  callsOf(method: string): ApiCall[];
  user(options?: UserOptions): EmulatedUser;
  /** The next `times` calls of `method` fail with this error (HTTP status = error_code). */
  failNext(method: string, error: Omit<ApiError, 'ok'>, times?: number): void;
  close(): Promise<void>;
}

// telegram-test-api's storage and counters (private in its declarations).
interface StoredUpdate { time: number; botToken: string; updateId: number; messageId: number; isRead: boolean }
interface StoredCallbackQuery { from: User; message: Record<string, unknown>; data: string; chat_instance?: string }
interface StoredUserUpdate extends StoredUpdate { message?: Record<string, unknown>; callbackQuery?: StoredCallbackQuery; callbackId?: number }
interface StoredBotMessage extends StoredUpdate { message: Record<string, unknown> }
interface EmulatorInternals {
  updateId: number;
  messageId: number;
  callbackId: number;
  storage: { userMessages: StoredUserUpdate[]; botMessages: StoredBotMessage[] };
  addBotMessage(message: Record<string, unknown>, botToken: string): { message_id: number };
  emit(event: string): boolean;
}

/** The bot as telegram-test-api's getMe describes it. */
const BOT: User = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
/** Longest hold of an empty getUpdates, whatever `timeout` asks, so that tests shut down quickly. */
const MAX_HOLD_SECONDS = 2;
const POLL_MS = 20;
const NOT_MODIFIED = 'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

async function startBackend(): Promise<TelegramServer> {
  // freePort() can race another process for the port: retry.
  for (let attempt = 1; ; attempt++) {
    const server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 3600 });
    try {
      await server.start();
      return server;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export async function startTelegramEmulator(options: { token?: string } = {}): Promise<TelegramEmulator> {
  const token = options.token ?? '123456789:TEST-telegram-emulator';
  const server = await startBackend();
  const state = server as unknown as EmulatorInternals;
  const calls: ApiCall[] = [];
  const failures = new Map<string, Omit<ApiError, 'ok'>[]>();
  const files = new FileRegistry();
  const chats = new Map<number, Chat>();
  const commands = new Map<string, unknown>();
  const answeredQueries = new Set<string>();
  const inflight = new Set<Promise<void>>();
  let closing = false;
  let nextUserId = 1001;

  const chatOf = (chatId: number): Chat => chats.get(chatId) ?? { id: chatId, type: 'private', first_name: 'Someone' };
  const userUpdates = () => state.storage.userMessages.filter((u) => u.botToken === token);
  const botMessagesOf = (chatId: number) =>
    state.storage.botMessages.filter((u) => u.botToken === token && String(u.message.chat_id) === String(chatId)).sort((a, b) => a.messageId - b.messageId);
  const findBotMessage = (chatId: unknown, messageId: unknown) => botMessagesOf(Number(chatId)).find((u) => u.messageId === Number(messageId));

  function injectMessage(fields: Record<string, unknown>): Message {
    const messageId = state.messageId++;
    const message = { message_id: messageId, date: nowSeconds(), ...fields };
    state.storage.userMessages.push({ time: Date.now(), botToken: token, updateId: state.updateId++, messageId, isRead: false, message });
    state.emit('AddedUserMessage');
    return message as unknown as Message;
  }
  function injectCallback(callbackQuery: StoredCallbackQuery): string {
    const callbackId = state.callbackId++;
    state.storage.userMessages.push({ time: Date.now(), botToken: token, updateId: state.updateId++, messageId: state.messageId, isRead: false, callbackQuery, callbackId });
    state.emit('AddedUserCallbackQuery');
    return String(callbackId);
  }

  // A stored bot message (sendMessage's parameters, as the emulator keeps them) as Telegram's Message object.
  function asMessage(stored: StoredBotMessage): Record<string, unknown> {
    const m = stored.message;
    const message: Record<string, unknown> = { message_id: stored.messageId, from: BOT, chat: chatOf(Number(m.chat_id)), date: Math.floor(stored.time / 1000) };
    for (const key of ['text', 'entities', 'caption', 'caption_entities', 'document', 'photo', 'edit_date']) if (m[key] !== undefined) message[key] = m[key];
    const markup = m.reply_markup as ReplyMarkup | undefined;
    if (markup && 'inline_keyboard' in markup) message.reply_markup = markup;
    return message;
  }
  function toBotMessage(stored: StoredBotMessage): BotMessage {
    const m = stored.message;
    const caption = str(m.caption);
    const result: BotMessage = { message_id: stored.messageId, text: str(m.text) ?? caption ?? '' };
    if (m.reply_markup !== undefined) result.reply_markup = m.reply_markup as ReplyMarkup;
    if (typeof m.parse_mode === 'string') result.parse_mode = m.parse_mode;
    const document = m.document as Document | undefined;
    if (document) result.document = { fileName: document.file_name ?? '', mimeType: document.mime_type ?? '', bytes: files.bytesOf(document.file_id), caption };
    const photo = m.photo as PhotoSize[] | undefined;
    if (photo?.length) result.photo = { bytes: files.bytesOf(photo[photo.length - 1].file_id), caption };
    return result;
  }
  // Update objects as Telegram sends them (the emulator's own formatting leaks its botToken field into messages).
  function toUpdate(u: StoredUserUpdate): Record<string, unknown> {
    if (u.callbackQuery) {
      const { from, message, data, chat_instance } = u.callbackQuery;
      const chat = message.chat as Chat | undefined;
      return { update_id: u.updateId, callback_query: { id: String(u.callbackId), from, message, chat_instance: chat_instance ?? String(chat?.id ?? 0), data } };
    }
    const { botToken: _botToken, ...message } = u.message ?? {};
    return { update_id: u.updateId, message: { ...message, message_id: u.messageId } };
  }

  async function forward(method: string, params: Record<string, unknown>): Promise<ApiAnswer> {
    const response = await fetch(`${server.config.apiURL}/bot${token}/${method}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params),
    });
    const body = (await response.json()) as { ok?: boolean; result?: unknown; message?: string };
    if (body.ok === true) return ok(body.result ?? true); // the emulator answers null where Telegram answers true
    if (body.ok === false) return body as ApiError;
    const description = body.message ?? `HTTP ${response.status}`;
    return { ok: false, error_code: /is not supported/.test(description) ? 404 : response.status, description };
  }

  async function getUpdates({ params }: ApiRequest, gone: () => boolean): Promise<ApiAnswer> {
    const offset = toInteger(params.offset) ?? 0;
    const limit = Math.min(Math.max(toInteger(params.limit) ?? 100, 1), 100);
    const deadline = Date.now() + Math.min(Math.max(toInteger(params.timeout) ?? 0, 0), MAX_HOLD_SECONDS) * 1000;
    // Updates below the offset are confirmed: never sent again.
    for (const u of userUpdates()) if (u.updateId < offset) u.isRead = true;
    for (;;) {
      const pending = userUpdates().filter((u) => !u.isRead && u.updateId >= offset).sort((a, b) => a.updateId - b.updateId);
      if (pending.length > 0 || Date.now() >= deadline || gone()) return ok(pending.slice(0, limit).map(toUpdate));
      await delay(POLL_MS);
    }
  }

  function sendMedia(kind: 'document' | 'photo', { params, uploads }: ApiRequest): ApiAnswer {
    const upload = uploads.get(kind);
    const reference = str(params[kind]);
    let file: StoredFile | undefined;
    if (upload) file = files.add({ ...upload, size: upload.bytes.length }, kind === 'photo' ? 'photos' : 'documents');
    else if (reference !== undefined && files.get(reference)) file = files.get(reference);
    else if (reference !== undefined && /^https?:\/\//.test(reference)) {
      const fileName = basename(new URL(reference).pathname) || 'file';
      file = files.add({ fileName, mimeType: guessMimeType(fileName), bytes: Buffer.alloc(0), size: 0 }, 'documents');
    }
    if (reference === undefined && !upload) return badRequest(`there is no ${kind} in the request`);
    if (!file) return badRequest('wrong file identifier/HTTP URL specified');
    const caption = str(params.caption);
    if (caption !== undefined && visibleLength(caption, params.parse_mode) > 1024) return badRequest('message caption is too long');
    const media = kind === 'document' ? { document: FileRegistry.document(file) } : { photo: files.photo(file.bytes, file.size) };
    const { [kind]: _file, ...rest } = params;
    const { message_id } = state.addBotMessage({ ...rest, ...media }, token);
    const stored = findBotMessage(params.chat_id, message_id);
    return ok(stored ? asMessage(stored) : { message_id, ...media });
  }

  // Telegram's edit semantics: the markup sent replaces the old one, none removes the inline keyboard.
  function edit(kind: 'text' | 'caption' | 'markup', { params }: ApiRequest): ApiAnswer {
    if (params.inline_message_id !== undefined) return ok(true);
    const stored = findBotMessage(params.chat_id, params.message_id);
    if (!stored) return badRequest('message to edit not found');
    const next: Record<string, unknown> = { ...stored.message };
    const fields = kind === 'text' ? ['text', 'parse_mode', 'entities'] : kind === 'caption' ? ['caption', 'parse_mode', 'caption_entities'] : [];
    for (const key of [...fields, 'reply_markup']) {
      if (params[key] === undefined) delete next[key];
      else next[key] = params[key];
    }
    const markup = next.reply_markup as InlineKeyboardMarkup | undefined;
    if (markup?.inline_keyboard?.length === 0) delete next.reply_markup;
    if (kind === 'text') {
      const newText = str(next.text) ?? '';
      if (newText.trim() === '') return badRequest('message text is empty');
      if (visibleLength(newText, next.parse_mode) > 4096) return badRequest('message is too long');
    }
    const visible = (m: Record<string, unknown>) => JSON.stringify([m.text, m.caption, m.parse_mode, m.entities, m.caption_entities, m.reply_markup]);
    if (visible(next) === visible(stored.message)) return badRequest(NOT_MODIFIED);
    stored.message = { ...next, edit_date: nowSeconds() };
    state.emit(kind === 'markup' ? 'EditedMessageReplyMarkup' : 'EditedMessageText');
    return ok(asMessage(stored));
  }

  const commandsKey = (params: Record<string, unknown>) => JSON.stringify([params.scope ?? { type: 'default' }, params.language_code ?? '']);
  type Handler = (request: ApiRequest, gone: () => boolean) => ApiAnswer | Promise<ApiAnswer>;
  const handlers: Record<string, Handler> = {
    getUpdates,
    async deleteWebhook({ params }) {
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') for (const u of userUpdates()) u.isRead = true;
      return forward('deleteWebhook', params);
    },
    async sendMessage({ params }) {
      const body = str(params.text) ?? '';
      if (body.trim() === '') return badRequest('message text is empty');
      if (visibleLength(body, params.parse_mode) > 4096) return badRequest('message is too long');
      const answer = await forward('sendMessage', params);
      if (!answer.ok) return answer;
      const stored = findBotMessage(params.chat_id, (answer.result as { message_id: number }).message_id);
      return stored ? ok(asMessage(stored)) : answer;
    },
    editMessageText: (request) => edit('text', request),
    editMessageCaption: (request) => edit('caption', request),
    editMessageReplyMarkup: (request) => edit('markup', request),
    answerCallbackQuery({ params }) {
      const id = String(params.callback_query_id);
      const known = userUpdates().some((u) => u.callbackQuery && String(u.callbackId) === id);
      if (!known || answeredQueries.has(id)) return badRequest('query is too old and response timeout expired or query ID is invalid');
      answeredQueries.add(id);
      return ok(true);
    },
    sendDocument: (request) => sendMedia('document', request),
    sendPhoto: (request) => sendMedia('photo', request),
    getFile: ({ params }) => files.describe(params.file_id),
    setMyCommands({ params }) {
      commands.set(commandsKey(params), params.commands ?? []);
      return ok(true);
    },
    deleteMyCommands({ params }) {
      commands.delete(commandsKey(params));
      return ok(true);
    },
    getMyCommands: ({ params }) => ok(commands.get(commandsKey(params)) ?? []),
    sendChatAction: () => ok(true),
    setChatMenuButton: () => ok(true),
  };

  function serveFile(res: ServerResponse, fileToken: string, path: string): void {
    const file = fileToken === token ? files.byPath(path) : undefined;
    if (!file) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    res.writeHead(200, { 'content-type': file.mimeType, 'content-length': file.bytes.length });
    res.end(file.bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) return serveFile(res, download[1], decodeURIComponent(download[2]));
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (route[1] !== token) return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = route[2];
    // A held getUpdates whose client went away (grammY aborts it on bot.stop()) is released at once.
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    const request = await readApiRequest(req, url);
    const call: ApiCall = { method, params: request.params, at: Date.now() };
    calls.push(call);
    const failure = failures.get(method)?.shift();
    const handler = handlers[method];
    const answer = failure ? { ok: false as const, ...failure } : handler ? await handler(request, () => gone || closing) : await forward(method, request.params);
    call.ok = answer.ok;
    sendAnswer(res, answer);
  }

  const front = createServer((req, res) => {
    const done = handle(req, res).catch((error: unknown) =>
      sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` }));
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  });
  await new Promise<void>((resolve, reject) => front.once('error', reject).listen(0, '127.0.0.1', resolve));
  const apiRoot = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  function user(userOptions: UserOptions = {}): EmulatedUser {
    const userId = userOptions.userId ?? nextUserId++;
    const chatType = userOptions.chatType ?? 'private';
    const firstName = userOptions.firstName ?? `Tester ${userId}`;
    const chatId = userOptions.chatId ?? (chatType === 'private' ? userId : -1_000_000 - userId);
    const from: User = { id: userId, is_bot: false, first_name: firstName };
    const chat: Chat = chatType === 'private' ? { id: chatId, type: 'private', first_name: firstName } : { id: chatId, type: 'group', title: `Group ${chatId}` };
    chats.set(chatId, chat);
    const presses = new Set<string>();
    const send = (fields: Record<string, unknown>) => Promise.resolve(injectMessage({ from, chat, ...fields }));
    const botMessages = () => botMessagesOf(chatId).map(toBotMessage);
    return {
      userId,
      chatId,
      sendText(body, extra = {}) {
        const command = /^\/\S+/.exec(body)?.[0];
        const entities = command ? [{ type: 'bot_command', offset: 0, length: command.length }] : undefined;
        return send({ ...(body === '' ? {} : { text: body }), ...(entities ? { entities } : {}), ...extra });
      },
      sendDocument({ fileName, bytes, mimeType, size, caption }) {
        const file = files.add({ fileName, mimeType: mimeType ?? guessMimeType(fileName), bytes, size: size ?? bytes.length }, 'documents');
        return send({ document: FileRegistry.document(file), ...(caption === undefined ? {} : { caption }) });
      },
      sendPhoto({ bytes, size, caption }) {
        return send({ photo: files.photo(bytes, size ?? bytes.length), ...(caption === undefined ? {} : { caption }) });
      },
      async press(message, callbackData, pressOptions = {}) {
        const stored = findBotMessage(chatId, message.message_id);
        if (!stored) throw new Error(`press: no bot message ${message.message_id} in chat ${chatId}`);
        const markup = stored.message.reply_markup as Partial<InlineKeyboardMarkup> | undefined;
        const buttons = (markup?.inline_keyboard ?? []).flat().flatMap((b) => ('callback_data' in b ? [b.callback_data] : []));
        if (!pressOptions.unchecked && !buttons.includes(callbackData)) {
          throw new Error(`press: message ${message.message_id} shows no button ${JSON.stringify(callbackData)}; its buttons: ${JSON.stringify(buttons)}`);
        }
        const id = injectCallback({ from, message: asMessage(stored), data: callbackData, chat_instance: `chat-${chatId}` });
        presses.add(id);
        return id;
      },
      botMessages,
      async waitForBotMessages(count, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const messages = botMessages();
          if (messages.length >= count) return messages;
          if (Date.now() >= deadline || closing) {
            const seen = messages.map((m) => (m.document ? `[document ${m.document.fileName}] ${m.text}` : m.text));
            throw new Error(`expected ${count} bot message(s) in chat ${chatId} within ${timeoutMs} ms, got ${messages.length}: ${JSON.stringify(seen)}`);
          }
          await delay(10);
        }
      },
      callbackAnswers() {
        return calls
          .filter((c) => c.method === 'answerCallbackQuery' && c.ok === true && presses.has(String(c.params.callback_query_id)))
          .map(({ params }) => ({
            callback_query_id: String(params.callback_query_id),
            ...(params.text === undefined ? {} : { text: String(params.text) }),
            ...(params.show_alert === undefined ? {} : { show_alert: params.show_alert === true || params.show_alert === 'true' }),
          }));
      },
    };
  }

  return {
    apiRoot,
    token,
    botInfo: BOT,
    calls,
    server,
    callsOf: (method) => calls.filter((c) => c.method === method),
    user,
    failNext(method, error, times = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array.from({ length: times }, () => error)]);
    },
    async close() {
      if (closing) return;
      closing = true; // held getUpdates answer within POLL_MS
      await Promise.all(inflight);
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        front.closeAllConnections();
      });
      await server.stop();
    },
  };
}
