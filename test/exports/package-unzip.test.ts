import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { ZipFile } from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/files/file-store.ts';
import { unzipEvidence, ZipRefusedError } from '../../src/exports/package/unzip.ts';
import { rawZip as buildZip, type RawZipEntry } from '../support/raw-zip.ts';

/**
 * An operator's zip of evidence as Chinese Windows makes it (GBK names, no UTF-8 flag) comes in with its names
 * intact; a zip bomb is refused before anything is inflated.
 */

const work = mkdtempSync(join(tmpdir(), 'shenbao-unzip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let count = 0;

/** A hand-built zip (test/support/raw-zip.ts) written to a file, as an upload is. */
function rawZip(entries: RawZipEntry[]): string {
  const path = join(work, `raw-${++count}.zip`);
  writeFileSync(path, buildZip(entries));
  return path;
}

const gbk = (name: string) => iconv.encode(name, 'gbk');
const freshStore = () => new FileStore(mkdtempSync(join(work, 'store-')));
const storedFiles = (store: FileStore) => (existsSync(store.root) ? readdirSync(store.root, { recursive: true }).filter((p) => String(p).length > 60) : []);

async function refusal(promise: Promise<unknown>): Promise<ZipRefusedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ZipRefusedError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('unzipping an evidence zip', () => {
  it('keeps the Chinese names of a zip made on Chinese Windows (GBK, no UTF-8 flag)', async () => {
    const path = rawZip([
      { name: gbk('门槛条件1/'), data: Buffer.alloc(0) },
      { name: gbk('门槛条件1/营业执照.pdf'), data: Buffer.from('%PDF-1.4 营业执照') },
      { name: gbk('门槛条件3\\入驻企业名单（2023年末）.xlsx'), data: Buffer.from('名单'), deflate: true },
      { name: Buffer.from('评分指标8/国高新证书.jpg', 'utf8'), data: Buffer.from('jpg'), utf8Flag: true },
      { name: Buffer.from('__MACOSX/._营业执照.pdf', 'utf8'), data: Buffer.from('x'), utf8Flag: true },
      { name: Buffer.from('Thumbs.db'), data: Buffer.from('x') },
    ]);
    const store = freshStore();
    const files = await unzipEvidence(path, store);
    expect(files.map((f) => f.name)).toEqual(['门槛条件1/营业执照.pdf', '门槛条件3/入驻企业名单（2023年末）.xlsx', '评分指标8/国高新证书.jpg']);
    expect(readFileSync(store.path(files[0]!.sha256), 'utf8')).toBe('%PDF-1.4 营业执照');
    expect(readFileSync(store.path(files[1]!.sha256), 'utf8')).toBe('名单');
    expect(files[1]!.size).toBe(Buffer.byteLength('名单'));
  });

  it('reads UTF-8 names written without the flag (macOS) as UTF-8, and what yazl writes', async () => {
    const unflagged = rawZip([{ name: Buffer.from('社保记录/2023年12月.pdf', 'utf8'), data: Buffer.from('pdf') }]);
    expect((await unzipEvidence(unflagged, freshStore())).map((f) => f.name)).toEqual(['社保记录/2023年12月.pdf']);

    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('合同'), '评分指标3/合作协议.pdf');
    zip.end();
    const path = join(work, 'yazl.zip');
    await new Promise((resolve) => zip.outputStream.pipe(createWriteStream(path)).on('close', () => resolve(null)));
    expect((await unzipEvidence(path, freshStore())).map((f) => f.name)).toEqual(['评分指标3/合作协议.pdf']);
  });

  it('refuses names that escape the folder, in Chinese', async () => {
    for (const name of ['../../etc/passwd', '/etc/passwd', 'C:\\Windows\\system.ini', '材料\\..\\..\\x.pdf']) {
      const error = await refusal(unzipEvidence(rawZip([{ name: gbk(name), data: Buffer.from('x') }]), freshStore()));
      expect(error.code).toBe('unsafe-name');
      expect(error.message).toMatch(/路径不安全/);
    }
  });

  it('refuses a zip bomb quickly, before inflating anything', async () => {
    // 100 MB of zeros deflate to about 100 KB: a ratio of about a thousand.
    const bomb = rawZip([
      { name: gbk('正常材料.pdf'), data: Buffer.from('%PDF') },
      { name: gbk('营业执照.pdf'), data: Buffer.alloc(100_000_000), deflate: true },
    ]);
    const store = freshStore();
    const started = performance.now();
    const error = await refusal(unzipEvidence(bomb, store));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('ratio');
    expect(error.message).toMatch(/营业执照\.pdf.*压缩比异常/);
    expect(storedFiles(store)).toEqual([]);
  });

  it('stops an entry that inflates past its declared size, and refuses overlapping entries', async () => {
    const liar = rawZip([{ name: gbk('说明.txt'), data: Buffer.alloc(50_000_000), deflate: true, declaredSize: 1000 }]);
    const started = performance.now();
    expect((await refusal(unzipEvidence(liar, freshStore()))).code).toBe('corrupt');
    expect(performance.now() - started).toBeLessThan(1000);

    const overlapping = rawZip([
      { name: gbk('a.pdf'), data: Buffer.from('same bytes') },
      { name: gbk('b.pdf'), data: Buffer.from('same bytes'), sameOffsetAs: 0 },
    ]);
    expect((await refusal(unzipEvidence(overlapping, freshStore()))).code).toBe('overlap');
  });

  it('refuses too many files and what is not a zip', async () => {
    const many = rawZip(Array.from({ length: 11 }, (_, i) => ({ name: gbk(`材料${i}.pdf`), data: Buffer.from('x') })));
    const error = await refusal(unzipEvidence(many, freshStore(), { maxEntries: 10, maxEntryBytes: 1e9, maxTotalBytes: 4e9, maxRatio: 100, ratioFloorBytes: 1 << 20 }));
    expect(error.message).toMatch(/11 个文件，超过了 10 个/);
    const notZip = join(work, 'not.zip');
    writeFileSync(notZip, 'Rar!\x1a\x07\x00 not a zip');
    expect((await refusal(unzipEvidence(notZip, freshStore()))).code).toBe('corrupt');
  });
});
