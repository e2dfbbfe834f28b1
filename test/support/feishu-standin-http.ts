// HTTP plumbing for the Feishu stand-in: reading JSON and multipart bodies, Feishu-shaped answers, error codes.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Error codes the stand-in answers with. Those marked "documented" are Feishu's own (open.feishu.cn server-docs and
 * the error-code list); the others are plausible choices of the stand-in, so don't treat them as Feishu's.
 */
export const FeishuCode = {
  ok: 0,
  /** documented: "Missing access token for authorization" (no Authorization header). */
  tokenMissing: 99991661,
  /** documented: "Invalid access token for authorization". */
  tokenInvalid: 99991663,
  /** documented: gateway frequency limit, HTTP 429 with x-ogw-ratelimit-* headers. */
  rateLimited: 99991400,
  /** documented: message/create per-chat frequency limit (HTTP 400). */
  chatRateLimited: 230020,
  /** documented: message/create tenant-wide frequency limit, 5/s per bot (HTTP 400). */
  sendRateLimited: 11232,
  /** documented: "app secret invalid" from the token endpoints. */
  appSecretInvalid: 10014,
  /** documented: a request field failed validation. */
  fieldValidation: 99992402,
  /** documented: invalid request parameter of the IM APIs (bad content, unknown message...). */
  invalidParam: 230001,
  /** documented: "Bot has NO availability to this user" (used here for any receiver the stand-in doesn't know). */
  noAvailability: 230013,
  /** documented: message content too long (card/post > 30 KB, text > 150 KB). */
  contentTooLong: 230025,
  /** documented-ish: resource (file_key) does not belong to the message. */
  fileNotInMessage: 234003,
  /** documented-ish: upload larger than allowed. */
  fileTooLarge: 234006,
  /** documented-ish: upload of an empty file. */
  fileEmpty: 234010,
  /** documented-ish: a message resource over 100 MB. */
  downloadTooLarge: 234037,
  /** stand-in's choice: an API the stand-in does not implement (Feishu itself answers a bare 404 page). */
  notFound: 99991404,
  /** The long-connection endpoint's "auth failed" (the SDK's ErrorCode.auth_failed, fatal). */
  wsAuthFailed: 514,
} as const;

/** Ready-made failures (shapes as Feishu documents them; the exact `msg` texts are the stand-in's). */
export const FeishuFailures = {
  /** Gateway frequency limit: HTTP 429, code 99991400, x-ogw-ratelimit-* headers. */
  rateLimited: {
    status: 429,
    body: { code: FeishuCode.rateLimited, msg: 'request trigger frequency limit' },
    headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' },
  },
  /** message/create to one chat too often: HTTP 400, code 230020. */
  chatRateLimited: { status: 400, body: { code: FeishuCode.chatRateLimited, msg: 'This operation triggers the frequency limit.' } },
  /** A plain server error. */
  internal: { status: 500, body: { code: 1, msg: 'internal error' } },
} satisfies Record<string, JsonAnswer>;

export interface JsonAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function ok(data?: unknown): JsonAnswer {
  return { status: 200, body: data === undefined ? { code: 0, msg: 'success', data: {} } : { code: 0, msg: 'success', data } };
}

export function fail(code: number, msg: string, status = 400): JsonAnswer {
  return { status, body: { code, msg, error: { log_id: logId() } } };
}

export function sendJson(res: ServerResponse, answer: JsonAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface MultipartFile {
  fileName?: string;
  contentType?: string;
  bytes: Buffer;
}

export interface Multipart {
  fields: Record<string, string>;
  files: Record<string, MultipartFile>;
}

/** A small multipart/form-data parser (what axios + form-data send); undefined if the body isn't one. */
export function parseMultipart(contentType: string | undefined, raw: Buffer): Multipart | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!/^multipart\/form-data/i.test(contentType ?? '') || !match) return undefined;
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const result: Multipart = { fields: {}, files: {} };
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length;
    if (raw.subarray(partStart, partStart + 2).toString() === '--') break; // closing delimiter
    const next = raw.indexOf(delimiter, partStart);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF (before the next delimiter).
    const part = raw.subarray(partStart + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const headers = part.subarray(0, split).toString('utf8');
      const content = part.subarray(split + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const fileName = /filename="([^"]*)"/i.exec(headers)?.[1];
      const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
      if (name !== undefined) {
        // form-data sends a Buffer without a file name as a part with no filename, only an octet-stream type.
        if (fileName !== undefined || (type && !/^text\/plain/i.test(type))) {
          result.files[name] = { fileName, contentType: type, bytes: Buffer.from(content) };
        } else {
          result.fields[name] = content.toString('utf8');
        }
      }
    }
    start = next;
  }
  return result;
}

let logCounter = 0;
export function logId(): string {
  logCounter += 1;
  return `2026${String(Date.now()).slice(-10)}${String(logCounter).padStart(6, '0')}`;
}

/** A lowercase hex string of `length` random digits. */
export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}
