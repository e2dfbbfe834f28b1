import { z } from 'zod';
import type { Unsupported } from '../../bot/messages.ts';

/**
 * What a Feishu event is to the assistant. The SDK hands handlers the event's header and body merged into one object;
 * it is parsed here (a value crossing a boundary is parsed, never cast). Message content is a JSON string whose shape
 * depends on `message_type` (open.feishu.cn → 消息内容介绍).
 */

export const MessageEventSchema = z.object({
  event_id: z.string().optional(),
  sender: z.object({ sender_id: z.object({ open_id: z.string().min(1) }), sender_type: z.string().optional() }),
  message: z.object({
    message_id: z.string().min(1),
    chat_id: z.string().min(1),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
  }),
});
export type MessageEvent = z.infer<typeof MessageEventSchema>;

export const CardActionEventSchema = z.object({
  event_id: z.string().min(1),
  operator: z.object({ open_id: z.string().min(1) }),
  action: z.object({ value: z.unknown(), tag: z.string().optional(), form_value: z.unknown().optional() }),
  context: z.object({ open_message_id: z.string().optional(), open_chat_id: z.string().min(1) }),
});
export type CardActionEvent = z.infer<typeof CardActionEventSchema>;

export interface FeishuResource {
  /** The message the resource belongs to (messageResource.get needs both). */
  messageId: string;
  key: string;
  type: 'file' | 'image';
  name: string;
}

export type FeishuInput =
  | { kind: 'text'; text: string }
  | { kind: 'file'; resource: FeishuResource }
  | { kind: 'unsupported'; what: Unsupported }
  | { kind: 'ignore' };

const Json = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

const UNSUPPORTED: Record<string, Unsupported> = {
  sticker: 'sticker',
  audio: 'voice',
  media: 'video',
  merge_forward: 'forwarded',
  folder: 'folder',
  location: 'location',
  share_user: 'contact',
  share_chat: 'contact',
  vote: 'poll',
  todo: 'other',
  hongbao: 'other',
  share_calendar_event: 'other',
  calendar: 'other',
  interactive: 'other',
};

export function readMessage(event: MessageEvent): FeishuInput {
  const { message } = event;
  const content = Json.safeParse(message.content).data as Record<string, unknown> | undefined;
  if (!content) return { kind: 'unsupported', what: 'other' };
  switch (message.message_type) {
    case 'text':
      // A p2p chat carries no mentions; a leftover “@_user_1” placeholder is not part of the answer.
      return { kind: 'text', text: String(content.text ?? '').replace(/@_user_\d+\s?/g, '').trim() };
    case 'post':
      return { kind: 'text', text: postText(content) };
    case 'file':
      return typeof content.file_key === 'string'
        ? { kind: 'file', resource: { messageId: message.message_id, key: content.file_key, type: 'file', name: String(content.file_name || `文件-${message.message_id}`) } }
        : { kind: 'unsupported', what: 'other' };
    case 'image':
      return typeof content.image_key === 'string'
        ? { kind: 'file', resource: { messageId: message.message_id, key: content.image_key, type: 'image', name: `图片-${message.message_id.slice(-8)}.png` } }
        : { kind: 'unsupported', what: 'other' };
    case 'system':
      return { kind: 'ignore' };
    default:
      return { kind: 'unsupported', what: UNSUPPORTED[message.message_type] ?? 'other' };
  }
}

/** A rich-text post's words, line by line (its title first); images and mentions left out. */
function postText(content: Record<string, unknown>): string {
  const body = (content.content ? content : (Object.values(content).find((v) => v && typeof v === 'object' && 'content' in v) as Record<string, unknown> | undefined)) ?? {};
  const lines: string[] = [];
  if (typeof body.title === 'string' && body.title.trim()) lines.push(body.title.trim());
  for (const paragraph of Array.isArray(body.content) ? body.content : []) {
    if (!Array.isArray(paragraph)) continue;
    lines.push(paragraph.map((node: { tag?: string; text?: string }) => (node.tag === 'text' || node.tag === 'a' || node.tag === 'md' ? (node.text ?? '') : '')).join(''));
  }
  return lines.join('\n').trim();
}

/** A message's key: Feishu re-pushes an event under a new event_id, so messages are told apart by message_id. */
export const messageKey = (messageId: string) => `feishu:message:${messageId}`;
/** A card click's key: each click is its own event (a callback has no message of its own). */
export const clickKey = (eventId: string) => `feishu:click:${eventId}`;
