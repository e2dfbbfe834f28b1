import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/**
 * The parts of an .xlsx that an import reads — the workbook (its sheets and date system), its relationships, the
 * shared strings and the sheets — parsed with saxes straight from the inflated bytes, one event at a time.
 *
 * Why not exceljs's streaming reader: it holds a 10,000-row sheet as parser events and copies what it buffers (about
 * 65 MB over the parts themselves, 180–200 MB at peak for one such import against a 150 MB target), splits Chinese
 * characters that straddle two chunks, and loses sheets that come before the shared strings. Here a sheet costs its
 * cells and nothing more. saxes is the XML parser exceljs itself uses; it expands no entity declarations, so a
 * “billion laughs” DOCTYPE is an unknown-entity error, not a gigabyte.
 *
 * Element names are compared without their prefix (some writers qualify every element, `x:c`); relationships are
 * found by type, so sheets named otherwise than sheetN.xml (WPS, LibreOffice, scripts) are read too.
 */

/** A cell as read: text, number, 是/否 typed as TRUE/FALSE, a formula (with the result Excel saved, if any), an error. */
export type ReadCell =
  | null
  | string
  | number
  | boolean
  | { formula: string; result?: string | number | boolean }
  | { error: string };

export interface SheetEntry {
  name: string;
  /** The part's path in the archive (xl/worksheets/sheet1.xml). */
  part: string;
}

export interface WorkbookParts {
  sheets: SheetEntry[];
  /** Serial day numbers count from 1904 (old Mac workbooks) rather than 1900. */
  date1904: boolean;
}

/** Thrown by `parseSheet` when a sheet has more rows than the caller allows. */
export class TooManyRows extends Error {}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** Runs saxes over `xml`, decoded in 64 KB pieces (a character split between two pieces is joined by the decoder). */
function parse(xml: Buffer, on: { open(tag: SaxesTagPlain, name: string): void; close(name: string): void; text?(text: string): void }): void {
  const parser = new SaxesParser({ xmlns: false, position: false });
  parser.on('opentag', (tag) => on.open(tag, localName(tag.name)));
  parser.on('closetag', (tag) => on.close(localName(tag.name)));
  if (on.text) {
    parser.on('text', on.text);
    parser.on('cdata', on.text);
  }
  const decoder = new StringDecoder('utf8');
  const piece = 64 * 1024;
  // A byte-order mark is not XML.
  const start = xml[0] === 0xef && xml[1] === 0xbb && xml[2] === 0xbf ? 3 : 0;
  for (let at = start; at < xml.length; at += piece) parser.write(decoder.write(xml.subarray(at, at + piece)));
  parser.write(decoder.end());
  parser.close();
}

/** An attribute by its name as written, or (prefixed) by its local name under any prefix: `id` finds `r:id`. */
function attribute(tag: SaxesTagPlain, name: string, prefixed = false): string | undefined {
  if (!prefixed) return tag.attributes[name];
  for (const key in tag.attributes) {
    const colon = key.indexOf(':');
    if (colon > 0 && key.slice(colon + 1) === name) return tag.attributes[key];
  }
  return undefined;
}

/** Where a relationship's target points, as an archive path: relative to xl/, or absolute from the archive's root. */
function resolveTarget(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = ['xl'];
  for (const segment of target.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

/** The worksheets (not chart sheets) in the workbook's order, with where each is, and the date system. */
export function parseWorkbook(workbookXml: Buffer, relsXml: Buffer | undefined): WorkbookParts {
  const targets = new Map<string, string>();
  if (relsXml) {
    parse(relsXml, {
      open(tag, name) {
        if (name !== 'Relationship') return;
        const type = attribute(tag, 'Type') ?? '';
        const id = attribute(tag, 'Id');
        const target = attribute(tag, 'Target');
        if (id && target && type.endsWith('/worksheet') && attribute(tag, 'TargetMode') !== 'External') targets.set(id, resolveTarget(target));
      },
      close() {},
    });
  }
  const sheets: SheetEntry[] = [];
  let date1904 = false;
  parse(workbookXml, {
    open(tag, name) {
      if (name === 'workbookPr') {
        const value = attribute(tag, 'date1904');
        date1904 = value === '1' || value === 'true';
      } else if (name === 'sheet') {
        const part = targets.get(attribute(tag, 'id', true) ?? '');
        if (part) sheets.push({ name: attribute(tag, 'name') ?? '', part });
      }
    },
    close() {},
  });
  return { sheets, date1904 };
}

/** The shared strings in order; a rich text's runs joined, its phonetic guide (rPh, e.g. furigana) left out. */
export function parseSharedStrings(xml: Buffer): string[] {
  const strings: string[] = [];
  let item: string[] | null = null;
  let inText = false;
  let phonetic = 0;
  parse(xml, {
    open(_, name) {
      if (name === 'si') item = [];
      else if (name === 'rPh') phonetic++;
      else if (name === 't' && item && phonetic === 0) inText = true;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && item) {
        strings.push(item.join(''));
        item = null;
      }
    },
    text(text) {
      if (inText) item!.push(text);
    },
  });
  return strings;
}

const DAY_MS = 86_400_000;
/** Day 0 of Excel's serial day numbers: 1899-12-30 (so that 1900's false leap day counts), or 1904-01-01 (old Macs). */
const serialEpoch = (date1904: boolean) => (date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30));

/** The ISO date of an Excel serial day number (time of day dropped). */
export function isoFromSerial(serial: number, date1904 = false): string {
  return new Date(serialEpoch(date1904) + Math.floor(serial + 1e-9) * DAY_MS).toISOString().slice(0, 10);
}

/** A column's number from a cell reference: B7 → 2. */
export function columnOf(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) column = column * 26 + code - 64;
    else if (code >= 97 && code <= 122) column = column * 26 + code - 96;
    else break;
  }
  return column;
}

export interface ParsedSheet {
  /** Cells by row number (as the operator sees it), each row indexed by column number (1-based; index 0 unused). */
  rows: Map<number, ReadCell[]>;
  lastRow: number;
}

/**
 * A sheet's cells. Rows and cells without a reference follow the one before (as the format allows); rows with no
 * value are left out, and so are cells right of `maxColumns`. Throws TooManyRows past `maxRows` rows with values.
 */
export function parseSheet(xml: Buffer, shared: string[], options: { date1904: boolean; maxRows: number; maxColumns: number }): ParsedSheet {
  const rows = new Map<number, ReadCell[]>();
  let lastRow = 0;
  let inData = false;
  let rowNumber = 0;
  let cells: ReadCell[] = [];
  let column = 0;
  let type = 'n';
  let text = '';
  let capture: 'v' | 'f' | 't' | null = null;
  let value: string | null = null;
  let formula: string | null = null;
  let sharedIndex: string | undefined;
  let inline: string[] | null = null;
  let phonetic = 0;
  const sharedFormulas = new Map<string, string>();

  const cellValue = (): ReadCell => {
    if (type === 'inlineStr') return inline ? inline.join('') : null;
    let result: string | number | boolean | { error: string } | null = null;
    if (value !== null) {
      switch (type) {
        case 's': {
          const found = shared[Number(value)];
          result = found === undefined ? null : found;
          break;
        }
        case 'str':
          result = value;
          break;
        case 'b':
          result = value === '1' || value === 'true';
          break;
        case 'e':
          result = { error: value };
          break;
        case 'd': {
          // An ISO date kept as such (rare: Excel writes serials): the serial it stands for.
          const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value.endsWith('Z') ? value : `${value}Z`);
          result = Number.isNaN(ms) ? value : (ms - serialEpoch(options.date1904)) / DAY_MS;
          break;
        }
        default: {
          const n = value.trim() === '' ? NaN : Number(value);
          result = Number.isNaN(n) ? value : n;
        }
      }
    }
    if (formula === null) return result;
    // A formula's saved error is the cell's error; any other saved result is what the operator sees.
    if (result !== null && typeof result === 'object') return result;
    return result === null ? { formula } : { formula, result };
  };

  parse(xml, {
    open(tag, name) {
      if (name === 'sheetData') inData = true;
      if (!inData) return;
      switch (name) {
        case 'row': {
          const r = attribute(tag, 'r');
          rowNumber = r ? Number(r) : rowNumber + 1;
          cells = [];
          column = 0;
          break;
        }
        case 'c': {
          const r = attribute(tag, 'r');
          column = r ? columnOf(r) : column + 1;
          type = attribute(tag, 't') ?? 'n';
          value = null;
          formula = null;
          inline = null;
          break;
        }
        case 'v':
          capture = 'v';
          text = '';
          break;
        case 'f':
          capture = 'f';
          text = '';
          sharedIndex = attribute(tag, 't') === 'shared' ? attribute(tag, 'si') : undefined;
          break;
        case 'is':
          inline = [];
          break;
        case 'rPh':
          phonetic++;
          break;
        case 't':
          if (inline && phonetic === 0) {
            capture = 't';
            text = '';
          }
          break;
      }
    },
    close(name) {
      if (!inData) return;
      switch (name) {
        case 'v':
          value = text;
          capture = null;
          break;
        case 'f': {
          const own = text;
          // A shared formula's later cells carry only its index: they show the first cell's formula.
          if (sharedIndex !== undefined && own) sharedFormulas.set(sharedIndex, own);
          formula = own || (sharedIndex !== undefined ? (sharedFormulas.get(sharedIndex) ?? '') : '');
          capture = null;
          break;
        }
        case 't':
          if (capture === 't') inline!.push(text);
          capture = null;
          break;
        case 'rPh':
          phonetic--;
          break;
        case 'c': {
          const cell = cellValue();
          // A row is an array as wide as its last cell: a stray value in column XFD would make it 16,384 wide.
          if (cell !== null && column > 0 && column <= options.maxColumns) cells[column] = cell;
          break;
        }
        case 'row':
          if (cells.length > 0) {
            if (rows.size >= options.maxRows) throw new TooManyRows();
            // Dense: a hole would be skipped by array methods.
            for (let c = 0; c < cells.length; c++) if (cells[c] === undefined) cells[c] = null;
            rows.set(rowNumber, cells);
            if (rowNumber > lastRow) lastRow = rowNumber;
          }
          break;
        case 'sheetData':
          inData = false;
          break;
      }
    },
    text(piece) {
      if (capture) text += piece;
    },
  });
  return { rows, lastRow };
}
