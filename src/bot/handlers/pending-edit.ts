import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { normalise } from '../../engine/parse-answer.ts';
import { resolveQuestion } from '../targets.ts';

/**
 * The message after “修改” alone (it names what to change) or after “修改 …” matched several questions (it picks one by
 * number) becomes that edit; any other command ends a change made from another section.
 */
export const pendingEdit: Handler = async (ctx, next) => {
  const state = ctx.chatState;
  if (!ctx.command && (state.editCandidates || state.awaitEdit)) {
    ctx.chatState = { ...state, editCandidates: undefined, awaitEdit: undefined };
    const t = normalise(ctx.text);
    const picked = state.editCandidates && /^\d+$/.test(t) ? state.editCandidates[Number(t) - 1] : undefined;
    if (picked) ctx.command = { kind: 'edit', target: picked };
    else if (state.awaitEdit) {
      const c = Conversation.of(ctx);
      if (resolveQuestion(c.loaded, c.current, ctx.text, c.scope())) ctx.command = { kind: 'edit', target: ctx.text };
    }
  }
  if (ctx.command && ctx.command.kind !== 'edit' && ctx.chatState.editReturn) ctx.chatState = { ...ctx.chatState, editReturn: undefined };
  return next();
};
