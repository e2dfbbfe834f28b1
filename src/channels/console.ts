import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Router } from '../bot/router.ts';
import type { Outbound } from '../bot/messages.ts';

/**
 * The console channel: one line of stdin is one message, replies go to stdout. Interactive in a terminal,
 * scriptable through a pipe (`printf '…\n…\n' | shenbao chat`), and served by the same router as Telegram and Feishu.
 */

export interface ConsoleOptions {
  router: Router;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** The operator's identity on this channel; defaults to the OS user. */
  user?: string;
}

function render(reply: Outbound): string {
  // Buttons become the numbered lines the text already carries; nothing else to draw in a terminal.
  return reply.text;
}

export async function runConsole(options: ConsoleOptions): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const interactive = Boolean((input as { isTTY?: boolean }).isTTY);
  const user = options.user ?? `console-${userInfo().username}`;
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  // Take the iterator now: lines that arrive while /start is being answered would otherwise be dropped.
  const lines = rl[Symbol.asyncIterator]();
  const write = (text: string) => output.write(text.endsWith('\n') ? text : `${text}\n`);
  const session = randomUUID();
  let n = 0;

  const send = async (text: string) => {
    const replies = await options.router.handle({
      channel: 'console',
      chatId: user,
      userId: user,
      userName: user,
      text,
      idempotencyKey: `console:${session}:${++n}`,
    });
    for (const reply of replies) write(render(reply));
  };

  if (interactive) write('申报助手（控制台）。输入答案后回车；输入“帮助”查看可用的说法，Ctrl+D 退出。\n');
  await send('/start');
  if (interactive) output.write('\n> ');
  for await (const line of { [Symbol.asyncIterator]: () => lines }) {
    // In a transcript (piped input) show what was sent, so the conversation reads in order.
    if (!interactive) write(`\n» ${line}`);
    await send(line);
    output.write(interactive ? '\n> ' : '');
  }
}
