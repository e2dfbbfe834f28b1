import { createServer, type Server } from 'node:http';
import { webhookCallback, GrammyError } from 'grammy';
import { z } from 'zod';
import type { Router } from '../../bot/router.ts';
import type { SqlDatabase } from '../../store/sql.ts';
import type { FileStore } from '../../files/file-store.ts';
import { TelegramChannel } from './channel.ts';
import type { LinkConfig } from '../../files/download-links.ts';
import { COMMAND_MENU } from './inbound.ts';

/**
 * Starting the bot from the environment: long polling by default; a webhook when TELEGRAM_WEBHOOK_URL is set (several
 * processes can then share the bot, the database keeping each chat in order), its secret checked on every request.
 */

const Milliseconds = z.coerce.number().int().nonnegative();

export const TelegramConfigSchema = z.object({
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, 'TELEGRAM_BOT_TOKEN 格式不对：应形如 123456789:AA…（向 @BotFather 获取）'),
  TELEGRAM_API_ROOT: z.url().optional(),
  TELEGRAM_WEBHOOK_URL: z.url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'TELEGRAM_WEBHOOK_SECRET 只能由 1–256 个字母、数字、_ 或 - 组成').optional(),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  TELEGRAM_CHAT_INTERVAL_MS: Milliseconds.default(1000),
  TELEGRAM_MAX_PER_SECOND: z.coerce.number().positive().default(30),
}).refine((c) => !c.TELEGRAM_WEBHOOK_URL || c.TELEGRAM_WEBHOOK_SECRET, { message: '使用 TELEGRAM_WEBHOOK_URL 时必须同时设置 TELEGRAM_WEBHOOK_SECRET（Telegram 每次推送都会带上它，用来拒绝伪造的请求）' });
export type TelegramConfig = z.infer<typeof TelegramConfigSchema>;

/** A setting that cannot work, said in Chinese. */
export class TelegramConfigError extends Error {}

export function telegramConfig(env: NodeJS.ProcessEnv = process.env): TelegramConfig {
  const parsed = TelegramConfigSchema.safeParse(env);
  if (!parsed.success) throw new TelegramConfigError(parsed.error.issues.map((i) => i.message).join('\n'));
  return parsed.data;
}

export interface RunningTelegram {
  channel: TelegramChannel;
  /** The webhook's HTTP server, when serving one. */
  server?: Server;
  stop(): Promise<void>;
}

export async function startTelegram(config: TelegramConfig, deps: { router: Router; sql: SqlDatabase; store: FileStore; log: (line: string) => void; links?: LinkConfig | null }): Promise<RunningTelegram> {
  const channel = new TelegramChannel({
    token: config.TELEGRAM_BOT_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    router: deps.router,
    sql: deps.sql,
    store: deps.store,
    pacing: { perChatMs: config.TELEGRAM_CHAT_INTERVAL_MS, perSecond: config.TELEGRAM_MAX_PER_SECOND },
    log: deps.log,
    links: deps.links ?? null,
  });
  const { bot } = channel;
  try {
    await bot.init();
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)) {
      throw new TelegramConfigError('Telegram 不认这个 TELEGRAM_BOT_TOKEN（401/404）：请向 @BotFather 核对令牌后重新设置。');
    }
    throw error;
  }
  await bot.api.setMyCommands(COMMAND_MENU.map(({ command, description }) => ({ command, description }))).catch((error) => deps.log(`[telegram] setMyCommands failed: ${error instanceof Error ? error.message : String(error)}`));
  channel.sender.start();
  const allowed_updates = ['message', 'edited_message', 'callback_query'] as const;

  if (config.TELEGRAM_WEBHOOK_URL) {
    const path = new URL(config.TELEGRAM_WEBHOOK_URL).pathname;
    // Errors never reach Telegram as a 5xx (it would redeliver the update dozens of times): the channel records them.
    const handle = webhookCallback(bot, 'http', { secretToken: config.TELEGRAM_WEBHOOK_SECRET, timeoutMilliseconds: 55_000 });
    const server = createServer((req, res) => {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
        res.writeHead(404).end();
        return;
      }
      handle(req, res).catch((error: unknown) => {
        deps.log(`[telegram] webhook request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(config.TELEGRAM_WEBHOOK_PORT, resolve));
    await bot.api.setWebhook(config.TELEGRAM_WEBHOOK_URL, { secret_token: config.TELEGRAM_WEBHOOK_SECRET, allowed_updates: [...allowed_updates] });
    deps.log(`[telegram] @${bot.botInfo.username} serving a webhook on port ${config.TELEGRAM_WEBHOOK_PORT}${path}`);
    return {
      channel,
      server,
      stop: async () => {
        await new Promise((resolve) => server.close(resolve));
        await channel.sender.stop();
      },
    };
  }

  // Long polling: one process polls (Telegram refuses a second getUpdates); updates are handled one at a time, in order.
  const polling = bot.start({ allowed_updates: [...allowed_updates], onStart: () => deps.log(`[telegram] @${bot.botInfo.username} polling for updates`) });
  polling.catch((error: unknown) => deps.log(`[telegram] polling stopped: ${error instanceof Error ? error.message.replace(/bot\d+:[\w-]+/g, 'bot<token>') : String(error)}`));
  return {
    channel,
    stop: async () => {
      await bot.stop();
      await channel.sender.stop();
    },
  };
}
