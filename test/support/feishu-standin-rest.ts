// The REST side of the Feishu stand-in: tokens, im/v1 messages and files, card updates; the calls record and
// failures on demand. Paths, methods and body shapes as @larksuiteoapi/node-sdk 1.74's Client sends them.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  FeishuCode, fail, ok, parseJson, parseMultipart, randomHex, readBody, sendJson, type JsonAnswer, type Multipart,
} from './feishu-standin-http.ts';
import type { ApiCall, BotMessage, FailureSpec, MessageUpdate, Person, Resource, Upload } from './feishu-standin-types.ts';

interface BinaryAnswer {
  status: 200;
  headers: Record<string, string>;
  resource: Resource;
}

type Answer = JsonAnswer | BinaryAnswer;
type Route = (match: RegExpExecArray, body: Record<string, unknown>, query: URLSearchParams, multipart?: Multipart) => Answer;

const MB = 1024 * 1024;
const RECEIVE_ID_TYPES = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'];
const MSG_TYPES = ['text', 'post', 'image', 'file', 'audio', 'media', 'sticker', 'interactive', 'share_chat', 'share_user'];
const FILE_TYPES = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'];
const SECRET_KEYS = new Set(['app_secret', 'AppSecret', 'app_ticket', 'ClientAssertion']);
const UUID_TTL_MS = 60 * 60 * 1000;
const CARD_TOKEN_TTL_MS = 30 * 60 * 1000;

export function newFileKey(): string {
  return `file_v3_00${randomHex(8)}_${randomHex(24)}`;
}

export function newImageKey(): string {
  return `img_v3_00${randomHex(8)}_${randomHex(24)}`;
}

export class OpenApi {
  readonly calls: ApiCall[] = [];
  readonly uploads: Upload[] = [];
  /** Bot messages in order, and by id. */
  readonly sent: BotMessage[] = [];
  readonly sentById = new Map<string, BotMessage>();
  /** Fake people by open_id. */
  readonly people = new Map<string, Person>();
  /** Messages users sent: message_id -> chat_id. */
  readonly userMessages = new Map<string, string>();
  /** message_id -> the file/image keys it carries (what the resources route may serve for it). */
  readonly messageResources = new Map<string, Set<string>>();
  /** file_key / image_key -> bytes. */
  readonly resources = new Map<string, Resource>();
  /** Card-update tokens handed out with callbacks. */
  readonly cardTokens = new Map<string, { messageId: string; uses: number; answered: boolean; issued: number }>();
  /** Emits 'change' whenever a bot message is stored or updated. */
  readonly changes = new EventEmitter().setMaxListeners(0);
  private readonly uuids = new Map<string, { messageId: string; at: number }>();
  private readonly failures: Array<{ pattern: RegExp; spec: FailureSpec; remaining: number }> = [];
  private readonly routes: Array<[string, RegExp, Route]>;

  constructor(
    private readonly app: {
      appId: string;
      appSecret: string;
      token: string;
      tenantKey: string;
      /** `POST /callback/ws/endpoint`, answered by the long connection. */
      endpoint: (body: Record<string, unknown>, origin: string) => JsonAnswer;
    },
  ) {
    this.routes = [
      ['POST', /^\/open-apis\/auth\/v3\/tenant_access_token\/internal$/, (_m, body) => this.token(body, false)],
      ['POST', /^\/open-apis\/auth\/v3\/app_access_token\/internal$/, (_m, body) => this.token(body, true)],
      ['POST', /^\/open-apis\/im\/v1\/messages$/, (_m, body, query) => this.create(body, query)],
      ['POST', /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/, (m, body) => this.reply(m[1], body)],
      ['PATCH', /^\/open-apis\/im\/v1\/messages\/([^/]+)$/, (m, body) => this.patch(m[1], body)],
      ['PUT', /^\/open-apis\/im\/v1\/messages\/([^/]+)$/, (m, body) => this.edit(m[1], body)],
      ['GET', /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/, (m, _b, query) => this.download(m[1], m[2], query)],
      ['POST', /^\/open-apis\/im\/v1\/files$/, (_m, _b, _q, multipart) => this.uploadFile(multipart)],
      ['POST', /^\/open-apis\/im\/v1\/images$/, (_m, _b, _q, multipart) => this.uploadImage(multipart)],
      ['POST', /^\/open-apis\/interactive\/v1\/card\/update$/, (_m, body) => this.delayedCardUpdate(body)],
    ];
  }

  credentialsValid(appId: unknown, appSecret: unknown): boolean {
    return appId === this.app.appId && appSecret === this.app.appSecret;
  }

  failNext(pattern: RegExp, spec: FailureSpec, times: number): void {
    this.failures.push({ pattern, spec, remaining: times });
  }

  update(message: BotMessage, content: unknown, via: MessageUpdate['via']): void {
    message.content = content;
    message.updates.push({ content, via });
    this.changes.emit('change');
  }

  // ---- dispatch -------------------------------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const multipart = parseMultipart(req.headers['content-type'], raw);
    const body = multipart
      ? { ...multipart.fields, ...Object.fromEntries(Object.entries(multipart.files).map(([k, f]) => [k, { fileName: f.fileName, size: f.bytes.length }])) }
      : parseJson(raw);
    const call: ApiCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: redact(body), at: Date.now() };
    this.calls.push(call);

    const failure = this.takeFailure(url.pathname);
    if (failure?.destroy) {
      req.socket.destroy();
      return;
    }
    let answer: Answer = failure && !failure.afterEffect ? failure : this.route(req, method, url, body, multipart);
    if (failure) answer = failure;
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

  private route(req: IncomingMessage, method: string, url: URL, body: unknown, multipart?: Multipart): Answer {
    if (body === undefined) return fail(FeishuCode.fieldValidation, 'request body is not valid JSON');
    const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (method === 'POST' && url.pathname === '/callback/ws/endpoint') return this.app.endpoint(record, url.origin);
    for (const [routeMethod, pattern, handler] of this.routes) {
      const match = pattern.exec(url.pathname);
      if (!match || routeMethod !== method) continue;
      if (!url.pathname.startsWith('/open-apis/auth/')) {
        const auth = req.headers.authorization;
        if (!auth) return fail(FeishuCode.tokenMissing, 'Missing access token for authorization.');
        if (auth !== `Bearer ${this.app.token}`) return fail(FeishuCode.tokenInvalid, 'Invalid access token for authorization.');
      }
      return handler(match, record, url.searchParams, multipart);
    }
    return fail(FeishuCode.notFound, `feishu stand-in: no such API: ${method} ${url.pathname}`, 404);
  }

  private takeFailure(path: string): FailureSpec | undefined {
    const index = this.failures.findIndex((f) => f.pattern.test(path));
    if (index < 0) return undefined;
    const entry = this.failures[index];
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.failures.splice(index, 1);
    return entry.spec;
  }

  // ---- tokens ---------------------------------------------------------------------------------------------------

  private token(body: Record<string, unknown>, app: boolean): JsonAnswer {
    if (!this.credentialsValid(body.app_id, body.app_secret)) return fail(FeishuCode.appSecretInvalid, 'app secret invalid');
    const { token } = this.app;
    return { status: 200, body: { code: 0, msg: 'ok', ...(app ? { app_access_token: token } : {}), tenant_access_token: token, expire: 7200 } };
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  private create(body: Record<string, unknown>, query: URLSearchParams): JsonAnswer {
    const type = query.get('receive_id_type') ?? '';
    if (!RECEIVE_ID_TYPES.includes(type)) return fail(FeishuCode.fieldValidation, 'invalid receive_id_type');
    if (typeof body.receive_id !== 'string' || !body.receive_id) return fail(FeishuCode.fieldValidation, 'receive_id is required');
    return this.send(this.resolveChat(type, body.receive_id), body);
  }

  private reply(messageId: string, body: Record<string, unknown>): JsonAnswer {
    const chatId = this.sentById.get(messageId)?.chat_id ?? this.userMessages.get(messageId);
    if (!chatId) return fail(FeishuCode.invalidParam, 'message not found');
    return this.send(chatId, body, messageId);
  }

  private patch(messageId: string, body: Record<string, unknown>): JsonAnswer {
    const message = this.sentById.get(messageId);
    if (!message || message.msg_type !== 'interactive') return fail(FeishuCode.invalidParam, 'only cards the bot sent can be updated');
    const checked = this.checkContent('interactive', body.content);
    if ('status' in checked) return checked;
    this.update(message, checked.parsed, 'patch');
    return ok();
  }

  private edit(messageId: string, body: Record<string, unknown>): JsonAnswer {
    const message = this.sentById.get(messageId);
    if (!message || !['text', 'post'].includes(message.msg_type)) return fail(FeishuCode.invalidParam, 'only text and post messages the bot sent can be edited');
    const checked = this.checkContent(body.msg_type, body.content);
    if ('status' in checked) return checked;
    this.update(message, checked.parsed, 'put');
    return ok(this.messageData(message));
  }

  private resolveChat(type: string, id: string): string | undefined {
    for (const p of this.people.values()) {
      if ((type === 'chat_id' && p.chatId === id) || (type === 'open_id' && p.openId === id)
        || (type === 'user_id' && p.userId === id) || (type === 'union_id' && p.unionId === id)) return p.chatId;
    }
    return undefined;
  }

  /** message/create and reply: uuid de-duplication (1 h), validation, recording. */
  private send(chatId: string | undefined, body: Record<string, unknown>, parentId?: string): JsonAnswer {
    const { msg_type: msgType, content, uuid } = body;
    if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length > 50)) return fail(FeishuCode.fieldValidation, 'uuid must be a string of at most 50 characters');
    if (typeof uuid === 'string') {
      const seen = this.uuids.get(uuid);
      if (seen && Date.now() - seen.at < UUID_TTL_MS) return ok(this.messageData(this.sentById.get(seen.messageId)!));
    }
    const checked = this.checkContent(msgType, content);
    if ('status' in checked) return checked;
    if (!chatId) return fail(FeishuCode.noAvailability, 'Bot has NO availability to this user.');
    const message: BotMessage = {
      message_id: `om_${randomHex(32)}`,
      chat_id: chatId,
      msg_type: msgType as string,
      content: checked.parsed,
      ...(typeof uuid === 'string' ? { uuid } : {}),
      ...(parentId ? { parent_id: parentId } : {}),
      create_time: String(Date.now()),
      updates: [],
    };
    this.sent.push(message);
    this.sentById.set(message.message_id, message);
    this.messageResources.set(message.message_id, new Set(checked.keys));
    if (typeof uuid === 'string') this.uuids.set(uuid, { messageId: message.message_id, at: Date.now() });
    this.changes.emit('change');
    return ok(this.messageData(message));
  }

  /** Checks `content` for `msg_type`; returns the parsed content and the file/image keys it uses, or an error. */
  private checkContent(msgType: unknown, content: unknown): { parsed: Record<string, unknown>; keys: string[] } | JsonAnswer {
    if (typeof msgType !== 'string' || !MSG_TYPES.includes(msgType)) return fail(FeishuCode.fieldValidation, `invalid msg_type: ${String(msgType)}`);
    if (typeof content !== 'string') return fail(FeishuCode.fieldValidation, 'content is required and must be a JSON string');
    const size = Buffer.byteLength(content);
    if (size > (msgType === 'text' ? 150 : 30) * 1024) return fail(FeishuCode.contentTooLong, `message content is too long (${size} bytes)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      return fail(FeishuCode.invalidParam, 'invalid message content: not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(FeishuCode.invalidParam, 'invalid message content');
    const record = parsed as Record<string, unknown>;
    if (msgType === 'text' && typeof record.text !== 'string') return fail(FeishuCode.invalidParam, 'text content needs `text`');
    if (['file', 'audio', 'media'].includes(msgType) && typeof record.file_key !== 'string') return fail(FeishuCode.invalidParam, `${msgType} content needs file_key`);
    if (msgType === 'image' && typeof record.image_key !== 'string') return fail(FeishuCode.invalidParam, 'image content needs image_key');
    const keys: string[] = [];
    for (const field of ['file_key', 'image_key']) {
      const key = record[field];
      if (key === undefined) continue;
      if (typeof key !== 'string' || !this.resources.has(key)) return fail(FeishuCode.invalidParam, `unknown ${field}`);
      keys.push(key);
    }
    return { parsed: record, keys };
  }

  private messageData(m: BotMessage): Record<string, unknown> {
    return {
      message_id: m.message_id,
      ...(m.parent_id ? { root_id: m.parent_id, parent_id: m.parent_id } : {}),
      msg_type: m.msg_type,
      create_time: m.create_time,
      update_time: m.create_time,
      deleted: false,
      updated: m.updates.length > 0,
      chat_id: m.chat_id,
      sender: { id: this.app.appId, id_type: 'app_id', sender_type: 'app', tenant_key: this.app.tenantKey },
      body: { content: JSON.stringify(m.content) },
    };
  }

  /** Delayed update: a callback's token, only after the callback was answered, at most twice, within 30 min. */
  private delayedCardUpdate(body: Record<string, unknown>): JsonAnswer {
    const entry = typeof body.token === 'string' ? this.cardTokens.get(body.token) : undefined;
    if (!entry || !entry.answered || entry.uses >= 2 || Date.now() - entry.issued > CARD_TOKEN_TTL_MS) {
      return fail(FeishuCode.invalidParam, 'invalid or used card update token');
    }
    const card = body.card as { type?: unknown; data?: unknown } | undefined;
    if (!card || typeof card !== 'object') return fail(FeishuCode.fieldValidation, 'card is required');
    entry.uses += 1;
    this.update(this.sentById.get(entry.messageId)!, card.type === 'raw' ? card.data : card, 'card.update');
    return { status: 200, body: { code: 0, msg: 'ok' } };
  }

  // ---- files ----------------------------------------------------------------------------------------------------

  private download(messageId: string, key: string, query: URLSearchParams): Answer {
    const type = query.get('type');
    if (type !== 'file' && type !== 'image') return fail(FeishuCode.fieldValidation, 'type must be file or image');
    const resource = this.resources.get(key);
    if (!this.messageResources.get(messageId)?.has(key) || !resource) return fail(FeishuCode.fileNotInMessage, 'File not in msg.');
    if (resource.size > 100 * MB) return fail(FeishuCode.downloadTooLarge, 'file size exceeds the limit (100 MB)');
    const name = encodeURIComponent(resource.fileName ?? (resource.kind === 'image' ? 'image.png' : 'file'));
    return {
      status: 200,
      resource,
      headers: {
        'content-type': resource.kind === 'image' ? 'image/png' : 'application/octet-stream',
        'content-length': String(resource.size),
        'content-disposition': `attachment; filename="${name}"; filename*=UTF-8''${name}`,
      },
    };
  }

  private uploadFile(multipart?: Multipart): JsonAnswer {
    const file = multipart?.files.file;
    const fileType = multipart?.fields.file_type;
    const fileName = multipart?.fields.file_name;
    if (!file || !fileType || !fileName) return fail(FeishuCode.fieldValidation, 'file_type, file_name and file are required');
    if (!FILE_TYPES.includes(fileType)) return fail(FeishuCode.fieldValidation, `invalid file_type: ${fileType}`);
    if (file.bytes.length === 0) return fail(FeishuCode.fileEmpty, "File's size can't be 0.");
    if (file.bytes.length > 30 * MB) return fail(FeishuCode.fileTooLarge, 'file size exceeds the limit (30 MB)');
    const key = newFileKey();
    this.resources.set(key, { bytes: file.bytes, size: file.bytes.length, fileName, kind: 'file' });
    this.uploads.push({ kind: 'file', key, file_type: fileType, file_name: fileName, bytes: file.bytes });
    return ok({ file_key: key });
  }

  private uploadImage(multipart?: Multipart): JsonAnswer {
    const image = multipart?.files.image;
    const imageType = multipart?.fields.image_type;
    if (!image || !imageType) return fail(FeishuCode.fieldValidation, 'image_type and image are required');
    if (!['message', 'avatar'].includes(imageType)) return fail(FeishuCode.fieldValidation, `invalid image_type: ${imageType}`);
    if (image.bytes.length === 0) return fail(FeishuCode.fileEmpty, "Image's size can't be 0.");
    if (image.bytes.length > 10 * MB) return fail(FeishuCode.fileTooLarge, 'image size exceeds the limit (10 MB)');
    const key = newImageKey();
    this.resources.set(key, { bytes: image.bytes, size: image.bytes.length, kind: 'image' });
    this.uploads.push({ kind: 'image', key, image_type: imageType, bytes: image.bytes });
    return ok({ image_key: key });
  }
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
