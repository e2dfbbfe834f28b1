import { readFile, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/**
 * The first look at an uploaded workbook (.xlsx is a zip), before any spreadsheet library sees a byte: is it a zip at
 * all (or a .xls, a PDF, a password-protected workbook), and is it safe to open? exceljs does no size checks of its
 * own, so a 1 MB file that inflates to 1 GB would take it seconds and a gigabyte of memory before failing.
 *
 * The checks, cheapest first: the file's size (from `stat` for a path, before reading it); its first bytes; then the
 * central directory only (yauzl, lazyEntries): the number of entries, every entry's declared size, the total, the
 * compression ratio and the names. Then two checks that keep the declared sizes honest, bounded by them: the entries
 * must cover the file with no bytes left over (a local entry the central directory does not list would still be
 * inflated by a reader that walks the file from the start, as exceljs's streaming reader does), and each entry is
 * inflated to nowhere, stopping at its declared size. A bomb is refused in milliseconds, not after inflating.
 */

export interface ArchiveLimits {
  /** The upload itself. */
  maxFileBytes: number;
  maxEntries: number;
  /** One entry, inflated. */
  maxEntryBytes: number;
  /** All entries together, inflated. */
  maxTotalBytes: number;
  /** Inflated ÷ compressed, for entries of at least `ratioFloorBytes` (small XML parts compress well and are harmless). */
  maxRatio: number;
  ratioFloorBytes: number;
}

/** An annex workbook is a few sheets of at most tens of thousands of rows: a few MB, a few dozen entries. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_ARCHIVE_ENTRIES = 2_000;
export const MAX_ENTRY_BYTES = 100 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 200 * 1024 * 1024;
export const MAX_COMPRESSION_RATIO = 200;
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxFileBytes: MAX_UPLOAD_BYTES,
  maxEntries: MAX_ARCHIVE_ENTRIES,
  maxEntryBytes: MAX_ENTRY_BYTES,
  maxTotalBytes: MAX_TOTAL_BYTES,
  maxRatio: MAX_COMPRESSION_RATIO,
  ratioFloorBytes: RATIO_FLOOR_BYTES,
};

export type ArchiveRefusalCode =
  | 'too-large'
  | 'empty'
  | 'legacy-xls'
  | 'encrypted'
  | 'pdf'
  | 'text'
  | 'not-zip'
  | 'too-many-entries'
  | 'entry-too-large'
  | 'total-too-large'
  | 'ratio'
  | 'unsafe-name'
  | 'corrupt';

export type ArchiveInspection =
  | {
      ok: true;
      bytes: Buffer;
      entries: string[];
      inflatedBytes: number;
      /** The inflated contents of the entries `keep` asked for (inflated anyway to check them). */
      kept: Map<string, Buffer>;
    }
  | { ok: false; code: ArchiveRefusalCode; message: string };

const MB = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** What to send instead, said after every refusal of a file that is not a usable workbook. */
const SEND_XLSX = '请发送用模板填写的 Excel 工作簿（.xlsx 文件）。';

const refuse = (code: ArchiveRefusalCode, message: string): ArchiveInspection => ({ ok: false, code, message });

export interface InspectOptions {
  /** Entries whose inflated contents the caller wants back. */
  keep?: (name: string) => boolean;
}

/** Inspect an upload (its bytes, or the path of a file not yet read). */
export async function inspectArchive(source: Buffer | string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, options: InspectOptions = {}): Promise<ArchiveInspection> {
  const size = typeof source === 'string' ? (await stat(source)).size : source.length;
  if (size > limits.maxFileBytes) {
    return refuse('too-large', `文件有 ${MB(size)}，超过了 ${MB(limits.maxFileBytes)} 的上限，没有读取。附表工作簿通常只有几百 KB：请删去表格以外的图片、多余的工作表后另存为 .xlsx，或把表格分成几个文件分别发送。`);
  }
  if (size === 0) return refuse('empty', `收到的文件是空的（0 字节）。${SEND_XLSX}`);
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const kind = sniff(bytes);
  if (kind) return kind;
  return inspectZip(bytes, limits, options);
}

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const utf16 = (text: string) => Buffer.from(text, 'utf16le');

/** Refusals decided by the first bytes: anything that is not a zip, said as what it is. */
function sniff(bytes: Buffer): ArchiveInspection | undefined {
  if (bytes.subarray(0, 8).equals(CFB_MAGIC)) {
    // An OLE compound file: Excel's encrypted .xlsx (streams EncryptionInfo, EncryptedPackage) or a legacy .xls.
    if (bytes.includes(utf16('EncryptedPackage')) || bytes.includes(utf16('EncryptionInfo'))) {
      return refuse('encrypted', '这个工作簿设置了打开密码，助手无法读取。请在 Excel 中打开它，点“文件 → 信息 → 保护工作簿 → 用密码进行加密”，清空密码后保存（WPS：“文件 → 文档加密 → 密码加密”，清空打开密码），再重新发送。');
    }
    return refuse('legacy-xls', '这是旧版 Excel 文件（.xls），助手只能读取 .xlsx。请在 Excel 或 WPS 中打开它，“另存为”Excel 工作簿（*.xlsx）后重新发送。');
  }
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    return refuse('pdf', `这是 PDF 文件，不是可编辑的表格，助手无法从中读取各行数据。${SEND_XLSX}（盖章扫描件请作为证明材料另行上传。）`);
  }
  if (bytes.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return undefined;
  if (bytes.subarray(0, 4).toString('latin1') === 'PK\x05\x06') return refuse('empty', `这是一个空的压缩包，里面没有表格。${SEND_XLSX}`);
  if (looksLikeText(bytes)) {
    return refuse('text', `这是文本文件（如 CSV 或网页导出的表格），不是 Excel 工作簿。请在 Excel 或 WPS 中打开它，“另存为”Excel 工作簿（*.xlsx）后重新发送。`);
  }
  return refuse('not-zip', `这个文件不是 Excel 工作簿（.xlsx），可能是其他类型的文件改了扩展名。${SEND_XLSX}`);
}

/** No control character but tab and line breaks in the first KB (UTF-8 or GBK alike): a CSV, an HTML “xls”, a text file. */
function looksLikeText(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 1024);
  return head.length > 0 && head.every((b) => b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}

interface Listed { entry: Entry; name: string }

async function inspectZip(bytes: Buffer, limits: ArchiveLimits, options: InspectOptions): Promise<ArchiveInspection> {
  let zip: ZipFile;
  try {
    // Names are checked here, in our words, rather than by yauzl's decoder.
    zip = await openZip(bytes);
  } catch {
    return refuse('corrupt', `文件已损坏或不完整，无法作为 Excel 工作簿打开（可能是下载或传输中断）。请在 Excel 中确认能打开后重新保存为 .xlsx，再发送。`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      return refuse('too-many-entries', `这个文件里有 ${zip.entryCount} 个部件，远多于一个表格工作簿应有的数量（上限 ${limits.maxEntries}），没有读取。${SEND_XLSX}`);
    }
    const centralDirectoryOffset = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
    const listed: Listed[] = [];
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      const name = (entry.fileName as unknown as Buffer).toString('utf8');
      if (unsafeName(name)) {
        return refuse('unsafe-name', `文件中有不安全的路径（“${name.slice(0, 60)}”），不是正常的 Excel 工作簿，没有读取。${SEND_XLSX}`);
      }
      if (entry.isEncrypted()) return refuse('encrypted', `文件内容已加密，助手无法读取。请取消加密后另存为 .xlsx 再发送。`);
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        return refuse('entry-too-large', `文件中的“${name}”解压后有 ${MB(entry.uncompressedSize)}，超过了 ${MB(limits.maxEntryBytes)} 的上限，没有读取。请删去多余的内容（或把表格分成几个文件）后重新发送。`);
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) {
        return refuse('total-too-large', `文件解压后超过 ${MB(limits.maxTotalBytes)}，远大于一个附表工作簿，没有读取。请删去多余的工作表和内容，或把表格分成几个文件分别发送。`);
      }
      const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
      if (entry.uncompressedSize >= limits.ratioFloorBytes && ratio > limits.maxRatio) {
        return refuse('ratio', `文件中的“${name}”压缩比异常（${Math.round(ratio)} 倍，上限 ${limits.maxRatio} 倍），不像正常的表格，没有读取。请在 Excel 中打开确认内容后重新另存为 .xlsx 再发送。`);
      }
      listed.push({ entry, name });
    }
    if (!(await coversFile(zip, listed, centralDirectoryOffset))) {
      return refuse('corrupt', `文件结构异常（压缩包里有目录未列出的数据），不是正常保存的 Excel 工作簿，没有读取。请在 Excel 中打开后重新另存为 .xlsx 再发送。`);
    }
    const kept = new Map<string, Buffer>();
    for (const { entry, name } of listed) {
      const contents = await inflate(zip, entry, options.keep?.(name) ?? false);
      if (!contents) {
        return refuse('corrupt', `文件中的“${name}”解压后的大小与声明不符，文件已损坏或被改动，没有读取。请在 Excel 中打开后重新另存为 .xlsx 再发送。`);
      }
      if (contents !== true) kept.set(name, contents);
    }
    return { ok: true, bytes, entries: listed.map((l) => l.name), inflatedBytes: total, kept };
  } finally {
    zip.close();
  }
}

function openZip(bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    );
  });
}

/** `..` segments, absolute paths, drive letters, NUL. */
function unsafeName(name: string): boolean {
  return name.includes('\0') || /^[\\/]/.test(name) || /^[a-zA-Z]:/.test(name) || /(^|[\\/])\.\.([\\/]|$)/.test(name);
}

/** A data descriptor after an entry's data: 12 or 16 bytes, 20 or 24 with Zip64 sizes. */
const MAX_DESCRIPTOR = 24;

/**
 * Whether the listed entries, one after the other, account for every byte before the central directory: no overlap
 * (one compressed stream counted as many files) and no gap large enough to hide a local entry (30 bytes at least).
 */
async function coversFile(zip: ZipFile, listed: Listed[], centralDirectoryOffset: number): Promise<boolean> {
  const spans: { start: number; end: number }[] = [];
  for (const { entry } of listed) {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    spans.push({ start: entry.relativeOffsetOfLocalHeader, end: fileDataStart + entry.compressedSize });
  }
  spans.sort((a, b) => a.start - b.start);
  let cursor = 0;
  for (const span of spans) {
    const gap = span.start - cursor;
    if (gap < 0 || gap > MAX_DESCRIPTOR) return false;
    cursor = span.end;
  }
  const tail = centralDirectoryOffset - cursor;
  return tail >= 0 && tail <= MAX_DESCRIPTOR;
}

/**
 * Inflate one entry, to nowhere unless its contents are wanted (then into a buffer of its declared size, filled in
 * place); yauzl stops with an error as soon as it yields more (or fewer) bytes than declared. False when it did not
 * inflate as declared.
 */
async function inflate(zip: ZipFile, entry: Entry, keep: boolean): Promise<Buffer | true | false> {
  const contents = keep ? Buffer.allocUnsafe(entry.uncompressedSize) : undefined;
  let at = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          if (contents) chunk.copy(contents, at);
          at += chunk.length;
          done();
        },
      }),
    );
    return contents ?? true;
  } catch {
    return false;
  }
}
