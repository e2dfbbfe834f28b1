import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { FileStore } from '../../files/file-store.ts';
import { formatBytes } from './plan.ts';

/**
 * An operator's zip of evidence, unpacked into the file store with its names intact. Chinese Windows writes zips
 * without the UTF-8 flag (bit 11) and with GBK names — Explorer's own “发送到 → 压缩文件夹” until Windows 11 24H2, and
 * WinRAR/360压缩 by default — which yauzl would decode as CP437 (“营业执照.pdf” → “╙¬╥╡╓┤╒╒.pdf”, research B). So names are
 * read as bytes and decoded here: the Info-ZIP Unicode Path field when present, UTF-8 when flagged (or when the bytes
 * are unmistakably UTF-8, as macOS's Archive Utility writes without the flag), GBK (as GB18030) otherwise. yauzl's
 * own name checks run only when it decodes, so they are done by hand: no absolute paths, drive letters or `..`.
 *
 * A zip bomb is refused from the central directory before anything is inflated (entry count, declared sizes, their
 * total, the compression ratio, entries overlapping one another); an entry that inflates past its declared size is
 * stopped by yauzl at that size. Refusals say in Chinese what was wrong and what to send instead.
 */

export interface UnzipLimits {
  maxEntries: number;
  /** One file, inflated: no larger than a package part could hold anyway. */
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Inflated ÷ compressed, for entries of at least `ratioFloorBytes` (small text compresses well and is harmless). */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxEntries: 5_000,
  maxEntryBytes: 999_000_000,
  maxTotalBytes: 4_000_000_000,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export interface UnzippedFile {
  /** The path inside the zip, “/”-separated: “门槛条件1/营业执照.pdf”. */
  name: string;
  size: number;
  sha256: string;
}

export type ZipRefusalCode = 'corrupt' | 'too-many-entries' | 'entry-too-large' | 'total-too-large' | 'ratio' | 'overlap' | 'unsafe-name' | 'encrypted';

export class ZipRefusedError extends Error {
  constructor(readonly code: ZipRefusalCode, message: string) {
    super(message);
  }
}

const REZIP = '请在电脑上解压确认文件都能打开后，重新压缩成普通的 zip 再发送，或直接逐个发送文件。';

/** Files that archivers and file managers add and nobody meant to send. */
const NOISE = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/i;

export async function unzipEvidence(zipPath: string, store: FileStore, limits: UnzipLimits = DEFAULT_UNZIP_LIMITS): Promise<UnzippedFile[]> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch {
    throw new ZipRefusedError('corrupt', `这个压缩包已损坏或不是 zip 格式（可能是 rar/7z 改了扩展名，或下载不完整），无法解压。${REZIP}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ZipRefusedError('too-many-entries', `压缩包里有 ${zip.entryCount} 个文件，超过了 ${limits.maxEntries} 个的上限，没有解压。请按指标分成几个压缩包分别发送。`);
    }
    const wanted: { entry: Entry; name: string }[] = [];
    const spans: { start: number; end: number }[] = [];
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      // Every entry's compressed bytes, directories included, must have a place of their own.
      spans.push({ start: entry.relativeOffsetOfLocalHeader, end: entry.relativeOffsetOfLocalHeader + 30 + entry.compressedSize });
      const name = entryName(entry);
      if (unsafe(name)) {
        throw new ZipRefusedError('unsafe-name', `压缩包里有路径不安全的文件（“${name.slice(0, 60)}”，含绝对路径或“..”），没有解压。${REZIP}`);
      }
      if (name.endsWith('/') || NOISE.test(name) || isSymlink(entry)) continue;
      if (entry.isEncrypted()) {
        throw new ZipRefusedError('encrypted', `压缩包里的“${name}”设置了密码，助手无法解压。请去掉密码后重新压缩再发送。`);
      }
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw new ZipRefusedError('entry-too-large', `压缩包里的“${name}”解压后有 ${formatBytes(entry.uncompressedSize)}，超过了单个文件 ${formatBytes(limits.maxEntryBytes)} 的上限（附件材料的每个压缩包不能超过 1G），没有解压。请把这个文件缩小或拆分后重新发送。`);
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) {
        throw new ZipRefusedError('total-too-large', `压缩包解压后超过 ${formatBytes(limits.maxTotalBytes)}，没有解压。请按指标分成几个压缩包分别发送。`);
      }
      const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
      if (entry.uncompressedSize >= limits.ratioFloorBytes && ratio > limits.maxRatio) {
        throw new ZipRefusedError('ratio', `压缩包里的“${name}”压缩比异常（${Math.round(ratio)} 倍，正常的扫描件、照片和文档远低于 ${limits.maxRatio} 倍），不像正常的材料，没有解压。${REZIP}`);
      }
      wanted.push({ entry, name });
    }
    // Overlapping entries are one compressed stream counted as many files: the other kind of zip bomb.
    spans.sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]!.start < spans[i - 1]!.end) {
        throw new ZipRefusedError('overlap', `压缩包结构异常（多个文件共用同一段数据），不是正常压缩的文件，没有解压。${REZIP}`);
      }
    }
    const files: UnzippedFile[] = [];
    for (const { entry, name } of wanted) {
      try {
        const stored = await store.put(await zip.openReadStreamPromise(entry), entry.uncompressedSize);
        files.push({ name, size: stored.size, sha256: stored.sha256 });
      } catch {
        throw new ZipRefusedError('corrupt', `压缩包里的“${name}”解压失败（数据损坏，或解压后的大小与记录不符），没有收下这个压缩包。${REZIP}`);
      }
    }
    return files;
  } finally {
    zip.close();
  }
}

/** The Info-ZIP Unicode Path extra field: version 1, the CRC-32 of the header's name, the name in UTF-8. */
const UNICODE_PATH = 0x7075;

function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  let name: string | undefined;
  for (const field of entry.extraFields) {
    if (field.id === UNICODE_PATH && field.data.length >= 6 && field.data[0] === 1 && field.data.readUInt32LE(1) === crc32(raw)) {
      name = field.data.subarray(5).toString('utf8');
    }
  }
  name ??= (entry.generalPurposeBitFlag & 0x800) !== 0 || looksUtf8(raw) ? raw.toString('utf8') : iconv.decode(raw, 'gb18030');
  // Windows archivers may separate with backslashes; macOS decomposes accented letters.
  return name.replace(/\\/g, '/').normalize('NFC');
}

const crc32 = (bytes: Buffer): number =>
  (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32?.(bytes) ?? Number.NaN;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 without the flag (macOS Archive Utility): valid UTF-8 with a three-byte character (CJK). GBK bytes pass
 * a strict UTF-8 decoder only by accident, and then as two-byte Greek, Cyrillic or Arabic letters, not as CJK.
 */
function looksUtf8(raw: Buffer): boolean {
  if (raw.every((b) => b < 0x80)) return true;
  try {
    return /[\u0800-\uffff]/.test(strictUtf8.decode(raw)) && !/[\u0080-\u07ff]/.test(strictUtf8.decode(raw));
  } catch {
    return false;
  }
}

function unsafe(name: string): boolean {
  return name === '' || name.includes('\0') || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..');
}

/** Unix mode in the high half of the external attributes, when made on Unix: a symbolic link's “content” is a path. */
function isSymlink(entry: Entry): boolean {
  return entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}
