// The long connection of the Feishu stand-in: endpoint discovery, the WebSocket, ping/pong, pushing events and
// collecting the client's acks. Wire protocol: /work/shared/research/channels.md §A2, checked against
// @larksuiteoapi/node-sdk 1.74 WSClient (lib/index.js L.102148–102830).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { decodeFrame, encodeFrame, frameHeaders, FrameMethod, header, type Frame } from './feishu-frames.ts';
import { FeishuCode, ok, randomHex, type JsonAnswer } from './feishu-standin-http.ts';

/** Times in seconds, as Feishu sends them. */
export interface ClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

/** The client's answer to a pushed event. */
export interface Ack<T = unknown> {
  /** 200, or 500 when the handler threw (Feishu then re-pushes an event; callbacks are never re-pushed). */
  code: number;
  /** The handler's return value: the ack's base64 `data`, decoded and JSON-parsed (absent if it returned nothing). */
  data?: T;
  /** From the push to the ack; Feishu wants it under 3 s. */
  elapsedMs: number;
  eventId: string;
  /** The IM message id for message events. */
  messageId?: string;
}

type RawAck = Omit<Ack, 'eventId' | 'messageId'>;

interface Pending {
  socket: WebSocket;
  started: number;
  timer: NodeJS.Timeout;
  resolve: (ack: RawAck) => void;
  reject: (error: Error) => void;
}

const SERVICE_ID = 42;

export class LongConnection {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<() => void>();
  private endpointFailure: number | null = null;
  private fragmentSize: number | null = null;
  private nextSocket = 0;
  private seq = 0;
  /** Pings received from clients. */
  pings = 0;

  constructor(
    private readonly options: {
      clientConfig: ClientConfig;
      ackTimeoutMs: number;
      connectWaitMs: number;
      credentialsValid: (appId: unknown, appSecret: unknown) => boolean;
    },
  ) {}

  /** `POST /callback/ws/endpoint` with `{AppID, AppSecret}`: a one-time URL to connect to. */
  endpoint(body: unknown, origin: string): JsonAnswer {
    const { AppID, AppSecret } = (body ?? {}) as Record<string, unknown>;
    // `data` must stay an object: the SDK destructures `data: {URL, ClientConfig}` before checking `code`, and a
    // missing `data` would turn a fatal code into a retryable TypeError.
    if (this.endpointFailure !== null) {
      return { status: 200, body: { code: this.endpointFailure, msg: 'stand-in: endpoint failure on demand', data: {} } };
    }
    if (!this.options.credentialsValid(AppID, AppSecret)) {
      return { status: 200, body: { code: FeishuCode.wsAuthFailed, msg: 'auth failed', data: {} } };
    }
    const ticket = randomHex(32);
    this.tickets.add(ticket);
    // The SDK parses the whole URL with qs.parse, so the first parameter's key is glued to the address: put a
    // throwaway one first, as Feishu's own URLs do (fpid=…), so that device_id and service_id parse.
    const wsOrigin = origin.replace(/^http/, 'ws');
    const URL = `${wsOrigin}/ws?fpid=1&device_id=d${randomHex(8)}&service_id=${SERVICE_ID}&ticket=${ticket}`;
    return ok({ URL, ClientConfig: this.options.clientConfig });
  }

  /** An HTTP upgrade for `/ws`; answers 403 unless it carries a ticket from the endpoint (each works once). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/ws' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('message', (data: Buffer) => this.receive(ws, data));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.sockets.delete(ws);
      for (const [id, p] of this.pending) {
        if (p.socket !== ws) continue;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new Error('feishu stand-in: the long connection closed before the client acked the event'));
      }
    });
    for (const wake of [...this.waiters]) wake();
  }

  private receive(ws: WebSocket, data: Buffer): void {
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch {
      return;
    }
    const headers = frameHeaders(frame);
    if (frame.method === FrameMethod.control) {
      if (headers.type === 'ping') {
        this.pings += 1;
        // The pong's optional payload is a ClientConfig that overrides the client's settings; Feishu sends it.
        this.send(ws, {
          SeqID: 0, LogID: 0, service: frame.service, method: FrameMethod.control, headers: [header('type', 'pong')],
          payload: Buffer.from(JSON.stringify(this.options.clientConfig)),
        });
      }
      return;
    }
    // A data frame from the client is an ack: the pushed frame echoed with `biz_rt` added and a JSON payload.
    const p = this.pending.get(headers.message_id ?? '');
    if (!p) return;
    this.pending.delete(headers.message_id);
    clearTimeout(p.timer);
    p.resolve(parseAck(frame.payload, Date.now() - p.started));
  }

  /** Pushes a v2 event envelope to one live connection (round robin, as Feishu picks one client) and awaits the ack. */
  async push(envelope: object): Promise<RawAck> {
    const socket = await this.pickSocket();
    const frameId = randomHex(20);
    const payload = Buffer.from(JSON.stringify(envelope));
    const size = this.fragmentSize ?? payload.length;
    const parts: Buffer[] = [];
    for (let at = 0; at < payload.length; at += size) parts.push(payload.subarray(at, at + size));
    const traceId = randomHex(16);
    const acked = new Promise<RawAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(frameId);
        reject(new Error(`feishu stand-in: no ack within ${this.options.ackTimeoutMs} ms`));
      }, this.options.ackTimeoutMs);
      this.pending.set(frameId, { socket, started: Date.now(), timer, resolve, reject });
    });
    parts.forEach((part, index) => {
      this.seq += 1;
      this.send(socket, {
        SeqID: this.seq, LogID: this.seq, service: SERVICE_ID, method: FrameMethod.data,
        headers: [header('type', 'event'), header('message_id', frameId), header('sum', parts.length),
          header('seq', index), header('trace_id', traceId)],
        payload: part,
      });
    });
    return acked;
  }

  private async pickSocket(): Promise<WebSocket> {
    const deadline = Date.now() + this.options.connectWaitMs;
    for (;;) {
      const open = [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN);
      if (open.length > 0) {
        this.nextSocket = (this.nextSocket + 1) % open.length;
        return open[this.nextSocket];
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('feishu stand-in: no long connection to push the event to');
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 50));
        this.waiters.add(wake);
      });
    }
  }

  private send(ws: WebSocket, frame: Frame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(encodeFrame(frame));
  }

  /** Live (open) connections. */
  connections(): number {
    return [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN).length;
  }

  /** Drops every socket abruptly, as a network failure would; the SDK then re-discovers the endpoint and reconnects. */
  disconnectAll(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  setEndpointFailure(code: number | null): void {
    this.endpointFailure = code;
  }

  /** Split each pushed payload into fragments of this many bytes (header `sum` > 1); null sends it whole. */
  setFragmentSize(bytes: number | null): void {
    this.fragmentSize = bytes && bytes > 0 ? bytes : null;
  }

  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('feishu stand-in closed'));
    }
    this.pending.clear();
    this.disconnectAll();
    this.wss.close();
  }
}

function parseAck(payload: Uint8Array | undefined, elapsedMs: number): RawAck {
  let body: { code?: unknown; data?: unknown } = {};
  try {
    body = JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as typeof body;
  } catch {
    // An unparsable ack is reported as code NaN below.
  }
  const ack: RawAck = { code: Number(body.code), elapsedMs };
  if (typeof body.data === 'string') {
    const text = Buffer.from(body.data, 'base64').toString('utf8');
    try {
      ack.data = JSON.parse(text);
    } catch {
      ack.data = text;
    }
  }
  return ack;
}
