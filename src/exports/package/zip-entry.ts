import { extensionOf } from './windows-names.ts';

/**
 * What one file costs in a part, known before anything is written, so the parts can be planned from sizes alone and
 * none can end up over the limit (research B: compressed sizes are unknown until written).
 *
 * Stored or deflated: scans, photos, PDFs and Office files are compressed already, so deflating them gains a few
 * percent at 8–28 MB/s (research B, measured) against the disk's hundreds of MB/s: they are stored. Plain text and
 * the uncompressed old formats (.doc, .xls, .bmp) shrink several times and are small, so they are deflated.
 */

/** Extensions worth deflating; anything else (pdf jpg png docx xlsx zip rar 7z mp4 …, or unknown) is stored. */
const DEFLATE = new Set(['.txt', '.csv', '.tsv', '.xml', '.html', '.htm', '.json', '.md', '.log', '.rtf', '.doc', '.xls', '.ppt', '.wps', '.et', '.bmp', '.svg']);
/** Above this a text file is stored anyway: deflating 8 MiB at level 6 already takes about half a second. */
const DEFLATE_MAX_BYTES = 8 * 1024 * 1024;

export function shouldDeflate(name: string, size: number): boolean {
  return size <= DEFLATE_MAX_BYTES && DEFLATE.has(extensionOf(name));
}

/**
 * The most bytes an entry can take in a yazl 3.3 archive (index.js: local header 30 + name with no extra field, a
 * data descriptor of 16 or 24 bytes, a central record 46 + name + 9 for the timestamp field + 28 for Zip64 fields).
 * Deflated data is bounded by zlib's deflateBound (stored blocks when deflating does not pay), plus slack.
 */
export function entryBound(nameBytes: number, size: number, deflate: boolean): number {
  const data = deflate ? size + (size >> 12) + (size >> 14) + (size >> 25) + 13 + 64 : size;
  return 30 + nameBytes + data + 24 + 46 + nameBytes + 9 + 28;
}

/** The end of an archive: the end-of-central-directory record, and its Zip64 form with its locator. */
export const ARCHIVE_END_BOUND = 22 + 56 + 20;

export const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');
