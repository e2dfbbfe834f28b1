// A local stand-in for the Feishu (Lark) open platform, for integration tests that run the real
// @larksuiteoapi/node-sdk 1.74: its `Client` (REST) and its `WSClient` + `EventDispatcher` (long connection).
//
//   const standin = await startFeishuStandin();
//   const client = new Client({ appId: standin.appId, appSecret: standin.appSecret, domain: standin.domain });
//   const ws = new WSClient({ appId: standin.appId, appSecret: standin.appSecret, domain: standin.domain });
//   await ws.start({ eventDispatcher });            // returns at once; wait for standin.connections() === 1
//   const user = standin.user();
//   const ack = await user.sendText('你好');        // im.message.receive_v1 over the long connection, then the ack
//   await user.waitForMessages(1);                   // what the bot sent through im/v1/messages
//   ...
//   ws.close({ force: true }); await standin.close();
//
// REST: tenant/app access token, im/v1 messages (create with `uuid` de-duplication for 1 h, reply, PATCH card update,
// PUT edit), message resources (download), files and images (multipart upload), interactive/v1/card/update (delayed
// card update with a callback token). Every call is recorded in `calls` (secrets redacted, no file bytes). Calls
// without `Authorization: Bearer <issued token>` fail with 99991661/99991663; unknown APIs answer HTTP 404 with the
// stand-in's own code 99991404. Error codes: see FeishuCode in feishu-standin-http.ts.
// Long connection: feishu-standin-ws.ts. Frames: feishu-frames.ts.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  FeishuCode, fail, ok, parseJson, parseMultipart, randomHex, readBody, sendJson, type JsonAnswer, type Multipart,
} from './feishu-standin-http.ts';
import { LongConnection, type Ack, type ClientConfig } from './feishu-standin-ws.ts';

export type { Ack, ClientConfig } from './feishu-standin-ws.ts';
export { FeishuCode } from './feishu-standin-http.ts';

export interface FeishuStandinOptions {
  /** Default: a fresh `cli_` + 16 hex digits (WSClient.start() silently does nothing for any other shape). */
  appId?: string;
  appSecret?: string;
  /** What the endpoint and every pong tell the client (seconds). Default: ping 30, reconnect ∞ every 1 s, nonce 0. */
  clientConfig?: Partial<ClientConfig>;
  /** How long a push waits for the client's ack. Default 5000. */
  ackTimeoutMs?: number;
  /** How long a push waits for a live connection. Default 5000. */
  connectWaitMs?: number;
}

export interface ApiCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body; multipart fields with each file as `{ fileName, size }`; secrets replaced by '***'. */
  body: unknown;
  at: number;
  /** HTTP status and Feishu `code` of the answer (set once answered). */
  status?: number;
  code?: number;
}

/** What `failNext` answers with. */
export interface FailureSpec {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Do the real work first (record the message, store the file...), then answer with this failure: a success whose
   * answer was lost, e.g. to test that a retried send with the same `uuid` shows once. */
  afterEffect?: boolean;
  /** Destroy the connection without answering (a network error for the client); `status`/`body` are ignored. */
  destroy?: boolean;
}

/** Ready-made failures (shapes as Feishu documents them; the exact `msg` texts are the stand-in's). */
export const FeishuFailures = {
  /** Gateway frequency limit: HTTP 429, code 99991400, x-ogw-ratelimit-* headers. */
  rateLimited: {
    status: 429,
    body: { code: FeishuCode.rateLimited, msg: 'request trigger frequency limit' },
    headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' },
  },
  /** message/create to one chat too often: HTTP 400, code 230020. */
  chatRateLimited: { status: 400, body: { code: FeishuCode.chatRateLimited, msg: 'This operation triggers the frequency limit.' } },
  /** A plain server error. */
  internal: { status: 500, body: { code: 1, msg: 'internal error' } },
} satisfies Record<string, FailureSpec>;

export interface MessageUpdate {
  content: unknown;
  via: 'patch' | 'put' | 'callback' | 'card.update';
}

/** A message the bot sent, as it looks now. */
export interface BotMessage {
  message_id: string;
  chat_id: string;
  msg_type: string;
  /** Parsed JSON content, after any updates (PATCH, PUT, a callback's `card`, a delayed card update). */
  content: unknown;
  uuid?: string;
  /** Set for replies (`im/v1/messages/:id/reply`). */
  parent_id?: string;
  create_time: string;
  updates: MessageUpdate[];
}

export interface Upload {
  kind: 'file' | 'image';
  key: string;
  file_type?: string;
  file_name?: string;
  image_type?: string;
  bytes: Buffer;
}

export interface UserOptions {
  openId?: string;
  chatId?: string;
  userId?: string;
  unionId?: string;
  name?: string;
}

/** Lets a test redeliver the same message (same `message_id`), as Feishu does, with a new or the same event id. */
export interface DeliveryOptions {
  messageId?: string;
  eventId?: string;
}

export interface CardCallbackResponse {
  toast?: { type: string; content: string; i18n?: Record<string, string> };
  card?: { type: 'raw' | 'template'; data: unknown };
}

export interface FeishuUser {
  readonly openId: string;
  readonly userId: string;
  readonly unionId: string;
  readonly chatId: string;
  readonly name: string;
  sendText(text: string, options?: DeliveryOptions): Promise<Ack>;
  /** A file message `{file_key, file_name}`; its bytes are served by the resources route. The event carries no size:
   * `size` without `bytes` makes the route serve that many filler bytes (over 100 MB it answers 234037). */
  sendFile(file: { fileName: string; bytes?: Buffer; size?: number }, options?: DeliveryOptions): Promise<Ack>;
  sendImage(image: { bytes: Buffer }, options?: DeliveryOptions): Promise<Ack>;
  /** Any message type (sticker, audio, media, post...); `resources` registers downloadable keys used in `content`. */
  sendRaw(
    messageType: string,
    content: Record<string, unknown> | string,
    options?: DeliveryOptions & { resources?: Record<string, Buffer> },
  ): Promise<Ack>;
  /** Clicks a button on a card the bot sent to this chat (`card.action.trigger`); a returned `card` is applied. */
  click(
    messageId: string,
    value: Record<string, unknown>,
    formValue?: Record<string, unknown>,
    action?: Record<string, unknown>,
  ): Promise<Ack<CardCallbackResponse>>;
  messages(): BotMessage[];
  waitForMessages(count: number, timeoutMs?: number): Promise<BotMessage[]>;
}

export interface FeishuStandin {
  /** `http://127.0.0.1:<port>`: the `domain` for `Client` and `WSClient`. */
  readonly domain: string;
  readonly appId: string;
  readonly appSecret: string;
  /** The token the stand-in issues (and accepts) for these credentials. */
  readonly tenantAccessToken: string;
  readonly calls: ApiCall[];
  readonly uploads: Upload[];
  /** Everything the bot sent, in order. */
  sentMessages(): BotMessage[];
  user(options?: UserOptions): FeishuUser;
  /** Pushes any v2 envelope `{schema:'2.0', header:{event_id, event_type,...}, event}` and awaits the ack. */
  push(envelope: EventEnvelope): Promise<Ack>;
  /** The next `times` requests whose path matches fail with `response`. */
  failNext(pathPattern: RegExp, response: FailureSpec, times?: number): void;
  /** Makes `/callback/ws/endpoint` answer this code (not 0, not 1000040343: the client gives up, state `failed`). */
  setEndpointFailure(code: number | null): void;
  /** Pushes payloads in fragments of this many bytes (`sum` > 1); null: whole. */
  setFragmentSize(bytes: number | null): void;
  disconnectAll(): void;
  connections(): number;
  /** Pings received over the long connection. */
  pings(): number;
  close(): Promise<void>;
}

/** A v2 event envelope; only `header.event_id` is required by the stand-in. */
export type EventEnvelope = { header: { event_id: string; [key: string]: unknown } } & Record<string, unknown>;

interface Person {
  openId: string;
  userId: string;
  unionId: string;
  chatId: string;
  name: string;
}

interface Resource {
  bytes?: Buffer;
  size: number;
  fileName?: string;
  kind: 'file' | 'image';
}

interface BinaryAnswer {
  status: 200;
  headers: Record<string, string>;
  resource: Resource;
}

type Answer = JsonAnswer | BinaryAnswer;

const MB = 1024 * 1024;
const RECEIVE_ID_TYPES = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'];
const MSG_TYPES = ['text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive', 'share_chat', 'share_user'];
const FILE_TYPES = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'];
const SECRET_KEYS = new Set(['app_secret', 'AppSecret', 'app_ticket', 'ClientAssertion']);
const UUID_TTL_MS = 60 * 60 * 1000;

export async function startFeishuStandin(options: FeishuStandinOptions = {}): Promise<FeishuStandin> {
  const appId = options.appId ?? `cli_${randomHex(16)}`;
  const appSecret = options.appSecret ?? randomHex(32);
  // Derived from the credentials, so that the SDK's process-wide token cache (keyed by app id) stays valid across
  // two stand-ins with the same app in one test file.
  const token = `t-${createHash('sha256').update(`feishu-standin:${appId}:${appSecret}`).digest('hex').slice(0, 40)}`;
  const tenantKey = randomHex(16);
  const calls: ApiCall[] = [];
  const uploads: Upload[] = [];
  const failures: Array<{ pattern: RegExp; spec: FailureSpec; remaining: number }> = [];
  const people = new Map<string, Person>(); // by open_id
  const sent: BotMessage[] = [];
  const sentById = new Map<string, BotMessage>();
  const userMessages = new Map<string, string>(); // message_id -> chat_id
  const messageResources = new Map<string, Set<string>>(); // message_id -> keys
  const resources = new Map<string, Resource>(); // file_key / image_key -> bytes
  const uuids = new Map<string, { messageId: string; at: number }>();
  const cardTokens = new Map<string, { messageId: string; uses: number; answered: boolean; issued: number }>();
  const changes = new EventEmitter();
  changes.setMaxListeners(0);

  const credentialsValid = (id: unknown, secret: unknown): boolean => id === appId && secret === appSecret;
  const ws = new LongConnection({
    clientConfig: { PingInterval: 30, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0, ...options.clientConfig },
    ackTimeoutMs: options.ackTimeoutMs ?? 5000,
    connectWaitMs: options.connectWaitMs ?? 5000,
    credentialsValid,
  });

  // ---- messages -------------------------------------------------------------------------------------------------

  function resolveChat(type: string, id: string): string | undefined {
    for (const p of people.values()) {
      if (type === 'chat_id' && p.chatId === id) return p.chatId;
      if ((type === 'open_id' && p.openId === id) || (type === 'user_id' && p.userId === id)
        || (type === 'union_id' && p.unionId === id)) return p.chatId;
    }
    return undefined;
  }

  /** Checks `content` for `msg_type`; returns the parsed content or a Feishu error. */
  function checkContent(msgType: unknown, content: unknown): { parsed: Record<string, unknown>; keys: string[] } | JsonAnswer {
    if (typeof msgType !== 'string' || !MSG_TYPES.includes(msgType)) return fail(FeishuCode.fieldValidation, `invalid msg_type: ${String(msgType)}`);
    if (typeof content !== 'string') return fail(FeishuCode.fieldValidation, 'content is required and must be a JSON string');
    const size = Buffer.byteLength(content);
    if ((msgType === 'text' && size > 150 * 1024) || (msgType !== 'text' && size > 30 * 1024)) {
      return fail(FeishuCode.contentTooLong, `message content is too long (${size} bytes)`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      return fail(FeishuCode.invalidParam, 'invalid message content: not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(FeishuCode.invalidParam, 'invalid message content');
    const record = parsed as Record<string, unknown>;
    if (msgType === 'text' && typeof record.text !== 'string') return fail(FeishuCode.invalidParam, 'text content needs `text`');
    const keys: string[] = [];
    for (const field of ['file_key', 'image_key']) {
      const key = record[field];
      if (key === undefined) continue;
      if (typeof key !== 'string' || !resources.has(key)) return fail(FeishuCode.invalidParam, `unknown ${field}`);
      keys.push(key);
    }
    if ((msgType === 'file' || msgType === 'audio' || msgType === 'media') && typeof record.file_key !== 'string') {
      return fail(FeishuCode.invalidParam, `${msgType} content needs file_key`);
    }
    if (msgType === 'image' && typeof record.image_key !== 'string') return fail(FeishuCode.invalidParam, 'image content needs image_key');
    return { parsed: record, keys };
  }

  function messageData(m: BotMessage): Record<string, unknown> {
    return {
      message_id: m.message_id,
      ...(m.parent_id ? { root_id: m.parent_id, parent_id: m.parent_id } : {}),
      msg_type: m.msg_type,
      create_time: m.create_time,
      update_time: m.create_time,
      deleted: false,
      updated: m.updates.length > 0,
      chat_id: m.chat_id,
      sender: { id: appId, id_type: 'app_id', sender_type: 'app', tenant_key: tenantKey },
      body: { content: JSON.stringify(m.content) },
    };
  }

  /** message/create and reply: uuid de-duplication, validation, recording. */
  function send(chatId: string | undefined, body: Record<string, unknown>, parentId?: string): JsonAnswer {
    const { msg_type: msgType, content, uuid } = body;
    if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length > 50)) return fail(FeishuCode.fieldValidation, 'uuid must be a string of at most 50 characters');
    if (typeof uuid === 'string') {
      const seen = uuids.get(uuid);
      if (seen && Date.now() - seen.at < UUID_TTL_MS) return ok(messageData(sentById.get(seen.messageId)!));
    }
    const checked = checkContent(msgType, content);
    if ('status' in checked) return checked;
    if (!chatId) return fail(FeishuCode.noAvailability, 'Bot has NO availability to this user.');
    const now = String(Date.now());
    const message: BotMessage = {
      message_id: `om_${randomHex(32)}`,
      chat_id: chatId,
      msg_type: msgType as string,
      content: checked.parsed,
      ...(typeof uuid === 'string' ? { uuid } : {}),
      ...(parentId ? { parent_id: parentId } : {}),
      create_time: now,
      updates: [],
    };
    sent.push(message);
    sentById.set(message.message_id, message);
    messageResources.set(message.message_id, new Set(checked.keys));
    if (typeof uuid === 'string') uuids.set(uuid, { messageId: message.message_id, at: Date.now() });
    changes.emit('change');
    return ok(messageData(message));
  }

  function update(message: BotMessage, content: unknown, via: MessageUpdate['via']): void {
    message.content = content;
    message.updates.push({ content, via });
    changes.emit('change');
  }

  // ---- routes ---------------------------------------------------------------------------------------------------

  type Route = (match: RegExpExecArray, body: Record<string, unknown>, query: URLSearchParams, multipart?: Multipart) => Answer;
  const routes: Array<[string, RegExp, Route]> = [
    ['POST', /^\/open-apis\/auth\/v3\/tenant_access_token\/internal$/, (_m, body) =>
      credentialsValid(body.app_id, body.app_secret)
        ? { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 } }
        : fail(FeishuCode.appSecretInvalid, 'app secret invalid')],
    ['POST', /^\/open-apis\/auth\/v3\/app_access_token\/internal$/, (_m, body) =>
      credentialsValid(body.app_id, body.app_secret)
        ? { status: 200, body: { code: 0, msg: 'ok', app_access_token: token, tenant_access_token: token, expire: 7200 } }
        : fail(FeishuCode.appSecretInvalid, 'app secret invalid')],
    ['POST', /^\/open-apis\/im\/v1\/messages$/, (_m, body, query) => {
      const type = query.get('receive_id_type') ?? '';
      if (!RECEIVE_ID_TYPES.includes(type)) return fail(FeishuCode.fieldValidation, 'invalid receive_id_type');
      if (typeof body.receive_id !== 'string' || !body.receive_id) return fail(FeishuCode.fieldValidation, 'receive_id is required');
      return send(resolveChat(type, body.receive_id), body);
    }],
    ['POST', /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/, (m, body) => {
      const chatId = sentById.get(m[1])?.chat_id ?? userMessages.get(m[1]);
      if (!chatId) return fail(FeishuCode.invalidParam, 'message not found');
      return send(chatId, body, m[1]);
    }],
    ['PATCH', /^\/open-apis\/im\/v1\/messages\/([^/]+)$/, (m, body) => {
      const message = sentById.get(m[1]);
      if (!message || message.msg_type !== 'interactive') return fail(FeishuCode.invalidParam, 'only cards the bot sent can be updated');
      const checked = checkContent('interactive', body.content);
      if ('status' in checked) return checked;
      update(message, checked.parsed, 'patch');
      return ok();
    }],
    ['PUT', /^\/open-apis\/im\/v1\/messages\/([^/]+)$/, (m, body) => {
      const message = sentById.get(m[1]);
      if (!message || !['text', 'post'].includes(message.msg_type)) return fail(FeishuCode.invalidParam, 'only text and post messages the bot sent can be edited');
      const checked = checkContent(body.msg_type, body.content);
      if ('status' in checked) return checked;
      update(message, checked.parsed, 'put');
      return ok(messageData(message));
    }],
    ['GET', /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/, (m, _body, query) => {
      const type = query.get('type');
      if (type !== 'file' && type !== 'image') return fail(FeishuCode.fieldValidation, 'type must be file or image');
      const resource = resources.get(m[2]);
      if (!messageResources.get(m[1])?.has(m[2]) || !resource) return fail(FeishuCode.fileNotInMessage, 'File not in msg.');
      if (resource.size > 100 * MB) return fail(FeishuCode.downloadTooLarge, 'file size exceeds the limit (100 MB)');
      const name = resource.fileName ?? (resource.kind === 'image' ? 'image.png' : 'file');
      return {
        status: 200,
        resource,
        headers: {
          'content-type': resource.kind === 'image' ? 'image/png' : 'application/octet-stream',
          'content-length': String(resource.size),
          'content-disposition': `attachment; filename="${encodeURIComponent(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        },
      };
    }],
    ['POST', /^\/open-apis\/im\/v1\/files$/, (_m, _body, _q, multipart) => {
      const file = multipart?.files.file;
      const fileType = multipart?.fields.file_type;
      const fileName = multipart?.fields.file_name;
      if (!file || !fileType || !fileName) return fail(FeishuCode.fieldValidation, 'file_type, file_name and file are required');
      if (!FILE_TYPES.includes(fileType)) return fail(FeishuCode.fieldValidation, `invalid file_type: ${fileType}`);
      if (file.bytes.length === 0) return fail(FeishuCode.fileEmpty, "File's size can't be 0.");
      if (file.bytes.length > 30 * MB) return fail(FeishuCode.fileTooLarge, 'file size exceeds the limit (30 MB)');
      const key = `file_v3_00${randomHex(8)}_${randomHex(24)}`;
      resources.set(key, { bytes: file.bytes, size: file.bytes.length, fileName, kind: 'file' });
      uploads.push({ kind: 'file', key, file_type: fileType, file_name: fileName, bytes: file.bytes });
      return ok({ file_key: key });
    }],
    ['POST', /^\/open-apis\/im\/v1\/images$/, (_m, _body, _q, multipart) => {
      const image = multipart?.files.image;
      const imageType = multipart?.fields.image_type;
      if (!image || !imageType) return fail(FeishuCode.fieldValidation, 'image_type and image are required');
      if (!['message', 'avatar'].includes(imageType)) return fail(FeishuCode.fieldValidation, `invalid image_type: ${imageType}`);
      if (image.bytes.length === 0) return fail(FeishuCode.fileEmpty, "Image's size can't be 0.");
      if (image.bytes.length > 10 * MB) return fail(FeishuCode.fileTooLarge, 'image size exceeds the limit (10 MB)');
      const key = `img_v3_00${randomHex(8)}_${randomHex(24)}`;
      resources.set(key, { bytes: image.bytes, size: image.bytes.length, kind: 'image' });
      uploads.push({ kind: 'image', key, image_type: imageType, bytes: image.bytes });
      return ok({ image_key: key });
    }],
    ['POST', /^\/open-apis\/interactive\/v1\/card\/update$/, (_m, body) => {
      // Delayed update: a callback's token, only after the callback was answered, at most twice, within 30 min.
      const entry = typeof body.token === 'string' ? cardTokens.get(body.token) : undefined;
      if (!entry || !entry.answered || entry.uses >= 2 || Date.now() - entry.issued > 30 * 60 * 1000) {
        return fail(FeishuCode.invalidParam, 'invalid or used card update token');
      }
      const card = body.card as { type?: unknown; data?: unknown } | undefined;
      if (!card || typeof card !== 'object') return fail(FeishuCode.fieldValidation, 'card is required');
      entry.uses += 1;
      update(sentById.get(entry.messageId)!, card.type === 'raw' ? card.data : card, 'card.update');
      return { status: 200, body: { code: 0, msg: 'ok' } };
    }],
  ];

  function authorize(req: IncomingMessage): JsonAnswer | undefined {
    const auth = req.headers.authorization;
    if (!auth) return fail(FeishuCode.tokenMissing, 'Missing access token for authorization.');
    if (auth !== `Bearer ${token}`) return fail(FeishuCode.tokenInvalid, 'Invalid access token for authorization.');
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', domain);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const multipart = parseMultipart(req.headers['content-type'], raw);
    const body = multipart
      ? { ...multipart.fields, ...Object.fromEntries(Object.entries(multipart.files).map(([k, f]) => [k, { fileName: f.fileName, size: f.bytes.length }])) }
      : parseJson(raw);
    const call: ApiCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: redact(body), at: Date.now() };
    calls.push(call);

    const failure = takeFailure(url.pathname);
    if (failure?.destroy) {
      req.socket.destroy();
      return;
    }
    let answer: Answer;
    if (failure && !failure.afterEffect) {
      answer = failure;
    } else {
      answer = route(req, method, url, body, multipart);
      if (failure) answer = failure;
    }
    call.status = answer.status;
    if ('resource' in answer) {
      call.code = 0;
      res.writeHead(200, answer.headers);
      await pipeline(resourceStream(answer.resource), res).catch(() => undefined);
      return;
    }
    const code = (answer.body as { code?: unknown } | undefined)?.code;
    if (typeof code === 'number') call.code = code;
    sendJson(res, answer);
  }

  function route(req: IncomingMessage, method: string, url: URL, body: unknown, multipart?: Multipart): Answer {
    if (body === undefined) return fail(FeishuCode.fieldValidation, 'request body is not valid JSON');
    const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (method === 'POST' && url.pathname === '/callback/ws/endpoint') return ws.endpoint(record, domain);
    for (const [routeMethod, pattern, handler] of routes) {
      const match = pattern.exec(url.pathname);
      if (!match || routeMethod !== method) continue;
      if (!url.pathname.startsWith('/open-apis/auth/')) {
        const denied = authorize(req);
        if (denied) return denied;
      }
      return handler(match, record, url.searchParams, multipart);
    }
    return fail(FeishuCode.notFound, `feishu stand-in: no such API: ${method} ${url.pathname}`, 404);
  }

  function takeFailure(path: string): FailureSpec | undefined {
    const index = failures.findIndex((f) => f.pattern.test(path));
    if (index < 0) return undefined;
    const entry = failures[index];
    entry.remaining -= 1;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.spec;
  }

  // ---- server ---------------------------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, fail(1, `feishu stand-in error: ${(error as Error).message}`, 500));
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => ws.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const domain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // ---- users ----------------------------------------------------------------------------------------------------

  function envelope(eventType: string, event: Record<string, unknown>, eventId: string, createTime: string): EventEnvelope {
    return {
      schema: '2.0',
      header: { event_id: eventId, token: '', create_time: createTime, event_type: eventType, tenant_key: tenantKey, app_id: appId },
      event,
    };
  }

  async function push(env: EventEnvelope): Promise<Ack> {
    const ack = await ws.push(env);
    return { ...ack, eventId: env.header.event_id };
  }

  function messagesOf(chatId: string): BotMessage[] {
    return sent.filter((m) => m.chat_id === chatId).map((m) => ({ ...m, updates: [...m.updates] }));
  }

  function makeUser(person: Person): FeishuUser {
    const senderIds = { union_id: person.unionId, user_id: person.userId, open_id: person.openId };

    async function deliver(messageType: string, content: Record<string, unknown> | string, keys: string[], options: DeliveryOptions = {}): Promise<Ack> {
      const messageId = options.messageId ?? `om_${randomHex(32)}`;
      const eventId = options.eventId ?? randomHex(32);
      userMessages.set(messageId, person.chatId);
      const known = messageResources.get(messageId) ?? new Set<string>();
      for (const key of keys) known.add(key);
      messageResources.set(messageId, known);
      const now = String(Date.now());
      const ack = await push(envelope('im.message.receive_v1', {
        sender: { sender_id: senderIds, sender_type: 'user', tenant_key: tenantKey },
        message: {
          message_id: messageId,
          create_time: now,
          update_time: now,
          chat_id: person.chatId,
          chat_type: 'p2p',
          message_type: messageType,
          content: typeof content === 'string' ? content : JSON.stringify(content),
        },
      }, eventId, now));
      return { ...ack, messageId };
    }

    return {
      ...person,
      sendText: (text, options) => deliver('text', { text }, [], options),
      sendFile: (file, options) => {
        if (!file.bytes && file.size === undefined) throw new Error('sendFile needs bytes or size');
        const key = `file_v3_00${randomHex(8)}_${randomHex(24)}`;
        resources.set(key, { bytes: file.bytes, size: file.bytes?.length ?? file.size!, fileName: file.fileName, kind: 'file' });
        return deliver('file', { file_key: key, file_name: file.fileName }, [key], options);
      },
      sendImage: (image, options) => {
        const key = `img_v3_00${randomHex(8)}_${randomHex(24)}`;
        resources.set(key, { bytes: image.bytes, size: image.bytes.length, kind: 'image' });
        return deliver('image', { image_key: key }, [key], options);
      },
      sendRaw: (messageType, content, options = {}) => {
        for (const [key, bytes] of Object.entries(options.resources ?? {})) {
          resources.set(key, { bytes, size: bytes.length, kind: key.startsWith('img_') ? 'image' : 'file' });
        }
        return deliver(messageType, content, Object.keys(options.resources ?? {}), options);
      },
      async click(messageId, value, formValue, action) {
        const message = sentById.get(messageId);
        if (!message || message.chat_id !== person.chatId || message.msg_type !== 'interactive') {
          throw new Error(`feishu stand-in: ${messageId} is not a card the bot sent to ${person.name}`);
        }
        const cardToken = `c-${randomHex(40)}`;
        const tokenEntry = { messageId, uses: 0, answered: false, issued: Date.now() };
        cardTokens.set(cardToken, tokenEntry);
        const ack = await push(envelope('card.action.trigger', {
          operator: { tenant_key: tenantKey, ...senderIds },
          token: cardToken,
          action: { value, tag: 'button', ...(formValue ? { form_value: formValue } : {}), ...action },
          host: 'im_message',
          context: { open_message_id: messageId, open_chat_id: person.chatId },
        }, randomHex(32), String(Date.now() * 1000))) as Ack<CardCallbackResponse>;
        tokenEntry.answered = true;
        const card = ack.code === 200 ? ack.data?.card : undefined;
        if (card && typeof card === 'object') update(message, card.type === 'raw' ? card.data : card, 'callback');
        return ack;
      },
      messages: () => messagesOf(person.chatId),
      waitForMessages(count, timeoutMs = 5000) {
        return new Promise((resolve, reject) => {
          const check = (): boolean => {
            const now = messagesOf(person.chatId);
            if (now.length < count) return false;
            changes.off('change', check);
            clearTimeout(timer);
            resolve(now);
            return true;
          };
          const timer = setTimeout(() => {
            changes.off('change', check);
            const now = messagesOf(person.chatId);
            reject(new Error(`feishu stand-in: expected ${count} message(s) to ${person.name} within ${timeoutMs} ms, got ${now.length}: ${JSON.stringify(now.map((m) => m.content))}`));
          }, timeoutMs);
          if (!check()) changes.on('change', check);
        });
      },
    };
  }

  return {
    domain,
    appId,
    appSecret,
    tenantAccessToken: token,
    calls,
    uploads,
    sentMessages: () => sent.map((m) => ({ ...m, updates: [...m.updates] })),
    user(userOptions = {}) {
      const existing = userOptions.openId ? people.get(userOptions.openId) : undefined;
      if (existing) return makeUser(existing);
      const person: Person = {
        openId: userOptions.openId ?? `ou_${randomHex(32)}`,
        userId: userOptions.userId ?? randomHex(8),
        unionId: userOptions.unionId ?? `on_${randomHex(32)}`,
        chatId: userOptions.chatId ?? `oc_${randomHex(32)}`,
        name: userOptions.name ?? `用户${people.size + 1}`,
      };
      people.set(person.openId, person);
      return makeUser(person);
    },
    push,
    failNext(pattern, response, times = 1) {
      failures.push({ pattern, spec: response, remaining: times });
    },
    setEndpointFailure: (code) => ws.setEndpointFailure(code),
    setFragmentSize: (bytes) => ws.setFragmentSize(bytes),
    disconnectAll: () => ws.disconnectAll(),
    connections: () => ws.connections(),
    pings: () => ws.pings,
    async close() {
      ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) ? '***' : redact(v)]));
}

/** The bytes of a resource, or `size` filler bytes generated on the fly (for big-file claims). */
function resourceStream(resource: Resource): Readable {
  if (resource.bytes) return Readable.from([resource.bytes]);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = resource.size;
  return Readable.from((function* generate() {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      yield chunk.subarray(0, n);
    }
  })());
}
