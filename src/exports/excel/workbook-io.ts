import { PassThrough } from 'node:stream';
import type ExcelJS from 'exceljs';
import { DEFAULT_ARCHIVE_LIMITS, inspectArchive, type ArchiveLimits, type ArchiveRefusalCode } from '../../files/archive-guard.ts';
import { parseSharedStrings, parseSheet, parseWorkbook, TooManyRows, type ReadCell, type SheetEntry } from './sheet-xml.ts';

/**
 * Workbooks in and out of memory. Reading one someone sent us: inspectArchive first finds it a safe, genuine zip and
 * inflates the parts a reading needs (bounded by its limits); those are then parsed by our own event reader
 * (sheet-xml.ts), which keeps nothing but the cells. exceljs is handed an upload only to write an annotated copy, and
 * only after it was read successfully here.
 *
 * Styles are not read: merges, fonts and number formats do not matter to an importer that finds its header by text. A
 * date therefore arrives as Excel's serial day number; the importer knows which columns hold dates and converts it
 * there (see `isoFromSerial`).
 */

export type { ReadCell } from './sheet-xml.ts';
export { columnOf, isoFromSerial } from './sheet-xml.ts';

export interface ReadSheet {
  name: string;
  /** Cells by row number (as the operator sees it), each row indexed by column number (1-based; index 0 unused). */
  rows: Map<number, ReadCell[]>;
  lastRow: number;
}

export interface ReadWorkbook {
  sheets: ReadSheet[];
  /** Serial day numbers count from 1904 (old Mac workbooks) rather than 1900. */
  date1904: boolean;
}

export type WorkbookRefusalCode = ArchiveRefusalCode | 'not-xlsx' | 'too-many-rows' | 'unreadable';

export type WorkbookReading = { ok: true; workbook: ReadWorkbook } | { ok: false; code: WorkbookRefusalCode; message: string };

/** Rows per sheet beyond which a file is refused rather than read: an annex table has hundreds, at most thousands. */
export const MAX_SHEET_ROWS = 50_000;

/** Columns read: an annex table has at most a few dozen; what stands further right is no part of it. */
export const MAX_SHEET_COLUMNS = 100;

export interface ReadLimits {
  archive?: ArchiveLimits;
  maxRows?: number;
}

const SEND_XLSX = '请发送用模板填写的 Excel 工作簿（.xlsx 文件）。';
const UNREADABLE = '文件无法作为 Excel 工作簿完整读取（可能已损坏，或由不兼容的软件生成）。请在 Excel 或 WPS 中打开后重新“另存为”.xlsx 再发送。';

/** The kind of Office file a zip is, when it is not a workbook. */
function notWorkbook(entries: string[]): string {
  if (entries.includes('word/document.xml')) return `这是 Word 文档，不是 Excel 表格。${SEND_XLSX}`;
  if (entries.includes('ppt/presentation.xml')) return `这是 PowerPoint 演示文稿，不是 Excel 表格。${SEND_XLSX}`;
  return `这是一个 zip 压缩包，不是 Excel 工作簿。如果表格在压缩包里，请解压后只发送其中的 .xlsx 文件。`;
}

/** The parts a reading needs: the workbook, its relationships, the shared strings and the worksheets. */
const READ_PARTS = /^xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|worksheets\/[^/]+\.xml)$/;

const SHARED_STRINGS = 'xl/sharedStrings.xml';

/** Read every sheet of an uploaded workbook (bytes, or the path of a file not yet read). */
export async function readWorkbook(source: Buffer | string, limits: ReadLimits = {}): Promise<WorkbookReading> {
  const inspected = await inspectArchive(source, limits.archive ?? DEFAULT_ARCHIVE_LIMITS, { keep: (name) => READ_PARTS.test(name) });
  if (!inspected.ok) return inspected;
  if (!inspected.entries.includes('xl/workbook.xml')) return { ok: false, code: 'not-xlsx', message: notWorkbook(inspected.entries) };
  const maxRows = limits.maxRows ?? MAX_SHEET_ROWS;
  const parts = inspected.kept;
  const sheets: ReadSheet[] = [];
  let entry: SheetEntry | undefined;
  try {
    const { sheets: entries, date1904 } = parseWorkbook(parts.get('xl/workbook.xml')!, parts.get('xl/_rels/workbook.xml.rels'));
    const shared = parts.has(SHARED_STRINGS) ? parseSharedStrings(parts.get(SHARED_STRINGS)!) : [];
    parts.delete(SHARED_STRINGS);
    for (entry of entries) {
      const xml = parts.get(entry.part);
      // A sheet the workbook lists but the file lacks: a lost sheet would look like a table that is not there.
      if (!xml) return { ok: false, code: 'unreadable', message: UNREADABLE };
      sheets.push({ name: entry.name, ...parseSheet(xml, shared, { date1904, maxRows, maxColumns: MAX_SHEET_COLUMNS }) });
      // Each sheet's text let go once its cells are read.
      parts.delete(entry.part);
    }
    return { ok: true, workbook: { sheets, date1904 } };
  } catch (error) {
    if (error instanceof TooManyRows) {
      return {
        ok: false,
        code: 'too-many-rows',
        message: `工作表“${entry?.name ?? ''}”超过 ${maxRows} 行，远多于一份附表，没有读取。请删去表格以外的内容，或把表格分成几个文件分别发送。`,
      };
    }
    return { ok: false, code: 'unreadable', message: UNREADABLE };
  }
}


/**
 * exceljs, loaded when a workbook is first written: it is the heaviest module of the program (25 MB resident), and a
 * process that only reads uploads (sheet-xml.ts) or never exports does not need it.
 */
export async function excel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

/**
 * Load an uploaded workbook whole, change it and write it back (an annotated copy for the operator): inspected first,
 * like every read. Throws when the file is refused; callers pass only files already read successfully.
 */
export async function editWorkbook(source: Buffer | string, edit: (workbook: ExcelJS.Workbook) => void, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<Buffer> {
  const inspected = await inspectArchive(source, limits);
  if (!inspected.ok) throw new Error(inspected.message);
  const workbook = new (await excel()).Workbook();
  await workbook.xlsx.load(inspected.bytes as unknown as ExcelJS.Buffer);
  edit(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * A streaming workbook written into memory: rows are written out as each sheet is committed (a big table never sits
 * in exceljs's model whole); `finish()` commits the workbook and gives its bytes.
 */
export async function streamingWorkbook(): Promise<{ workbook: ExcelJS.stream.xlsx.WorkbookWriter; finish(): Promise<Buffer> }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const drained = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject));
  const workbook = new (await excel()).stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  workbook.creator = '申报助手';
  return {
    workbook,
    async finish() {
      await workbook.commit();
      await drained;
      return Buffer.concat(chunks);
    },
  };
}
