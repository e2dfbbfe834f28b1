import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { homedir, userInfo } from 'node:os';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileStore } from '../files/file-store.ts';
import { findFile } from '../store/file-records.ts';
import type { InboundFile } from '../bot/messages.ts';
import type { Router } from '../bot/router.ts';
import { OutboxSender } from '../bot/sender.ts';
import { plainText, type View } from '../bot/views.ts';
import type { SqlDatabase } from '../store/sql.ts';
import { DatabaseUnavailableError } from '../store/connect-postgres.ts';

/**
 * The console channel: one line of stdin is one message, replies go to stdout. Interactive in a terminal,
 * scriptable through a pipe (`printf '…\n…\n' | shenbao chat`), and served by the same router as Telegram and Feishu.
 * Replies and pushes reach the terminal through the outbox like every other channel's.
 */

export interface ConsoleOptions {
  router: Router;
  sql: SqlDatabase;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** The operator's identity on this channel; defaults to the OS user. */
  user?: string;
  /** The file store: a line that names a file sends it, and files sent to the operator are shown where they are. */
  files?: FileStore;
}

/** The file a line names, stored: a path to an existing file with an extension (e.g. ~/附表1-2-3-1-3.xlsx). */
async function fileAt(line: string, store: FileStore): Promise<InboundFile | undefined> {
  const path = line.trim().replace(/^["']|["']$/g, '').replace(/^~(?=\/)/, homedir());
  if (!/\.[A-Za-z0-9]{2,5}$/.test(path) || path.length > 1000) return undefined;
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return undefined;
  const stored = await store.put(createReadStream(path));
  return { name: basename(path), size: stored.size, sha256: stored.sha256 };
}

/** The console's identity for an OS user (what `shenbao send --to` names). */
export const consoleUser = (name = userInfo().username) => `console-${name}`;

/** Views as the console prints them: buttons become the numbered lines the text already carries. */
export function renderForConsole(views: View[]): string {
  return plainText(views);
}

export async function runConsole(options: ConsoleOptions): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const interactive = Boolean((input as { isTTY?: boolean }).isTTY);
  const user = options.user ?? consoleUser();
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  // Take the iterator now: lines that arrive while /start is being answered would otherwise be dropped.
  const lines = rl[Symbol.asyncIterator]();
  const write = (text: string) => output.write(text.endsWith('\n') ? text : `${text}\n`);
  const sender = new OutboxSender({
    sql: options.sql,
    channel: 'console',
    deliver: async (_chatId, views) => {
      const text = renderForConsole(views);
      if (text) write(text);
      // A file for the operator: where it is on this machine.
      for (const view of views) {
        if (view.kind !== 'file' || !options.files) continue;
        const record = await findFile(options.sql, view.fileId);
        if (record && options.files.has(record.sha256)) write(`　　保存位置：${options.files.path(record.sha256)}（另存为“${view.name}”即可）`);
      }
    },
    log: (line) => console.error(line),
  });
  const session = randomUUID();
  let n = 0;

  const send = async (text: string) => {
    try {
      // A line naming a file on this machine is that file sent (a filled annex table, a scan of evidence).
      const file = options.files ? await fileAt(text, options.files) : undefined;
      const message = file ? { file } : { text };
      await options.router.handle({ channel: 'console', chatId: user, userId: user, userName: user, ...message, idempotencyKey: `console:${session}:${++n}` });
      await sender.drain(user);
    } catch (error) {
      // The database stayed out of reach: say so and keep the console open; nothing saved is lost.
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      write(error.chinese);
    }
  };

  if (interactive) write('申报助手（控制台）。输入答案后回车；输入“帮助”查看可用的说法，Ctrl+D 退出。\n');
  // Pushes that arrived while nobody was at the console come first.
  await sender.drain(user);
  await send('/start');
  // In a terminal, pushes from other processes (PostgreSQL) show up while the operator thinks.
  if (interactive) sender.start();
  try {
    if (interactive) output.write('\n> ');
    for await (const line of { [Symbol.asyncIterator]: () => lines }) {
      // In a transcript (piped input) show what was sent, so the conversation reads in order.
      if (!interactive) write(`\n» ${line}`);
      await send(line);
      output.write(interactive ? '\n> ' : '');
    }
  } finally {
    await sender.stop();
  }
}
