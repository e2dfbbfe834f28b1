import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AESCipher, WSClient, type WSConnectionState } from '@larksuiteoapi/node-sdk';
import { z } from 'zod';
import type { Router } from '../../bot/router.ts';
import type { SqlDatabase } from '../../store/sql.ts';
import type { FileStore } from '../../files/file-store.ts';
import { FeishuChannel } from './channel.ts';
import type { LinkConfig } from '../../files/download-links.ts';

/**
 * Starting the Feishu bot from the environment: the long connection by default (no public address needed; several
 * processes may each hold one, Feishu gives each event to one of them), or HTTP endpoints for events and card callbacks
 * (FEISHU_EVENT_MODE=webhook) with the signature and the verification token checked on every request.
 */

const DOMAINS: Record<string, string> = { feishu: 'https://open.feishu.cn', lark: 'https://open.larksuite.com' };

export const FeishuConfigSchema = z
  .object({
    FEISHU_APP_ID: z.string().regex(/^cli_[0-9a-zA-Z]+$/, 'FEISHU_APP_ID 格式不对：应形如 cli_a1b2c3…（飞书开放平台 → 凭证与基础信息）'),
    FEISHU_APP_SECRET: z.string().min(8, 'FEISHU_APP_SECRET 不完整：请从飞书开放平台“凭证与基础信息”复制 App Secret'),
    FEISHU_DOMAIN: z.string().default('feishu').transform((d) => DOMAINS[d.toLowerCase()] ?? d.replace(/\/$/, '')).pipe(z.url('FEISHU_DOMAIN 应为 feishu、lark 或私有部署的地址（https://…）')),
    FEISHU_EVENT_MODE: z.enum(['websocket', 'webhook'], { message: 'FEISHU_EVENT_MODE 只能是 websocket（长连接，默认）或 webhook' }).default('websocket'),
    FEISHU_ENCRYPT_KEY: z.string().min(1).optional(),
    FEISHU_VERIFICATION_TOKEN: z.string().min(1).optional(),
    FEISHU_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).default(8081),
    FEISHU_WEBHOOK_PATH: z.string().startsWith('/').default('/feishu/events'),
    FEISHU_CHAT_PER_SECOND: z.coerce.number().positive().default(5),
    FEISHU_MAX_PER_SECOND: z.coerce.number().positive().default(50),
    FEISHU_MONTHLY_CALL_BUDGET: z.coerce.number().int().positive().default(10_000),
  })
  .refine((c) => c.FEISHU_EVENT_MODE !== 'webhook' || (c.FEISHU_ENCRYPT_KEY && c.FEISHU_VERIFICATION_TOKEN), {
    message: 'FEISHU_EVENT_MODE=webhook 时必须设置 FEISHU_ENCRYPT_KEY 和 FEISHU_VERIFICATION_TOKEN（飞书开放平台 → 事件与回调 → 加密策略），否则无法确认请求来自飞书',
  });
export type FeishuConfig = z.infer<typeof FeishuConfigSchema>;

export class FeishuConfigError extends Error {}

export function feishuConfig(env: NodeJS.ProcessEnv = process.env): FeishuConfig {
  const parsed = FeishuConfigSchema.safeParse(env);
  if (!parsed.success) throw new FeishuConfigError(parsed.error.issues.map((i) => i.message).join('\n'));
  return parsed.data;
}

export interface RunningFeishu {
  channel: FeishuChannel;
  ws?: WSClient;
  server?: Server;
  stop(): Promise<void>;
}

export interface FeishuDeps {
  router: Router;
  sql: SqlDatabase;
  store: FileStore;
  log: (line: string) => void;
  /** The long connection gave up for good: the process should end so that its supervisor restarts it. */
  onFatal?: (chinese: string) => void;
  /** How often the connection's state is looked at (ms). */
  healthEveryMs?: number;
  links?: LinkConfig | null;
}

export async function startFeishu(config: FeishuConfig, deps: FeishuDeps): Promise<RunningFeishu> {
  const channel = new FeishuChannel({
    appId: config.FEISHU_APP_ID,
    appSecret: config.FEISHU_APP_SECRET,
    domain: config.FEISHU_DOMAIN,
    router: deps.router,
    sql: deps.sql,
    store: deps.store,
    encryptKey: config.FEISHU_ENCRYPT_KEY,
    verificationToken: config.FEISHU_VERIFICATION_TOKEN,
    pacing: { perChatMs: 1000 / config.FEISHU_CHAT_PER_SECOND, perSecond: config.FEISHU_MAX_PER_SECOND },
    log: deps.log,
    links: deps.links ?? null,
  });
  channel.start();
  if (config.FEISHU_EVENT_MODE === 'webhook') return startWebhook(config, channel, deps);

  const ws = new WSClient({ appId: config.FEISHU_APP_ID, appSecret: config.FEISHU_APP_SECRET, domain: config.FEISHU_DOMAIN, logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined } });
  await ws.start({ eventDispatcher: channel.dispatcher });
  // The connection's health, logged as it changes; a client that gave up ends the process (its supervisor restarts it).
  let last: WSConnectionState | null = null;
  const health = setInterval(() => {
    const { state, reconnectAttempts } = ws.getConnectionStatus();
    if (state === last) return;
    last = state;
    deps.log(`[feishu] long connection ${state}${reconnectAttempts ? ` (reconnect attempts: ${reconnectAttempts})` : ''}`);
    if (state === 'failed') {
      deps.onFatal?.('飞书长连接已断开且重连失败。请检查 FEISHU_APP_ID / FEISHU_APP_SECRET、网络，以及应用是否已发布并开启“使用长连接接收事件”；进程即将退出，由守护程序重新启动。');
    }
  }, deps.healthEveryMs ?? 2000);
  health.unref();
  return {
    channel,
    ws,
    stop: async () => {
      clearInterval(health);
      ws.close({ force: true });
      await channel.stop();
    },
  };
}

/** x-lark-signature = sha256(timestamp + nonce + encryptKey + body), compared in constant time. */
export function signatureValid(headers: IncomingMessage['headers'], body: string, encryptKey: string): boolean {
  const [timestamp, nonce, signature] = ['x-lark-request-timestamp', 'x-lark-request-nonce', 'x-lark-signature'].map((h) => String(headers[h] ?? ''));
  if (!timestamp || !nonce || !signature) return false;
  const expected = createHash('sha256').update(timestamp + nonce + encryptKey + body).digest('hex');
  return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

async function startWebhook(config: FeishuConfig, channel: FeishuChannel, deps: FeishuDeps): Promise<RunningFeishu> {
  const encryptKey = config.FEISHU_ENCRYPT_KEY!;
  const cipher = new AESCipher(encryptKey);
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown = {}) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== config.FEISHU_WEBHOOK_PATH) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // An event is a few kilobytes; anything near a megabyte is not from Feishu.
      if (size > 1024 * 1024) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
          if (typeof body.encrypt === 'string') body = JSON.parse(cipher.decrypt(body.encrypt)) as Record<string, unknown>;
        } catch {
          return reply(400, { msg: 'bad request' });
        }
        const header = (body.header ?? {}) as Record<string, unknown>;
        const token = header.token ?? body.token;
        // The URL check (challenge) is signed with the token only; every event and callback also with the signature.
        if (token !== config.FEISHU_VERIFICATION_TOKEN) return reply(401, { msg: 'verification token mismatch' });
        if (body.type === 'url_verification') return reply(200, { challenge: body.challenge });
        if (!signatureValid(req.headers, raw, encryptKey)) return reply(401, { msg: 'signature mismatch' });
        try {
          // Decrypted and checked here: the dispatcher only routes it.
          const result = await channel.dispatcher.invoke(body, { needCheck: false });
          reply(200, result && typeof result === 'object' ? result : {});
        } catch (error) {
          // Recorded, not thrown back: Feishu would push the same event again for hours.
          deps.log(`[feishu] webhook event failed: ${error instanceof Error ? error.message : String(error)}`);
          reply(200, {});
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(config.FEISHU_WEBHOOK_PORT, resolve));
  deps.log(`[feishu] serving events and card callbacks on port ${config.FEISHU_WEBHOOK_PORT}${config.FEISHU_WEBHOOK_PATH}`);
  return {
    channel,
    server,
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      await channel.stop();
    },
  };
}
