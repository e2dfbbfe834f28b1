import { readFileSync } from 'node:fs';
import { createDeflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { LoadedFlow } from '../../src/flow/loader.ts';
import { choicesOf } from '../../src/flow/loader.ts';
import type { AnnexTable, Column } from '../../src/flow/schema.ts';
import type { TableValue } from '../../src/engine/values.ts';
import { localRecord, rawZip, type RawZipEntry } from '../support/raw-zip.ts';

/**
 * Helpers of the Excel tests: the seed's own text of an annex table, plausible rows per column type, filling a template
 * the way an operator does in Excel, and zip files built byte by byte (bombs, hidden entries).
 */

const SEEDS = '/work/shared/seeds';

/** The seed's text of one annex table: from its 附表 line to the next 附表 or 附件 line. */
export function seedSection(loaded: LoadedFlow, table: AnnexTable): string[] {
  const lines = readFileSync(`${SEEDS}/${loaded.flow.seed}`, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.replace(/\[bookmark:[^\]]*\]/, '').trim() === table.ref);
  if (start < 0) throw new Error(`${table.ref} not in ${loaded.flow.seed}`);
  const end = lines.findIndex((l, i) => i > start && /^\s*(\[bookmark:[^\]]*\])?附[表件]\d/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

/** A table cell of the seed's text (a line starting with a tab), without the marks the converter left. */
const cellOf = (line: string) => line.replace(/^\t/, '').replace(/\[bookmark:[^\]]*\]/, '').replace(/\u3000/g, '').trim();

/** The seed's header texts in reading order (upper row, then the sub-labels under groups): the cells before the data. */
export function seedHeader(section: string[]): string[] {
  const cells: string[] = [];
  for (const line of section.slice(2)) {
    if (!line.startsWith('\t')) continue;
    const text = cellOf(line);
    if (/^\d+$|^…+$/.test(text) || text === '合计' || text === '平均满意度' || text.startsWith('填表说明')) break;
    if (text) cells.push(text);
  }
  return cells;
}

/** The seed's computed row (合计, 平均满意度): its cells, '' where a figure goes and '—' where the seed writes one. */
export function seedSummary(section: string[], label: string): string[] | undefined {
  const at = section.findIndex((l) => l.startsWith('\t') && cellOf(l) === label);
  if (at < 0) return undefined;
  const cells: string[] = [];
  for (const line of section.slice(at)) {
    if (!line.startsWith('\t') || cellOf(line).startsWith('填表说明')) break;
    const text = cellOf(line);
    cells.push(/^—+$/.test(text) ? '—' : text);
  }
  return cells;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A plausible value for row i of a column, in the stored form (decimal strings, ISO dates, choice values). */
export function plausible(loaded: LoadedFlow, column: Column, i: number, year: number): string | number | boolean | null {
  if (!column.required && i % 3 === 0) return null;
  switch (column.type) {
    case 'integer': return column.id === 'seq' ? i + 1 : 10 + (i % 50);
    case 'year': return year;
    case 'amount': return `${1000 + i}.25`;
    case 'area': return `${100 + i}.5`;
    case 'percent': return `${80 + (i % 20)}.5`;
    case 'date': return `${year}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`;
    case 'yesno': return i % 2 === 0;
    case 'choice': {
      const choices = choicesOf(loaded, column);
      return choices[i % choices.length].value;
    }
    default: return `测试${column.label.replace(/.*：/, '')}${i + 1}`;
  }
}

export function plausibleRows(loaded: LoadedFlow, table: AnnexTable, count: number): TableValue {
  return Array.from({ length: count }, (_, i) => Object.fromEntries(table.columns.map((c) => [c.id, plausible(loaded, c, i, loaded.flow.year)])));
}

/** A stored value as an operator types it into a cell: numbers as numbers, dates as dates, choices by label, 是/否. */
export function typedCell(loaded: LoadedFlow, column: Column, value: string | number | boolean | null): ExcelJS.CellValue {
  if (value === null) return null;
  switch (column.type) {
    case 'amount':
    case 'area':
    case 'percent': return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
      const [y, m, d] = String(value).split('-').map(Number);
      return new Date(Date.UTC(y, m - 1, d));
    }
    case 'yesno': return typeof value === 'boolean' ? (value ? '是' : '否') : value;
    // A value that is no choice is typed as it is (an operator pasting past the dropdown).
    case 'choice': return choicesOf(loaded, column).find((c) => c.value === value)?.label ?? (value as string);
    default: return value as string | number;
  }
}

/** The template with `rows` typed into its input rows (starting at `firstRow`), as Excel would save it. */
export async function fillTemplate(
  template: Buffer,
  loaded: LoadedFlow,
  table: AnnexTable,
  rows: Array<Record<string, ExcelJS.CellValue | string | number | boolean | null>>,
  firstRow: number,
  raw = false,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(template as unknown as ExcelJS.Buffer);
  const sheet = workbook.worksheets[0];
  rows.forEach((row, i) => {
    table.columns.forEach((column, c) => {
      const value = row[column.id];
      const cell = sheet.getCell(firstRow + i, c + 1);
      cell.value = raw ? ((value ?? null) as ExcelJS.CellValue) : typedCell(loaded, column, value as string | number | boolean | null);
    });
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function readBack(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return workbook;
}

// ---------------------------------------------------------------------------------------------------------------
// Zips built by hand (test/support/raw-zip.ts).

export type { RawZipEntry as RawEntry } from '../support/raw-zip.ts';

/** A zip of the entries, one after the other, with a central directory listing them. */
export const zipOf = rawZip;

export const stored = (name: string, text: string): RawZipEntry => ({ name, data: Buffer.from(text, 'utf8') });

/** `megabytes` MB of zeros, deflated: about 1 KB per MB. */
export async function deflatedZeros(megabytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const zero = Buffer.alloc(1 << 20);
  for (let i = 0; i < megabytes; i++) deflate.write(zero);
  deflate.end();
  await new Promise((resolve) => deflate.on('end', resolve));
  return Buffer.concat(chunks);
}

/** A zip bomb shaped like a workbook: the usual parts, and a sheet of `megabytes` MB of zeros declared as `declared` bytes. */
export async function workbookBomb(megabytes: number, declared = megabytes * 1024 * 1024): Promise<Buffer> {
  return zipOf([
    stored('[Content_Types].xml', '<Types/>'),
    stored('xl/workbook.xml', '<workbook/>'),
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(0), deflated: await deflatedZeros(megabytes), crc: 0, declaredSize: declared },
  ]);
}

/**
 * A valid workbook with one more entry between its last entry and its central directory, listed nowhere: a reader that
 * walks the file from its start (exceljs's streaming reader) would inflate it; one that reads the directory never sees it.
 */
export function withHiddenEntry(workbook: Buffer, hidden: RawZipEntry): Buffer {
  const eocd = workbook.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const cdOffset = workbook.readUInt32LE(eocd + 16);
  const extra = localRecord(hidden);
  const out = Buffer.concat([workbook.subarray(0, cdOffset), extra, workbook.subarray(cdOffset)]);
  out.writeUInt32LE(cdOffset + extra.length, eocd + extra.length + 16);
  return out;
}

/** The first bytes of an OLE compound file, as Excel writes a password-protected workbook (or a legacy .xls). */
export function compoundFile(streams: string[]): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x003e, 24);
  header.writeUInt16LE(0x0003, 26);
  header.writeUInt16LE(0xfffe, 28);
  header.writeUInt16LE(9, 30);
  // A directory sector: one 128-byte entry per stream, its name in UTF-16LE.
  const directory = Buffer.alloc(512);
  streams.forEach((name, i) => {
    const utf16 = Buffer.from(`${name}\0`, 'utf16le');
    utf16.copy(directory, i * 128);
    directory.writeUInt16LE(utf16.length, i * 128 + 64);
    directory.writeUInt8(2, i * 128 + 66);
  });
  return Buffer.concat([header, directory]);
}
