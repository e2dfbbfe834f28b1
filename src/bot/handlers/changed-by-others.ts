import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';

/** Two people filling one declaration: told first when the other changed the question they are at. */
export const changedByOthers: Handler = async (ctx, next) => {
  ctx.reply(...Conversation.of(ctx).changedByOthers());
  return next();
};
