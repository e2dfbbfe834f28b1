import type { Readable } from 'node:stream';
import { Client, EventDispatcher, defaultHttpInstance, type HttpInstance } from '@larksuiteoapi/node-sdk';
import type { Router, HandleResult } from '../../bot/router.ts';
import { OutboxSender } from '../../bot/sender.ts';
import { Pacer } from '../../bot/pacer.ts';
import { PRESS_REFUSED, PRESS_TOASTS } from '../../bot/keyboard.ts';
import { FILE_NOT_FETCHED, PRIVATE_CHATS_ONLY, fileMissing, fileTooBigToSend } from '../../bot/handlers/unsupported.ts';
import type { Inbound, InboundFile } from '../../bot/messages.ts';
import type { FileView, View } from '../../bot/views.ts';
import { DatabaseUnavailableError } from '../../store/connect-postgres.ts';
import type { SqlDatabase } from '../../store/sql.ts';
import { firstTime } from '../../store/once.ts';
import { findFile } from '../../store/file-records.ts';
import { addApiCalls } from '../../store/api-usage.ts';
import { FileStore, FileTooLargeError } from '../../files/file-store.ts';
import { downloadLink, type LinkConfig } from '../../files/download-links.ts';
import { answeredCard, answeredVersion, clickPress, renderFeishu, type Card } from './cards.ts';
import { CardActionEventSchema, MessageEventSchema, clickKey, messageKey, readMessage, type FeishuResource } from './inbound.ts';

/**
 * The assistant as a Feishu bot: message events and card clicks become messages to the router (a message keyed by its
 * message_id, a click by its event_id, so Feishu's re-pushes change nothing); replies leave through the outbox as cards,
 * each send carrying a uuid so a retried send is shown once; paced within 5 messages/s per chat and 50/s per app.
 * Only private (p2p) chats are served. How events arrive (long connection or webhook) is start.ts's business: both hand
 * them to `dispatcher`.
 */

export interface FeishuChannelOptions {
  appId: string;
  appSecret: string;
  /** https://open.feishu.cn, https://open.larksuite.com, or a private deployment's address. */
  domain: string;
  router: Router;
  sql: SqlDatabase;
  store: FileStore;
  encryptKey?: string;
  verificationToken?: string;
  pacing?: { perChatMs: number; perSecond: number };
  /** Files people send are fetched up to this size (Feishu serves at most 100 MB). */
  downloadLimit?: number;
  /** How long a card click may take before Feishu's 3 s run out: then it is answered “working on it”. */
  clickBudgetMs?: number;
  pollMs?: number;
  /** Download links for files over Feishu's 30 MB (SHENBAO_PUBLIC_URL), or null. */
  links?: LinkConfig | null;
  log?: (line: string) => void;
}

export const FEISHU_DOWNLOAD_LIMIT = 100 * 1024 * 1024;
/** Feishu's file upload limit (im/v1/files). */
export const FEISHU_UPLOAD_LIMIT = 30 * 1024 * 1024;

/** Feishu's answer to downloading a resource over 100 MB. */
const TOO_BIG_TO_DOWNLOAD = 234037;
/** Codes that mean “slow down” (app-wide, per chat, per tenant). */
const RATE_LIMITED = new Set([99991400, 230020, 11232, 11233]);
/** Codes that mean the chat cannot be reached however often it is tried (bot not in it, person left, chat gone). */
const UNREACHABLE = new Set([230002, 230013, 230006, 230017, 232009]);

/** A quiet logger for the SDK: its own info lines would bury ours, and its error lines come back to us as errors. */
const QUIET = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined };

export class FeishuChannel {
  readonly client: Client;
  readonly dispatcher: EventDispatcher;
  readonly sender: OutboxSender;
  private readonly pacer: Pacer;
  /** Each chat's events in arrival order (Feishu pushes them concurrently); the database orders across processes. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Cards recently sent, by message id: a click on one is answered with the same card, answered (see answeredVersion). */
  private readonly sentCards = new Map<string, Card>();
  /** Each progress key's card (patched as a job goes on). */
  private readonly progressCards = new Map<string, string>();
  /** API calls not yet added to the month's count. */
  private unsavedCalls = 0;
  private usageTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: FeishuChannelOptions) {
    this.client = new Client({ appId: options.appId, appSecret: options.appSecret, domain: options.domain, logger: QUIET, httpInstance: this.countingHttp() });
    this.pacer = new Pacer(options.pacing ?? { perChatMs: 200, perSecond: 50 });
    this.sender = new OutboxSender({ sql: options.sql, channel: 'feishu', deliver: (chatId, views, entry) => this.deliver(chatId, views, entry), pollMs: options.pollMs, log: options.log });
    this.dispatcher = new EventDispatcher({ encryptKey: options.encryptKey, verificationToken: options.verificationToken, logger: QUIET }).register({
      'im.message.receive_v1': (data: unknown) => this.onMessage(data),
      'card.action.trigger': (data: unknown) => this.onClick(data),
    } as never);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Starts the sender and the bookkeeping of API calls. */
  start(): void {
    this.sender.start();
    this.usageTimer = setInterval(() => void this.saveUsage(), 10_000);
    this.usageTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.usageTimer) clearInterval(this.usageTimer);
    await this.sender.stop();
    await Promise.allSettled([...this.chains.values()]);
    await this.saveUsage();
  }

  /** Every HTTP call the SDK makes is counted (the monthly quota counts them all). */
  private countingHttp(): HttpInstance {
    const http = defaultHttpInstance as unknown as HttpInstance;
    const count = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => {
      this.unsavedCalls++;
      return fn(...args);
    };
    return {
      request: count((opts) => http.request(opts)),
      get: count((url, opts) => http.get(url, opts)),
      delete: count((url, opts) => http.delete(url, opts)),
      head: count((url, opts) => http.head(url, opts)),
      options: count((url, opts) => http.options(url, opts)),
      post: count((url, data, opts) => http.post(url, data, opts)),
      put: count((url, data, opts) => http.put(url, data, opts)),
      patch: count((url, data, opts) => http.patch(url, data, opts)),
    } as HttpInstance;
  }

  private async saveUsage(): Promise<void> {
    const calls = this.unsavedCalls;
    this.unsavedCalls = 0;
    await addApiCalls(this.options.sql, 'feishu', calls).catch((error) => {
      this.unsavedCalls += calls;
      this.log(`[feishu] API call count not saved: ${describe(error)}`);
    });
  }

  /** Runs `work` after the chat's earlier events. */
  private inOrder<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.chains.set(chatId, next);
    void next.finally(() => {
      if (this.chains.get(chatId) === next) this.chains.delete(chatId);
    }).catch(() => undefined);
    return next;
  }

  /** A message event. Feishu waits for this to return (3 s) before it counts the event delivered. */
  private async onMessage(data: unknown): Promise<Record<string, never>> {
    const parsed = MessageEventSchema.safeParse(data);
    if (!parsed.success) {
      this.log('[feishu] message event of an unknown shape ignored');
      return {};
    }
    const { message, sender } = parsed.data;
    if (sender.sender_type && sender.sender_type !== 'user') return {};
    const chatId = message.chat_id;
    const work = this.inOrder(chatId, async () => {
      try {
        if (message.chat_type !== 'p2p') return await this.refuseGroup(chatId);
        const input = readMessage(parsed.data);
        if (input.kind === 'ignore') return;
        const base: Inbound = { channel: 'feishu', chatId, userId: sender.sender_id.open_id, idempotencyKey: messageKey(message.message_id) };
        if (input.kind === 'text') await this.options.router.handle({ ...base, text: input.text });
        else if (input.kind === 'unsupported') await this.options.router.handle({ ...base, unsupported: input.what });
        else {
          const file = await this.fetchFile(input.resource).catch((error) => {
            this.log(`[feishu] message ${message.message_id}: file not fetched: ${describe(error)}`);
            return null;
          });
          if (!file) return void (await this.sendText(chatId, FILE_NOT_FETCHED).catch(() => undefined));
          await this.options.router.handle({ ...base, file });
        }
        this.sender.kick();
      } catch (error) {
        this.log(`[feishu] message ${message.message_id} failed: ${describe(error)}`);
        if (error instanceof DatabaseUnavailableError) await this.sendText(chatId, error.chinese).catch(() => undefined);
      }
    });
    // Most messages are saved before Feishu is answered; a slow one (a large file) goes on after the answer.
    await Promise.race([work, sleep(this.options.clickBudgetMs ?? 2500)]);
    return {};
  }

  /** A card click: answered in the callback itself with a toast and the card shown in place of the buttons. */
  private async onClick(data: unknown): Promise<Record<string, unknown>> {
    const parsed = CardActionEventSchema.safeParse(data);
    if (!parsed.success) return { toast: { type: 'error', content: PRESS_REFUSED.forged } };
    const { action, context, operator, event_id } = parsed.data;
    const value = (action.value ?? {}) as { k?: unknown; l?: unknown };
    const press = clickPress(action.value, action.form_value);
    if (!press) return { toast: { type: 'error', content: PRESS_REFUSED.forged } };
    const chatId = context.open_chat_id;
    const work = this.inOrder(chatId, async () => {
      const result = await this.options.router.handle({ channel: 'feishu', chatId, userId: operator.open_id, press, idempotencyKey: clickKey(event_id) });
      this.sender.kick();
      return result;
    }).catch((error): HandleResult | null => {
      this.log(`[feishu] click ${event_id} failed: ${describe(error)}`);
      return null;
    });
    const result = await Promise.race([work, sleep(this.options.clickBudgetMs ?? 2500).then(() => 'late' as const)]);
    if (result === 'late') {
      // Feishu has been answered “working on it”: a click refused in the end is said in the chat instead.
      void work.then((late) => (late?.ack ? this.sendText(chatId, late.ack) : undefined)).catch(() => undefined);
      return { toast: { type: 'info', content: PRESS_TOASTS.working } };
    }
    if (!result) return { toast: { type: 'error', content: PRESS_TOASTS.failed } };
    if (result.ack) return { toast: { type: 'warning', content: result.ack } };
    if (result.duplicate) return {};
    const label = press.text !== undefined ? press.text : typeof value.l === 'string' && value.l && !press.button.startsWith('m') ? value.l : '所选各项';
    const sent = context.open_message_id ? this.sentCards.get(context.open_message_id) : undefined;
    return { toast: { type: 'success', content: PRESS_TOASTS.chosen(label) }, card: { type: 'raw', data: sent ? answeredVersion(sent, label) : answeredCard('已回答', label) } };
  }

  /** Said once per group chat (remembered in the database): the bot works in private chats only. */
  private async refuseGroup(chatId: string): Promise<void> {
    if (await firstTime(this.options.sql, 'feishu', `feishu:group-notice:${chatId}`)) await this.sendText(chatId, PRIVATE_CHATS_ONLY);
  }

  /** Streams a file or image a person sent into the file store (at most 100 MB). */
  private async fetchFile(resource: FeishuResource): Promise<InboundFile> {
    const limit = this.options.downloadLimit ?? FEISHU_DOWNLOAD_LIMIT;
    const response = await this.client.im.v1.messageResource
      .get({ path: { message_id: resource.messageId, file_key: resource.key }, params: { type: resource.type } })
      .catch(async (error: unknown) => {
        // Feishu will not hand over a resource over 100 MB (234037); its size is not said.
        if ((await streamedCode(error)) === TOO_BIG_TO_DOWNLOAD) return null;
        throw error;
      });
    if (!response) return { name: resource.name, size: 0, limit };
    const headers = (response as { headers?: Record<string, unknown> }).headers ?? {};
    const mime = typeof headers['content-type'] === 'string' ? headers['content-type'].split(';')[0] : undefined;
    const declared = Number(headers['content-length'] ?? 0);
    if (declared > limit) return { name: resource.name, size: declared, mime, limit };
    try {
      const stored = await this.options.store.put(response.getReadableStream() as Readable, limit);
      return { name: resource.name, size: stored.size, mime, sha256: stored.sha256 };
    } catch (error) {
      if (error instanceof FileTooLargeError) return { name: resource.name, size: Math.max(declared, limit + 1), mime, limit };
      throw error;
    }
  }

  private async sendText(chatId: string, text: string): Promise<void> {
    await this.send(chatId, 'text', { text });
  }

  /** One message (its id); a rate-limit answer is waited out (three times at most) before the outbox's retry takes over. */
  private async send(chatId: string, msgType: string, content: unknown, uuid?: string): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      await this.pacer.wait(chatId);
      const { code, id } = await this.client.im.v1.message
        .create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: msgType, content: JSON.stringify(content), uuid } })
        .then((r) => ({ code: r.code ?? 0, id: r.data?.message_id }), (error: unknown) => ({ code: codeOf(error), id: undefined }));
      if (code === 0) return id;
      if (RATE_LIMITED.has(code) && attempt < 3) {
        await sleep(1000 * attempt);
        continue;
      }
      throw new FeishuSendError(code);
    }
  }

  /** Lays a reply out as cards (and files) and sends it; throws when Feishu did not take it, so the outbox retries. */
  async deliver(chatId: string, views: View[], entry: { id: string; key?: string }): Promise<void> {
    try {
      for (const [i, out] of renderFeishu(views).entries()) {
        // The same entry sent again (after a crash or a failed part) is shown once: Feishu keeps a uuid for an hour. A
        // reminder's entry uses the reminder's own key, so a reminder written twice is still shown once.
        const uuid = `${entry.key ?? `shenbao-${entry.id}`}-${i}`;
        if (out.kind === 'card') this.remember(await this.send(chatId, 'interactive', out.card, uuid), out.card);
        else if (out.kind === 'progress') await this.showProgress(chatId, out.key, out.card, uuid);
        else await this.sendFile(chatId, out.file, uuid);
      }
    } catch (error) {
      if (error instanceof FeishuSendError && UNREACHABLE.has(error.code)) return this.log(`[feishu] chat ${chatId} cannot be reached (${error.code}): message dropped`);
      throw error;
    }
  }

  /** A progress card: sent once, then patched in place. */
  private async showProgress(chatId: string, key: string, card: Card, uuid: string): Promise<void> {
    const known = this.progressCards.get(key);
    if (known) {
      await this.pacer.wait(chatId);
      await this.client.im.v1.message.patch({ path: { message_id: known }, data: { content: JSON.stringify(card) } });
      return;
    }
    const id = await this.send(chatId, 'interactive', card, uuid);
    if (id) this.progressCards.set(key, id);
  }

  private remember(messageId: string | undefined, card: Card): void {
    if (!messageId || !JSON.stringify(card.body).includes('"behaviors"')) return;
    this.sentCards.set(messageId, card);
    if (this.sentCards.size > 1000) this.sentCards.delete(this.sentCards.keys().next().value!);
  }

  private async sendFile(chatId: string, view: FileView, uuid: string): Promise<void> {
    const record = await findFile(this.options.sql, view.fileId);
    const { store } = this.options;
    if (!record || !store.has(record.sha256)) return void (await this.sendText(chatId, fileMissing(view.name)));
    if (record.size > FEISHU_UPLOAD_LIMIT) {
      const link = this.options.links ? downloadLink(this.options.links, record.id, view.name) : undefined;
      return void (await this.sendText(chatId, fileTooBigToSend(view.name, FEISHU_UPLOAD_LIMIT / 1024 / 1024, link)));
    }
    const uploaded = await this.client.im.v1.file.create({ data: { file_type: fileType(view.name), file_name: view.name, file: store.open(record.sha256) } });
    if (!uploaded?.file_key) throw new Error('file upload returned no file_key');
    await this.send(chatId, 'file', { file_key: uploaded.file_key }, uuid);
    if (view.text) await this.send(chatId, 'text', { text: view.text }, `${uuid}-c`);
  }
}

class FeishuSendError extends Error {
  constructor(readonly code: number) {
    super(`Feishu refused the message (code ${code})`);
  }
}

/** Feishu's file types for upload: no xlsx or docx of its own (xlsx goes as `stream`). */
function fileType(name: string): 'opus' | 'mp4' | 'pdf' | 'doc' | 'xls' | 'ppt' | 'stream' {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  if (ext === 'pdf') return 'pdf';
  if (ext === 'doc' || ext === 'docx') return 'doc';
  if (ext === 'xls') return 'xls';
  if (ext === 'ppt' || ext === 'pptx') return 'ppt';
  return 'stream';
}

/** Feishu's code from a failed call (the SDK throws the HTTP error, its body carrying `code`). */
function codeOf(error: unknown): number {
  const body = (error as { response?: { data?: { code?: unknown } } })?.response?.data;
  return typeof body?.code === 'number' ? body.code : -1;
}

/** The code of a failed download: the SDK asked for a stream, so the error's body is one (a small JSON). */
async function streamedCode(error: unknown): Promise<number> {
  const body = (error as { response?: { data?: unknown } })?.response?.data;
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return codeOf(error);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(Buffer.from(chunk));
    if ((size += chunk.length) > 64 * 1024) break;
  }
  try {
    const code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'number' ? code : -1;
  } catch {
    return -1;
  }
}

function describe(error: unknown): string {
  if (error instanceof FeishuSendError) return error.message;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === -1 ? message : `${message} (code ${code})`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

