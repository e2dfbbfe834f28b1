import { isAscii } from 'node:buffer';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import yazl from 'yazl';
import { DEFAULT_ARCHIVE_LIMITS, inspectArchive, type ArchiveLimits, type ArchiveRefusalCode } from '../../files/archive-guard.ts';

/**
 * Reading workbooks someone sent us: the only module that hands an uploaded file to exceljs, and only after
 * inspectArchive has found it a safe, genuine zip. Everything above it sees plain cell values, never exceljs types.
 *
 * Reading streams (exceljs's WorkbookReader) with styles ignored: merges, fonts and number formats do not matter to an
 * importer that finds its header by text (the streaming reader ignores merges anyway), and skipping styles halves the
 * time of a 10,000-row sheet. A date therefore arrives as Excel's serial day number; the importer knows which columns
 * hold dates and converts it there (see `isoFromSerial`). The in-memory reader needs over 200 MB for such a sheet.
 *
 * exceljs is not given the upload itself but a copy of the parts it reads (inflated anyway by the inspection), for two
 * faults of its streaming reader:
 * - it decodes each chunk of XML to text on its own (lib/utils/parse-sax.js), so a Chinese character whose UTF-8 bytes
 *   straddle two chunks comes out as “�”. In the copy every XML part is pure ASCII, every other character an XML
 *   character reference (中 → &#20013;, which the XML parser turns back into 中 whatever the chunks);
 * - a sheet that comes before the shared strings (as exceljs, and Excel, write them), or any sheet of a workbook without
 *   shared strings, is spooled to a temporary file, and with the file in memory, entries after a spooled sheet were
 *   lost. In the copy the sheets come last, after a table of shared strings (an empty one if the workbook has none),
 *   and the number of sheets read is checked against the number in the file.
 * Only the sheets named xl/worksheets/sheetN.xml are read (as exceljs names and finds them).
 */

/** A cell as read: text, number, 是/否 typed as TRUE/FALSE, a formula (with the result Excel saved, if any), an error. */
export type ReadCell =
  | null
  | string
  | number
  | boolean
  | { formula: string; result?: string | number | boolean }
  | { error: string };

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

/** The parts a reading needs: the workbook, its relationships, the shared strings and the sheets. */
const READ_PARTS = /^xl\/(workbook\.xml|_rels\/workbook\.xml\.rels|sharedStrings\.xml|worksheets\/sheet\d+\.xml)$/;

/** Read every sheet of an uploaded workbook (bytes, or the path of a file not yet read). */
export async function readWorkbook(source: Buffer | string, limits: ReadLimits = {}): Promise<WorkbookReading> {
  const inspected = await inspectArchive(source, limits.archive ?? DEFAULT_ARCHIVE_LIMITS, { keep: (name) => READ_PARTS.test(name) });
  if (!inspected.ok) return inspected;
  if (!inspected.entries.includes('xl/workbook.xml')) return { ok: false, code: 'not-xlsx', message: notWorkbook(inspected.entries) };
  const maxRows = limits.maxRows ?? MAX_SHEET_ROWS;
  const sheetParts = [...inspected.kept.keys()].filter((name) => name.includes('/worksheets/')).length;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(asciiWorkbook(inspected.kept), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  const sheets: ReadSheet[] = [];
  try {
    for await (const worksheet of reader) {
      const sheet: ReadSheet = { name: (worksheet as unknown as { name: string }).name, rows: new Map(), lastRow: 0 };
      for await (const row of worksheet as unknown as AsyncIterable<ExcelJS.Row>) {
        if (sheet.rows.size >= maxRows) {
          return {
            ok: false,
            code: 'too-many-rows',
            message: `工作表“${sheet.name}”超过 ${maxRows} 行，远多于一份附表，没有读取。请删去表格以外的内容，或把表格分成几个文件分别发送。`,
          };
        }
        // The getter makes a new array, converted in place; dense, as exceljs leaves holes that array methods skip.
        const cells = row.values as unknown as ReadCell[];
        for (let c = 0; c < cells.length; c++) cells[c] = readCell(cells[c] as ExcelJS.CellValue | undefined);
        sheet.rows.set(row.number, cells);
        sheet.lastRow = Math.max(sheet.lastRow, row.number);
      }
      sheets.push(sheet);
    }
  } catch {
    return { ok: false, code: 'unreadable', message: UNREADABLE };
  }
  // Every sheet read, or none: a sheet lost on the way would look like a table that is not there.
  if (sheets.length !== sheetParts) return { ok: false, code: 'unreadable', message: UNREADABLE };
  const properties = (reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties;
  return { ok: true, workbook: { sheets, date1904: Boolean(properties?.model?.date1904) } };
}

function readCell(value: ExcelJS.CellValue | undefined): ReadCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.getTime() / 86_400_000 + 25569;
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    const formula = String((value as { formula?: string }).formula ?? (value as { sharedFormula?: string }).sharedFormula ?? '');
    const kept = typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean' ? result : undefined;
    return kept === undefined ? { formula } : { formula, result: kept };
  }
  if ('error' in value) return { error: String(value.error) };
  if ('text' in value) return String((value as { text: unknown }).text);
  return null;
}

/** The sheets last, after the shared strings and the workbook's own parts (see the module comment). */
const PART_ORDER = (name: string) => (name.includes('/worksheets/') ? 1 : 0);

const SHARED_STRINGS = 'xl/sharedStrings.xml';
/** An empty table of shared strings, for a workbook that keeps its texts in the sheets: the reader spools the sheets without one. */
const NO_SHARED_STRINGS = Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>');

/** The parts as a stored zip in pure ASCII (see the module comment), in pieces as it is written; each let go once added. */
function asciiWorkbook(parts: Map<string, Buffer>): Readable {
  if (!parts.has(SHARED_STRINGS)) parts.set(SHARED_STRINGS, NO_SHARED_STRINGS);
  const zip = new yazl.ZipFile();
  const names = [...parts.keys()].sort((a, b) => PART_ORDER(a) - PART_ORDER(b));
  for (const name of names) {
    zip.addBuffer(asciiXml(parts.get(name)!), name, { compress: false });
    parts.delete(name);
  }
  zip.end();
  return Readable.from(inPieces(zip.outputStream as AsyncIterable<Buffer>));
}

/**
 * A zip in pieces of 16 KB, as the in-memory reader feeds its parser: the streaming reader turns each piece it is
 * given into parser events all at once, so a sheet given whole would be held as events whole (200 MB for a 10,000-row
 * sheet), and its zip parser copies what it holds on every read.
 */
async function* inPieces(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, size = 16 * 1024): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
}

/** XML with every non-ASCII character as a character reference; CDATA sections (where references are not read) kept. */
export function asciiXml(xml: Buffer): Buffer {
  // Most sheets hold indexes into the shared strings and are ASCII already.
  if (isAscii(xml)) return xml;
  const text = xml.toString('utf8').replace(/^\uFEFF/, '');
  const ascii = text
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[^\x00-\x7f]/gu, (ch) => `&#${ch.codePointAt(0)};`)))
    .join('');
  return Buffer.from(ascii, 'utf8');
}

const DAY_MS = 86_400_000;

/** The ISO date of an Excel serial day number (time of day dropped). */
export function isoFromSerial(serial: number, date1904 = false): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.floor(serial + 1e-9) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Load an uploaded workbook whole, change it and write it back (an annotated copy for the operator): inspected first,
 * like every read. Throws when the file is refused; callers pass only files already read successfully.
 */
export async function editWorkbook(source: Buffer | string, edit: (workbook: ExcelJS.Workbook) => void, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<Buffer> {
  const inspected = await inspectArchive(source, limits);
  if (!inspected.ok) throw new Error(inspected.message);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(inspected.bytes as unknown as ExcelJS.Buffer);
  edit(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * A streaming workbook written into memory: rows are written out as each sheet is committed (a big table never sits
 * in exceljs's model whole); `finish()` commits the workbook and gives its bytes.
 */
export function streamingWorkbook(): { workbook: ExcelJS.stream.xlsx.WorkbookWriter; finish(): Promise<Buffer> } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const drained = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
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
