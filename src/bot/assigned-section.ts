import type { Section } from '../flow/schema.ts';
import { sectionLabel } from './render.ts';
import type { DeclarationState } from '../store/declaration-state.ts';
import type { TurnContext } from './context.ts';
import { may } from './permissions.ts';
import { feedback, type View } from './views.ts';

/**
 * Someone working in a section assigned to a colleague (分工) is told whose it is — once per section and assignee, not
 * on every message (the chat remembers it) — and that they may still fill it in: a colleague covering for the
 * assignee is normal, and every change records who made it.
 */
export function assignedToColleague(ctx: TurnContext, state: DeclarationState, section: Section): View[] {
  const assignee = state.assignments[section.id];
  // Readers who cannot answer (a coordinator, staff) see the assignee in 目录; there is nothing for them to hand over.
  if (!assignee || assignee.userId === ctx.person.userId || !may(ctx, 'answer')) return [];
  const key = `${section.id}:${assignee.userId}`;
  const told = ctx.chatState.assignedTold ?? [];
  if (told.includes(key)) return [];
  ctx.chatState = { ...ctx.chatState, assignedTold: [...told, key] };
  return [feedback('notice', `提示：${sectionLabel(section)} 已分工由 ${assignee.name} 负责填写。您仍可代为填写，每次修改都会记下填写人（回复“谁填的”可查看某题的修改记录）。`)];
}
