import { z } from 'zod';
import { PressSchema } from './keyboard.ts';

/** What every channel turns a platform update into (what goes back is views: src/bot/views.ts). */

export const MAX_MESSAGE_CHARS = 5000;

/** Text as PostgreSQL can store it: a NUL character (which no JSON or text column accepts) is dropped. */
const StorableText = z.string().transform((s) => s.replace(/\u0000/g, ''));

export const InboundFileSchema = z.object({
  name: StorableText,
  size: z.number().nonnegative(),
  mime: z.string().optional(),
  /** Its content in the file store (src/files/file-store.ts); absent when the channel could not fetch it (`limit`). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The platform's download limit (bytes) the file is over: it was not fetched. */
  limit: z.number().optional(),
});

/** What a platform can send that the assistant cannot take as an answer or a file. */
export const UnsupportedSchema = z.enum(['sticker', 'voice', 'audio', 'video', 'video_note', 'location', 'contact', 'poll', 'dice', 'game', 'edited', 'forwarded', 'folder', 'other']);
export type Unsupported = z.infer<typeof UnsupportedSchema>;

export const InboundSchema = z.object({
  channel: z.enum(['console', 'telegram', 'feishu', 'test']),
  /** The conversation (a private chat or a group). */
  chatId: z.string().min(1),
  /** The person on the platform. */
  userId: z.string().min(1),
  userName: StorableText.optional(),
  text: StorableText.optional(),
  /** A button the person pressed (its value), on channels whose buttons carry their value (tests). */
  choice: StorableText.optional(),
  /** A button the person pressed, as its keyboard's token and the button (src/bot/keyboard.ts). */
  press: PressSchema.optional(),
  file: InboundFileSchema.optional(),
  unsupported: UnsupportedSchema.optional(),
  /** Unique per platform message: a redelivered message carries the same key and changes nothing. */
  idempotencyKey: z.string().min(1),
});

export type Inbound = z.infer<typeof InboundSchema>;
export type InboundFile = z.infer<typeof InboundFileSchema>;
