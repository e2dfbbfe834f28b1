import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FileStore } from './file-store.ts';
import type { Sql } from '../store/sql.ts';
import { findFile } from '../store/file-records.ts';

/**
 * Download links for files too large for a platform to carry (Telegram bots upload ≤ 50 MB, Feishu ≤ 30 MB): served by
 * the assistant itself at SHENBAO_PUBLIC_URL, each link signed (HMAC-SHA256 with SHENBAO_LINK_SECRET) and expiring
 * (SHENBAO_LINK_HOURS, default 72), so a link passed on works only for a while and cannot be altered to reach another file.
 */

/** A setting that cannot work, said in Chinese. */
export class LinkConfigError extends Error {}

export interface LinkConfig {
  publicUrl: string;
  secret: string;
  hours: number;
}

/** The links' settings, or null when no public address is configured (then large files go by `shenbao export`). */
export function linkConfig(env: NodeJS.ProcessEnv = process.env): LinkConfig | null {
  const publicUrl = env.SHENBAO_PUBLIC_URL?.replace(/\/$/, '');
  if (!publicUrl) return null;
  const secret = env.SHENBAO_LINK_SECRET;
  if (!secret || secret.length < 16) throw new LinkConfigError('设置 SHENBAO_PUBLIC_URL 时需要 SHENBAO_LINK_SECRET（至少 16 个字符的随机串），用来给下载链接签名。');
  return { publicUrl, secret, hours: Number(env.SHENBAO_LINK_HOURS) || 72 };
}

const signature = (secret: string, fileId: string, expires: number) => createHmac('sha256', secret).update(`${fileId}.${expires}`).digest('base64url');

/** A link to a stored file, valid until `now + hours`. */
export function downloadLink(config: LinkConfig, fileId: string, name: string, now = Date.now()): { url: string; expires: Date } {
  const expires = Math.floor(now / 1000) + config.hours * 3600;
  return { url: `${config.publicUrl}/d/${fileId}/${expires}/${signature(config.secret, fileId, expires)}/${encodeURIComponent(name)}`, expires: new Date(expires * 1000) };
}

/** Whether a link's parts are ours and still valid. */
export function linkValid(secret: string, fileId: string, expires: number, sig: string, now = Date.now()): boolean {
  if (!Number.isSafeInteger(expires) || expires * 1000 < now) return false;
  const expected = Buffer.from(signature(secret, fileId, expires));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Serves the links: GET /d/<file id>/<expires>/<signature>/<name>. Anything else is 404; a bad or old link 403. */
export function startDownloadServer(options: { port: number; secret: string; sql: Sql; store: FileStore; log?: (line: string) => void }): Promise<Server> {
  const server = createServer((req, res) => {
    const match = /^\/d\/([\w-]{1,64})\/(\d{1,12})\/([\w-]{20,100})\/[^/]*$/.exec((req.url ?? '').split('?')[0]);
    if (req.method !== 'GET' || !match) return void res.writeHead(404).end();
    const [, fileId, expires, sig] = match;
    if (!linkValid(options.secret, fileId, Number(expires), sig)) return void res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('下载链接无效或已过期，请在对话中重新获取。');
    void (async () => {
      const record = await findFile(options.sql, fileId);
      if (!record || !options.store.has(record.sha256)) return void res.writeHead(404).end();
      res.writeHead(200, {
        'content-type': record.mime ?? 'application/octet-stream',
        'content-length': String(record.size),
        // RFC 6266/5987: the Chinese name intact in every browser.
        'content-disposition': `attachment; filename="${encodeURIComponent(record.name)}"; filename*=UTF-8''${encodeURIComponent(record.name)}`,
      });
      options.store.open(record.sha256).pipe(res);
    })().catch((error: unknown) => {
      options.log?.(`[download] ${fileId} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  return new Promise((resolve) => server.listen(options.port, () => resolve(server)));
}
