// HTTP plumbing for the Telegram stand-in (telegram-emulator.ts): free ports, reading a Bot API request's parameters
// (query string, JSON, urlencoded or multipart with uploaded files), and Telegram's answer shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

/** What the Bot API answers: a result, or Telegram's error shape. */
export type ApiAnswer = { ok: true; result: unknown } | ApiError;

export interface ApiError {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** A file part of a multipart request. */
export interface UploadedFile {
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

export interface ApiRequest {
  /** The parameters; a file part shows as `{ fileName, mimeType, size }`, never its bytes. */
  params: Record<string, unknown>;
  /** Uploaded files by the parameter they fill (`document`, `photo`), resolving grammY's `attach://<part>` references. */
  uploads: Map<string, UploadedFile>;
}

export const ok = (result: unknown): ApiAnswer => ({ ok: true, result });
export const badRequest = (what: string): ApiError => ({ ok: false, error_code: 400, description: `Bad Request: ${what}` });

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendAnswer(res: ServerResponse, answer: ApiAnswer): void {
  sendJson(res, answer.ok ? 200 : answer.error_code, answer);
}

/** A port nobody listens on now (telegram-test-api treats port 0 as "use 9000", so it needs a real number). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Multipart values are all strings: objects (reply_markup, commands, …) arrive as JSON, ids as digits.
function multipartValue(key: string, value: string): unknown {
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  if (/_id$/.test(key) && /^-?\d+$/.test(value)) return Number(value);
  return value;
}

export async function readApiRequest(req: IncomingMessage, url: URL): Promise<ApiRequest> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const uploads = new Map<string, UploadedFile>();
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return { params, uploads };
  if (type.startsWith('application/json')) {
    Object.assign(params, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = multipartValue(key, value);
  } else if (type.startsWith('multipart/form-data')) {
    const parts = new Map<string, UploadedFile>();
    for (const part of parseMultipart(body, type)) {
      if (part.fileName === undefined) params[part.name] = multipartValue(part.name, part.data.toString('utf8'));
      else parts.set(part.name, { fileName: part.fileName, mimeType: mimeTypeOf(part.fileName, part.mimeType), bytes: part.data });
    }
    // grammY names each file part randomly and points at it with `document: "attach://<part>"`; curl -F names it `document`.
    const referenced = new Set<string>();
    for (const [key, value] of Object.entries(params)) {
      const name = typeof value === 'string' && value.startsWith('attach://') ? value.slice('attach://'.length) : '';
      const part = parts.get(name);
      if (part) {
        uploads.set(key, part);
        referenced.add(name);
      }
    }
    for (const [name, part] of parts) if (!referenced.has(name)) uploads.set(name, part);
    for (const [key, file] of uploads) params[key] = { fileName: file.fileName, mimeType: file.mimeType, size: file.bytes.length };
  }
  return { params, uploads };
}

interface MultipartPart { name: string; fileName?: string; mimeType?: string; data: Buffer }

// A small multipart/form-data reader. Node 20's `new Request(…).formData()` cannot be used: its parser refuses
// grammY's part headers (`content-disposition:form-data;name="x"`, no space after the `;`), and grammY leaves
// `filename=` unquoted, so the file name runs to the end of its line.
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`);
  // Searching for CRLF--boundary from a virtual CRLF before the body also finds the first delimiter.
  const data = Buffer.concat([Buffer.from('\r\n'), body]);
  const parts: MultipartPart[] = [];
  let at = data.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (data.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = data.indexOf(delimiter, start);
    if (next === -1) break;
    const part = data.subarray(start + 2, next); // skip the CRLF ending the delimiter line
    const headerEnd = part.indexOf('\r\n\r\n');
    at = next;
    if (headerEnd === -1) continue;
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /(?:^|;)\s*name=([^;]*)/i.exec(disposition)?.[1]?.trim() ?? '';
    const fileName = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1] ?? /;\s*filename=(.*)$/i.exec(disposition)?.[1]?.trim();
    const mimeType = /^content-type:(.*)$/im.exec(headers)?.[1]?.trim();
    parts.push({ name, fileName, mimeType, data: Buffer.from(part.subarray(headerEnd + 4)) });
  }
  return parts;
}

// grammY labels every upload application/octet-stream; Telegram works the type out from the name, so do we.
function mimeTypeOf(fileName: string, declared: string | undefined): string {
  return declared && declared !== 'application/octet-stream' ? declared : guessMimeType(fileName);
}

const MIME_TYPES: Record<string, string> = {
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

export function guessMimeType(fileName: string): string {
  return MIME_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** Length as Telegram counts it (UTF-16 units of the visible text): HTML tags don't count, an entity counts once. */
// (Markdown is only approximated, erring short so that a valid message is never refused.)
export function visibleLength(text: string, parseMode: unknown): number {
  if (parseMode === 'HTML') return text.replace(/<[^>]*>/g, '').replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, '_').length;
  if (parseMode === 'Markdown' || parseMode === 'MarkdownV2') return text.replace(/\\?[*_~|`[\]()\\]/g, '').length;
  return text.length;
}

export function toInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}
