import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import './native-crc.ts';
import type { PackagePlan, PlannedPart } from './plan.ts';
import { BufferPool, PooledFileReader, PooledFileSink, ReadPace } from './pooled-io.ts';

/**
 * Writes the planned parts, one after the other, streaming every file from disk through yazl: memory stays bounded
 * (a pool of twenty 1 MiB buffers, pooled-io.ts) however large the evidence set. Files are read blocking while the
 * reads come from the page cache, on libuv's threads once one is slow (ReadPace). Names are UTF-8 with the EFS bit
 * 11 set (yazl always does), which Windows 7 and later, 7-Zip and WinRAR read as Chinese. Each part is written under
 * a temporary name and renamed when complete, so a crash never leaves a truncated archive under a real name.
 *
 * When every entry of a part is stored, yazl's calculatedTotalSize gives the part's exact size before a byte is
 * written; it is checked against the limit then, and against the bytes actually written at the end.
 */

export interface WriteProgress {
  /** File bytes read into the archives so far, of `bytesTotal` (all files' sizes). */
  bytesDone: number;
  bytesTotal: number;
  /** The part being written, 1-based, of `parts`. */
  part: number;
  parts: number;
}

export interface WrittenPart {
  number: number;
  name: string;
  path: string;
  bytes: number;
}

/**
 * Enough for every stage of yazl's pipeline to hold a chunk, a batch being collected and the writes under way
 * (pooled-io.ts: 4 + 8), with some to spare.
 */
const POOL_BUFFERS = 20;
/** Progress is reported about every half percent, and at each part's start and end. */
const PROGRESS_STEP = 0.005;

export async function writePackage(plan: PackagePlan, outDir: string, onProgress?: (progress: WriteProgress) => void): Promise<WrittenPart[]> {
  await mkdir(outDir, { recursive: true });
  const pool = new BufferPool(POOL_BUFFERS);
  const pace = new ReadPace();
  const bytesTotal = plan.parts.reduce((sum, part) => sum + part.entries.reduce((s, e) => s + e.size, 0), 0);
  let bytesDone = 0;
  let reported = -Infinity;
  const report = (part: number, force = false) => {
    if (!onProgress || (!force && bytesDone - reported < PROGRESS_STEP * bytesTotal)) return;
    reported = bytesDone;
    onProgress({ bytesDone, bytesTotal, part, parts: plan.parts.length });
  };
  const written: WrittenPart[] = [];
  for (const part of plan.parts) {
    report(part.number, true);
    const path = join(outDir, part.name);
    const bytes = await writePart(plan, part, path, pool, pace, (n) => {
      bytesDone += n;
      report(part.number);
    });
    written.push({ number: part.number, name: part.name, path, bytes });
    report(part.number, true);
  }
  return written;
}

async function writePart(plan: PackagePlan, part: PlannedPart, path: string, pool: BufferPool, pace: ReadPace, onBytes: (n: number) => void): Promise<number> {
  // The sizes the plan counted must still be the files' sizes: yazl would otherwise fail mid-archive.
  const mtimes: Date[] = [];
  for (const entry of part.entries) {
    if (typeof entry.source !== 'string') {
      mtimes.push(new Date());
      continue;
    }
    const stats = await stat(entry.source);
    if (stats.size !== entry.size) throw new Error(`${entry.path}: planned ${entry.size} bytes, the file has ${stats.size}`);
    mtimes.push(stats.mtime);
  }

  const temporary = `${path}.partial`;
  const zip = new ZipFile();
  // @types/yazl has these two wrong: the output is a full Readable, and end's callback receives the size.
  const output = zip.outputStream as Readable;
  const end = zip.end.bind(zip) as unknown as (options: object, calculatedTotalSize: (size: number) => void) => void;
  const sink = new PooledFileSink(temporary, pool);
  let reading: Readable | undefined;
  try {
    const size = await new Promise<number>((resolve, reject) => {
      const fail = (error: unknown) => {
        reading?.destroy();
        output.destroy();
        sink.destroy();
        reject(error);
      };
      zip.on('error', fail);
      sink.on('error', fail);
      part.entries.forEach((entry, i) => {
        const options = { compress: entry.deflate, mtime: mtimes[i]! };
        if (typeof entry.source !== 'string') {
          zip.addBuffer(Buffer.from(entry.source), entry.path, options);
          onBytes(entry.size);
          return;
        }
        const source = entry.source;
        zip.addReadStreamLazy(entry.path, { ...options, size: entry.size }, (give) => {
          // Deflated data leaves yazl in new buffers, so pooled ones would not come back: small files, plain reads.
          reading = entry.deflate ? createReadStream(source) : new PooledFileReader(source, pool, pace);
          reading.on('error', fail);
          reading.on('data', (chunk: Buffer) => onBytes(chunk.length));
          give(null, reading);
        });
      });
      let expected = -1;
      end({}, (calculated) => {
        // -1 when an entry is deflated: its size is known only once written, and the plan's bound holds it.
        expected = calculated;
        if (calculated > plan.limitBytes || calculated > part.boundBytes) {
          fail(new Error(`${part.name}: ${calculated} bytes exceeds the plan (bound ${part.boundBytes}, limit ${plan.limitBytes})`));
        }
      });
      sink.on('finish', () => {
        const bytes = sink.bytesWritten;
        if ((expected >= 0 && bytes !== expected) || bytes > part.boundBytes) {
          fail(new Error(`${part.name}: wrote ${bytes} bytes, expected ${expected >= 0 ? expected : `at most ${part.boundBytes}`}`));
        } else resolve(bytes);
      });
      output.pipe(sink);
    });
    await new Promise<void>((resolve) => (sink.closed ? resolve() : sink.once('close', () => resolve())));
    await rename(temporary, path);
    return size;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
