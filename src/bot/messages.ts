import { z } from 'zod';

/** What every channel turns a platform update into (what goes back is views: src/bot/views.ts). */

export const MAX_MESSAGE_CHARS = 5000;

/** Text as PostgreSQL can store it: a NUL character (which no JSON or text column accepts) is dropped. */
const StorableText = z.string().transform((s) => s.replace(/\u0000/g, ''));

export const InboundFileSchema = z.object({
  name: StorableText,
  size: z.number().nonnegative().optional(),
  /** The platform's handle to download the file later. */
  ref: z.string(),
  mime: z.string().optional(),
});

export const InboundSchema = z.object({
  channel: z.enum(['console', 'telegram', 'feishu', 'test']),
  /** The conversation (a private chat or a group). */
  chatId: z.string().min(1),
  /** The person on the platform. */
  userId: z.string().min(1),
  userName: StorableText.optional(),
  text: StorableText.optional(),
  /** A button the person pressed (its value). */
  choice: StorableText.optional(),
  file: InboundFileSchema.optional(),
  /** Unique per platform message: a redelivered message carries the same key and changes nothing. */
  idempotencyKey: z.string().min(1),
});

export type Inbound = z.infer<typeof InboundSchema>;
