// Public types of the Feishu stand-in (see feishu-standin.ts).
import type { Ack, ClientConfig } from './feishu-standin-ws.ts';

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

/** A fake person (stand-in internal). */
export interface Person {
  openId: string;
  userId: string;
  unionId: string;
  chatId: string;
  name: string;
}

/** A downloadable file or image (stand-in internal); `bytes` absent: `size` filler bytes are served. */
export interface Resource {
  bytes?: Buffer;
  size: number;
  fileName?: string;
  kind: 'file' | 'image';
}
