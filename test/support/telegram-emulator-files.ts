// Files known to the Telegram stand-in (telegram-emulator.ts): those users send and those the bot uploads, by file_id,
// with the bytes that getFile's file_path downloads.
import type { Document, PhotoSize } from 'grammy/types';
import { badRequest, ok, type ApiAnswer } from './telegram-emulator-http.ts';

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
  /** What Telegram claims as file_size; may exceed bytes.length so that a test can send "60 MB" without allocating it. */
  size: number;
}

/** Bot API: getFile refuses files bigger than this. */
const GET_FILE_LIMIT = 20 * 1024 * 1024;
const PHOTO_WIDTHS = [90, 320, 1280];

export class FileRegistry {
  private readonly byId = new Map<string, StoredFile>();
  private counter = 0;

  add(file: Omit<StoredFile, 'file_id' | 'file_unique_id' | 'file_path'>, folder: 'documents' | 'photos'): StoredFile {
    const n = ++this.counter;
    const extension = folder === 'photos' ? '.jpg' : (/\.[A-Za-z0-9]+$/.exec(file.fileName)?.[0] ?? '');
    const stored = { ...file, file_id: `emulated-file-${n}`, file_unique_id: `emulated-unique-${n}`, file_path: `${folder}/file_${n}${extension}` };
    this.byId.set(stored.file_id, stored);
    return stored;
  }

  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  bytesOf(fileId: string): Buffer {
    return this.byId.get(fileId)?.bytes ?? Buffer.alloc(0);
  }

  byPath(path: string): StoredFile | undefined {
    return [...this.byId.values()].find((f) => f.file_path === path);
  }

  /** getFile's answer. */
  describe(fileId: unknown): ApiAnswer {
    const file = this.byId.get(String(fileId));
    if (!file) return badRequest('invalid file_id');
    if (file.size > GET_FILE_LIMIT) return badRequest('file is too big');
    return ok({ file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, file_path: file.file_path });
  }

  static document(file: StoredFile): Document {
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_name: file.fileName, mime_type: file.mimeType, file_size: file.size };
  }

  /** Telegram sends a photo in several sizes, smallest first; all hold the same bytes here, the largest claims `size`. */
  photo(bytes: Buffer, size: number): PhotoSize[] {
    return PHOTO_WIDTHS.map((width) => {
      const fileSize = Math.max(1, Math.round((size * width * width) / (1280 * 1280)));
      const file = this.add({ fileName: `photo_${width}.jpg`, mimeType: 'image/jpeg', bytes, size: fileSize }, 'photos');
      return { file_id: file.file_id, file_unique_id: file.file_unique_id, width, height: Math.round(width * 0.75), file_size: fileSize };
    });
  }
}
