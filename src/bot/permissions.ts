import type { Handler, TurnContext } from './context.ts';
import { say } from './views.ts';

/**
 * Who may do what: the one place every handler asks. Today every person works on the declaration they opened by its
 * unit's name (the console's local operator's way); roles, invitations and coordinators' reach come with the people
 * issue and change only this file.
 */

export type Action =
  /** Open an organisation's declaration by naming it. */
  | 'open'
  /** Read the open declaration: questions, review, progress, thresholds, the checklist. */
  | 'read'
  /** Change the open declaration's answers. */
  | 'answer';

export function may(ctx: TurnContext, action: Action): boolean {
  switch (action) {
    case 'open':
      return true;
    case 'read':
    case 'answer':
      // The declaration read for this message is the one the chat has open, and its person has opened it.
      return ctx.declaration !== null && ctx.declaration.id === ctx.activeDeclarationId;
  }
}

const REFUSED: Record<Action, string> = {
  open: '您没有打开这个单位申报的权限。',
  read: '您没有查看这份申报的权限。',
  answer: '您没有修改这份申报的权限。',
};

/** A handler that runs only for those who may do `action`; anyone else is told so and nothing changes. */
export function allowed(action: Action, handler: Handler): Handler {
  return async (ctx, next) => {
    if (may(ctx, action)) return handler(ctx, next);
    ctx.reply(say(REFUSED[action]));
  };
}
