import { Readable } from 'node:stream';
import type { Api } from 'grammy';
import { InputFile } from 'grammy';
import { FileStore, FileTooLargeError } from '../../files/file-store.ts';
import type { InboundFile } from '../../bot/messages.ts';
import type { Sql } from '../../store/sql.ts';
import { findFile } from '../../store/file-records.ts';
import type { FileView } from '../../bot/views.ts';
import type { TelegramFileRef } from './inbound.ts';
import { fileMissing, fileTooBigToSend } from '../../bot/handlers/unsupported.ts';
import { downloadLink, type LinkConfig } from '../../files/download-links.ts';

/** Bots may download files of at most 20 MB from Telegram's servers (a local Bot API server allows more). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/**
 * Fetches a file a person sent into the file store. A file over the download limit is not fetched: the assistant
 * explains and offers a way forward. The download URL carries the bot's token: it never reaches a log or an error.
 */
export async function fetchFile(api: Api, apiRoot: string, token: string, store: FileStore, ref: TelegramFileRef, limit = TELEGRAM_DOWNLOAD_LIMIT): Promise<InboundFile> {
  const base = { name: ref.name, size: ref.size, mime: ref.mime };
  if (ref.size > limit) return { ...base, limit };
  const file = await api.getFile(ref.fileId);
  if (!file.file_path) throw new Error('getFile returned no file_path');
  if ((file.file_size ?? 0) > limit) return { ...base, size: file.file_size ?? ref.size, limit };
  const response = await fetch(`${apiRoot}/file/bot${token}/${file.file_path}`).catch(() => {
    throw new Error('file download failed (network)');
  });
  if (!response.ok || !response.body) throw new Error(`file download failed (HTTP ${response.status})`);
  try {
    const stored = await store.put(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), limit);
    return { ...base, size: stored.size, sha256: stored.sha256 };
  } catch (error) {
    if (error instanceof FileTooLargeError) return { ...base, limit };
    throw error;
  }
}

/** Bots may upload files of at most 50 MB. */
export const TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** Sends a stored file as a document, its view's text as the caption; a file over 50 MB as a download link. */
export async function sendStoredFile(api: Api, sql: Sql, store: FileStore, chatId: string, view: FileView, links: LinkConfig | null = null): Promise<void> {
  const record = await findFile(sql, view.fileId);
  if (!record || !store.has(record.sha256)) {
    await api.sendMessage(chatId, fileMissing(view.name));
    return;
  }
  if (record.size > TELEGRAM_UPLOAD_LIMIT) {
    await api.sendMessage(chatId, fileTooBigToSend(view.name, TELEGRAM_UPLOAD_LIMIT / 1024 / 1024, links ? downloadLink(links, record.id, view.name) : undefined));
    return;
  }
  const caption = view.text ? view.text.slice(0, 1024) : undefined;
  await api.sendDocument(chatId, new InputFile(store.open(record.sha256), view.name), caption ? { caption } : {});
}
