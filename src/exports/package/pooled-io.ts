import { close, open, read, readSync, writev } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';

/**
 * Reading files into the archive and writing the archive out through a few reused 1 MiB buffers. With a fresh buffer
 * per chunk (fs.createReadStream), 2 GB means 2,000 new megabytes for the garbage collector and fresh pages for the
 * kernel to zero; measured on 2 GB: peak RSS 89–91 MB and more system time, against 54–60 MB with the pool at the
 * same or better speed. A stored entry's chunks pass through yazl unchanged (its CRC watcher, byte counters and pass-
 * throughs hand on the very Buffer), so the sink gives each buffer back once it is written, and the reader reads into
 * it again. Should a chunk ever not come back (deflated data is new buffers; an error), the reader takes a fresh
 * buffer instead of waiting: the pool can run dry, never deadlock.
 */

export const CHUNK_BYTES = 1024 * 1024;

export class BufferPool {
  private readonly free: Buffer[] = [];
  /** The pool's buffers out in the pipeline, by their memory (a chunk is a view of one), with the length lent. */
  private readonly lent = new Map<ArrayBufferLike, { buffer: Buffer; length: number }>();

  constructor(count: number, readonly size = CHUNK_BYTES) {
    // Each its own ArrayBuffer (allocUnsafeSlow), so a chunk's memory tells which buffer it is.
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafeSlow(size));
  }

  /** A buffer to read into: the pool's, or a fresh one when all are out. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.size);
  }

  /** The chunk to hand on: the first `length` bytes of a buffer from take(). */
  lend(buffer: Buffer, length: number): Buffer {
    if (buffer.byteLength === this.size && buffer.byteOffset === 0 && !this.lent.has(buffer.buffer)) this.lent.set(buffer.buffer, { buffer, length });
    return buffer.subarray(0, length);
  }

  /** Takes back a buffer that was read into but not lent. */
  putBack(buffer: Buffer): void {
    if (buffer.byteLength === this.size && buffer.byteOffset === 0 && !this.lent.has(buffer.buffer)) this.free.push(buffer);
  }

  /**
   * Takes back the buffer a written chunk is a view of, if it was lent and the chunk is the whole of what was lent.
   * A part of it (had a stream split a chunk) would mean another part still on its way: then the buffer is left to
   * the garbage collector, never reused.
   */
  giveBack(chunk: Uint8Array): void {
    const loan = this.lent.get(chunk.buffer);
    if (!loan) return;
    this.lent.delete(chunk.buffer);
    if (chunk.byteOffset === 0 && chunk.byteLength === loan.length) this.free.push(loan.buffer);
  }
}

/**
 * A read that takes longer than this came from the disk, not the page cache: blocking the event loop for it would
 * hold up every chat the process serves.
 */
export const SLOW_READ_MS = 4;

/**
 * How a package's files are read. From the page cache a 1 MiB read takes a tenth of a millisecond, and reading it on
 * the thread that then computes its CRC-32 keeps the bytes in that core's cache and spares a hand-over between
 * threads: measured on 2 GB in alternating runs, a median of 1.45 s with blocking reads against 2.0 s with reads on
 * libuv's threads (the writes stay there either way). A read from a disk can take milliseconds, so the first read
 * slower than SLOW_READ_MS turns the rest of the package to libuv's threads: the event loop is held up once, briefly.
 */
export class ReadPace {
  private slow = false;

  constructor(private readonly slowMs = SLOW_READ_MS) {}

  /** Whether the next read may block. */
  get blocking(): boolean {
    return !this.slow;
  }

  /** A blocking read took `ms`. */
  took(ms: number): void {
    if (ms > this.slowMs) this.slow = true;
  }
}

/** A file read chunk by chunk into pooled buffers: blocking while a ReadPace allows it, else on libuv's threads. */
export class PooledFileReader extends Readable {
  private fd = -1;
  private position = 0;

  constructor(private readonly path: string, private readonly pool: BufferPool, private readonly pace?: ReadPace) {
    super({ highWaterMark: pool.size });
  }

  override _construct(done: (error?: Error | null) => void): void {
    open(this.path, 'r', (error, fd) => {
      this.fd = fd;
      done(error);
    });
  }

  override _read(): void {
    const buffer = this.pool.take();
    if (!this.pace?.blocking) {
      read(this.fd, buffer, 0, buffer.length, this.position, (error, bytes) => this.received(buffer, error, bytes));
      return;
    }
    const started = performance.now();
    let bytes: number;
    try {
      bytes = readSync(this.fd, buffer, 0, buffer.length, this.position);
    } catch (error) {
      return this.received(buffer, error as Error, 0);
    }
    this.pace.took(performance.now() - started);
    this.received(buffer, null, bytes);
  }

  private received(buffer: Buffer, error: Error | null, bytes: number): void {
    if (error) {
      this.pool.putBack(buffer);
      this.destroy(error);
      return;
    }
    if (bytes === 0) {
      this.pool.putBack(buffer);
      this.push(null);
      return;
    }
    this.position += bytes;
    this.push(this.pool.lend(buffer, bytes));
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.fd < 0) return done(error);
    close(this.fd, () => done(error));
  }
}

/**
 * How far the writes may run ahead of the disk: chunks handed to libuv's threads and not yet written. Each write goes
 * to its own position, so several can be under way while this thread reads and checksums the next chunks; waiting
 * for each write before taking the next left one thread idle while the other worked. Measured on 2 GB in 8 runs
 * alternating with the earlier package writer (reads on libuv's threads, one write at a time): a median of 2.35 s
 * against 3.55 s, and less CPU (0.6–0.8 s user against 0.8–1.1 s).
 */
export const WRITES_AHEAD_BYTES = 8 * CHUNK_BYTES;
/**
 * Chunks are written four at a time: every write handed to libuv wakes one of its threads, which costs more on this
 * VM than the copy of a megabyte (0.13 ms a call on the event loop, measured).
 */
export const WRITE_BATCH_BYTES = 4 * CHUNK_BYTES;

/**
 * A file written at known positions, in batches of WRITE_BATCH_BYTES, several writes under way at once (up to
 * WRITES_AHEAD_BYTES), each pooled chunk given back once it is written. The stream finishes only when every write
 * has landed.
 */
export class PooledFileSink extends Writable {
  private fd = -1;
  /** Where the next chunk goes. */
  private position = 0;
  /** Bytes handed to libuv and not yet written. */
  private ahead = 0;
  /** The write callback held back while too much is ahead, and the final one held until all has landed. */
  private held?: (error?: Error | null) => void;
  private finishing?: (error?: Error | null) => void;
  private failed: Error | null = null;
  /** writev calls under way: the file is closed only when none is (a closed number could be reused by another file). */
  private writing = 0;
  private closeWhenIdle?: () => void;
  /** Chunks waiting to be written together. */
  private batch: Buffer[] = [];
  private batchBytes = 0;
  bytesWritten = 0;

  constructor(private readonly path: string, private readonly pool: BufferPool) {
    super({ highWaterMark: pool.size });
  }

  override _construct(done: (error?: Error | null) => void): void {
    open(this.path, 'w', (error, fd) => {
      this.fd = fd;
      done(error);
    });
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    if (this.failed) return done(this.failed);
    for (const { chunk } of chunks) {
      this.batch.push(chunk);
      this.batchBytes += chunk.length;
    }
    if (this.batchBytes < WRITE_BATCH_BYTES) return done();
    this.flush(done);
  }

  /** The chunks collected, in one writev at their position. */
  private flush(done: (error?: Error | null) => void): void {
    const buffers = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (!buffers.length) return done();
    const length = buffers.reduce((sum, b) => sum + b.length, 0);
    const position = this.position;
    this.position += length;
    this.ahead += length;
    this.writeAt([...buffers], position, () => {
      for (const buffer of buffers) this.pool.giveBack(buffer);
      this.ahead -= length;
      this.release();
    });
    if (this.ahead <= WRITES_AHEAD_BYTES) done();
    else this.held = done;
  }

  /** writev may write less than asked (a signal, a full disk): carry on from where it stopped. */
  private writeAt(pending: Buffer[], position: number, landed: () => void): void {
    this.writing++;
    writev(this.fd, pending, position, (error, bytes) => {
      if (--this.writing === 0 && this.closeWhenIdle) return this.closeWhenIdle();
      if (!error && bytes === 0) error = new Error('writev wrote nothing');
      if (error) {
        this.failed ??= error;
        this.ahead = 0;
        return this.release();
      }
      this.bytesWritten += bytes;
      let skip = bytes;
      while (pending.length && skip >= pending[0]!.length) skip -= pending.shift()!.length;
      if (pending.length === 0) return landed();
      pending[0] = pending[0]!.subarray(skip);
      this.writeAt(pending, position + bytes, landed);
    });
  }

  /** A write landed (or failed): let the held callback and the final one go when their time has come. */
  private release(): void {
    if (this.held && (this.failed || this.ahead <= WRITES_AHEAD_BYTES)) {
      const held = this.held;
      this.held = undefined;
      held(this.failed);
    }
    if (this.finishing && (this.failed || this.ahead === 0)) {
      const finishing = this.finishing;
      this.finishing = undefined;
      finishing(this.failed);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this._writev([{ chunk }], done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush(() => {
      this.finishing = done;
      this.release();
    });
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.fd < 0) return done(error);
    const fd = this.fd;
    this.closeWhenIdle = () => {
      this.closeWhenIdle = undefined;
      this.fd = -1;
      close(fd, (closeError) => done(error ?? closeError ?? null));
    };
    if (this.writing === 0) this.closeWhenIdle();
  }
}
