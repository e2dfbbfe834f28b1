import type { Message, Update } from 'grammy/types';
import type { Unsupported } from '../../bot/messages.ts';

/**
 * What a Telegram update is to the assistant: text (with the command menu's English commands turned into the Chinese
 * words the assistant understands), a file to fetch, or something it cannot take. Files are fetched by the bot before
 * the message is handled (src/channels/telegram/files.ts); here only what the update says.
 */

/** The command menu (setMyCommands): Telegram allows only [a-z0-9_] commands, so each stands for a Chinese word. */
export const COMMAND_MENU = [
  { command: 'start', description: '开始 / 继续填写', word: '/start' },
  { command: 'progress', description: '进度：各部分完成情况', word: '进度' },
  { command: 'toc', description: '目录：查看并切换部分', word: '目录' },
  { command: 'edit', description: '修改：更正某一题', word: '修改' },
  { command: 'thresholds', description: '门槛：门槛条件判断', word: '门槛' },
  { command: 'evidence', description: '材料：证明材料清单', word: '材料' },
  { command: 'offline', description: '线下提交：标记不在此提交的材料', word: '线下提交' },
  { command: 'review', description: '查看：本节答案', word: '查看' },
  { command: 'help', description: '帮助', word: '帮助' },
] as const;

export interface TelegramFileRef {
  fileId: string;
  name: string;
  size: number;
  mime?: string;
}

export type TelegramInput =
  | { kind: 'text'; text: string }
  | { kind: 'file'; file: TelegramFileRef }
  | { kind: 'unsupported'; what: Unsupported }
  | { kind: 'ignore' };

/** “/progress@MyBot 2” → “进度 2”; other slash words pass as they are (the assistant knows /start, /帮助 …). */
export function commandText(text: string): string {
  const match = text.match(/^\/([a-z0-9_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i);
  if (!match) return text;
  const entry = COMMAND_MENU.find((c) => c.command === match[1].toLowerCase());
  if (!entry) return text;
  return match[2] ? `${entry.word} ${match[2].trim()}` : entry.word;
}

/** A message's content as the assistant takes it. */
export function readMessage(message: Message, edited: boolean): TelegramInput {
  const file = fileOf(message);
  if (edited) return file ? { kind: 'ignore' } : { kind: 'unsupported', what: 'edited' };
  // A forwarded document is normal (a colleague's scan passed on); forwarded text is not the operator's answer.
  if (file) return { kind: 'file', file };
  if (message.forward_origin) return { kind: 'unsupported', what: 'forwarded' };
  if (typeof message.text === 'string') return { kind: 'text', text: commandText(message.text) };
  return { kind: 'unsupported', what: unsupportedKind(message) };
}

function fileOf(message: Message): TelegramFileRef | undefined {
  if (message.document) {
    const d = message.document;
    return { fileId: d.file_id, name: d.file_name || `文件-${message.message_id}`, size: d.file_size ?? 0, mime: d.mime_type };
  }
  if (message.photo?.length) {
    // Telegram sends each photo in several sizes: the largest is the one worth keeping.
    const p = message.photo.reduce((a, b) => ((b.file_size ?? b.width * b.height) > (a.file_size ?? a.width * a.height) ? b : a));
    return { fileId: p.file_id, name: `照片-${message.message_id}.jpg`, size: p.file_size ?? 0, mime: 'image/jpeg' };
  }
  return undefined;
}

function unsupportedKind(message: Message): Unsupported {
  if (message.sticker) return 'sticker';
  if (message.voice) return 'voice';
  if (message.audio) return 'audio';
  if (message.video || message.animation) return 'video';
  if (message.video_note) return 'video_note';
  if (message.location || message.venue) return 'location';
  if (message.contact) return 'contact';
  if (message.poll) return 'poll';
  if (message.dice) return 'dice';
  if (message.game) return 'game';
  return 'other';
}

/** The update's key: the same update delivered again (a webhook retry, a restart before the offset moved) is the same. */
export const updateKey = (botId: number, update: Update) => `telegram:${botId}:${update.update_id}`;
