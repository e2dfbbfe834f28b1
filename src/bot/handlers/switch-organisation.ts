import type { Handler } from '../context.ts';
import { say } from '../views.ts';

/** “切换单位”: close the open declaration (nothing in it changes) and ask for another unit's name. */
export const switchOrganisation: Handler = async (ctx, next) => {
  if (ctx.command?.kind !== 'switch') return next();
  ctx.activeDeclarationId = null;
  ctx.declaration = null;
  ctx.chatState = { step: 'await_unit' };
  ctx.reply(say('好的。请发送要填写的单位名称（与名录一致的全称）。'));
};
