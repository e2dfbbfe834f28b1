import zlib from 'node:zlib';

/**
 * A zip written byte by byte, as no zip library will: names in any encoding, the UTF-8 flag set or not, sizes that lie,
 * a body deflated elsewhere (a bomb's gigabyte of zeros is never held here), entries that share their bytes. Stored or
 * deflated, made on DOS (version 20), no extra fields, no data descriptors. For tests of what refuses such files.
 */

export interface RawZipEntry {
  /** A string is written as UTF-8 with the flag set; bytes (GBK, say) as they are, without it unless `utf8Flag`. */
  name: string | Buffer;
  /** The content; deflated here when `deflate`. */
  data: Buffer;
  deflate?: boolean;
  /** The body already deflated: written as it is, with `crc` and `declaredSize` as given. */
  deflated?: Buffer;
  crc?: number;
  /** What the headers say the data inflates to; the data's real length unless lying. */
  declaredSize?: number;
  utf8Flag?: boolean;
  /** Point the central record at another entry's local header (overlapping entries). */
  sameOffsetAs?: number;
}

/** An entry's fields as both its local header and its central record say them. */
function fieldsOf(entry: RawZipEntry) {
  const name = typeof entry.name === 'string' ? Buffer.from(entry.name, 'utf8') : entry.name;
  const body = entry.deflated ?? (entry.deflate ? zlib.deflateRawSync(entry.data) : entry.data);
  return {
    name,
    body,
    crc: entry.crc ?? zlib.crc32(entry.data),
    size: entry.declaredSize ?? entry.data.length,
    flags: (entry.utf8Flag ?? typeof entry.name === 'string') ? 0x800 : 0,
    method: entry.deflated !== undefined || entry.deflate === true ? 8 : 0,
  };
}

/** An entry's local header, name and body: what a reader walking the file from its start meets. */
export function localRecord(entry: RawZipEntry): Buffer {
  const { name, body, crc, size, flags, method } = fieldsOf(entry);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(method, 8);
  local.writeUInt16LE(0, 10);
  local.writeUInt16LE(0x5721, 12);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  return Buffer.concat([local, name, body]);
}

export function rawZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    const { name, body, crc, size, flags, method } = fieldsOf(entry);
    const at = entry.sameOffsetAs === undefined ? offset : offsets[entry.sameOffsetAs]!;
    offsets.push(at);
    if (entry.sameOffsetAs === undefined) {
      const record = localRecord(entry);
      locals.push(record);
      offset += record.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x5721, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(at, 42);
    centrals.push(central, name);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
