import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { recordFile } from '../../src/store/file-records.ts';
import { downloadLink, linkConfig, startDownloadServer } from '../../src/files/download-links.ts';

/** A file too large for a chat platform, fetched through the assistant's own signed, expiring link. */

let db: Database;
let dir: string;
let server: Server;
let fileId: string;
const secret = 'a-long-enough-secret-0123';
const content = Buffer.from('证明材料压缩包的内容');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-links-'));
  db = await openDatabase({ dataDir: 'memory://' });
  const store = new FileStore(join(dir, 'files'));
  const stored = await store.putBuffer(content);
  fileId = await recordFile(db.sql, { ...stored, name: '北京首冶新元科技发展有限公司-1.zip', channel: 'export', mime: 'application/zip' });
  server = await startDownloadServer({ port: 0, secret, sql: db.sql, store });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('download links', () => {
  it('serve the file under its Chinese name, refuse an altered or expired link, and need a secret to be configured', async () => {
    const { port } = server.address() as { port: number };
    const config = { publicUrl: `http://127.0.0.1:${port}`, secret, hours: 72 };
    const { url } = downloadLink(config, fileId, '北京首冶新元科技发展有限公司-1.zip');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(content)).toBe(true);
    expect(ok.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('北京首冶新元科技发展有限公司-1.zip')}`);

    const forged = url.replace(/\/d\/[^/]+\//, '/d/another-file-id/');
    expect((await fetch(forged)).status).toBe(403);
    const old = downloadLink(config, fileId, 'x.zip', Date.now() - 73 * 3600_000).url;
    expect((await fetch(old)).status).toBe(403);
    expect(await (await fetch(old)).text()).toContain('下载链接无效或已过期');

    expect(linkConfig({})).toBeNull();
    expect(() => linkConfig({ SHENBAO_PUBLIC_URL: 'https://x.example' })).toThrow('SHENBAO_LINK_SECRET');
  });
});
