import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { MAX_MESSAGE_CHARS } from '../messages.ts';
import { say } from '../views.ts';

/** A message longer than any answer: refused whole, with where the operator is, and nothing saved is touched. */
export const tooLong: Handler = async (ctx, next) => {
  const length = [...ctx.text].length;
  if (length <= MAX_MESSAGE_CHARS) return next();
  const notice = `消息过长（共 ${length} 字），单条消息请不要超过 ${MAX_MESSAGE_CHARS} 字。本条未保存，之前的答案都在。`;
  if (!ctx.declaration) return ctx.reply(say(`${notice}\n请发送贵单位名称（与名录一致的全称）。`));
  ctx.chatState = { ...ctx.chatState, editReturn: undefined };
  const conversation = Conversation.of(ctx);
  ctx.reply(say(notice), ...conversation.respond(conversation.turn()));
};
