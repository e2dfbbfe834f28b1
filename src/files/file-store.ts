import { createHash, randomUUID } from 'node:crypto';
import { type ReadStream, createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The file store: every file's content once, named by its SHA-256 (`ab/cd/abcd…`), in a folder (SHENBAO_FILES_DIR,
 * default ./data/files). A file is written to a temporary name while it is hashed and moved into place when complete,
 * so a crash never leaves a half-written file under a real name, and the same content sent twice is stored once.
 * What a file is (its name, who sent it, what it belongs to) is recorded in the database (src/store/file-records.ts).
 */

export interface StoredContent {
  sha256: string;
  size: number;
}

/** More bytes arrived than the caller allows: nothing was kept. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file larger than ${limit} bytes`);
  }
}

export class FileStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The folder from the environment: SHENBAO_FILES_DIR, else `files` beside the embedded database (./data/files). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): FileStore {
    return new FileStore(env.SHENBAO_FILES_DIR || join(dirname(env.SHENBAO_DATA_DIR || './data/pglite'), 'files'));
  }

  /** Where a content lives. */
  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256 hex digest');
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** Reads a stored content. */
  open(sha256: string): ReadStream {
    return createReadStream(this.path(sha256));
  }

  size(sha256: string): number {
    return statSync(this.path(sha256)).size;
  }

  /**
   * Stores a stream's bytes; refuses (FileTooLargeError, nothing kept) once more than `maxBytes` have arrived, without
   * reading the rest into memory.
   */
  async put(source: Readable | AsyncIterable<Uint8Array>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredContent> {
    const tmpDir = join(this.root, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new FileTooLargeError(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, count, createWriteStream(tmp, { flags: 'wx' }));
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    const target = this.path(sha256);
    if (existsSync(target)) {
      rmSync(tmp, { force: true });
    } else {
      mkdirSync(join(target, '..'), { recursive: true });
      renameSync(tmp, target);
    }
    return { sha256, size };
  }

  /** Stores bytes held in memory (small files, tests). */
  putBuffer(bytes: Uint8Array, maxBytes?: number): Promise<StoredContent> {
    return this.put((async function* () { yield bytes; })(), maxBytes);
  }
}
