import type { Handler, TurnContext } from './context.ts';
import { say } from './views.ts';
import type { CoordinatorScope } from '../store/people-store.ts';

/**
 * Who may do what: the one place every handler asks.
 * - An operator works on the organisations they are bound to (by an invitation code): open, read, answer, and share
 *   out the sections among the organisation's operators (分工).
 * - A coordinator reads the organisations in their reach (districts, programmes, single organisations), may remind and
 *   review them, issue their invitation codes and share out their sections; they never change answers.
 * - Staff read everything, review, remind, invite and manage people.
 * - A trusted chat (the console's local user, the operator of a single machine; or every chat when
 *   SHENBAO_OPEN_BY_NAME=1 for a trial) opens any unit by typing its name, as one operator.
 */

export type Action =
  /** Open an organisation's declaration. */
  | 'open'
  /** Read it: questions, review, progress, thresholds, the checklist, exports. */
  | 'read'
  /** Change its answers, tables and evidence. */
  | 'answer'
  /** Review it (提交审核 is the operator's `answer`; 退回 and 确认 are this). */
  | 'review'
  /** Remind its operators. */
  | 'remind'
  /** Issue its invitation codes. */
  | 'invite'
  /** Assign its sections to its operators (分工): its own operators, and those who look after it. */
  | 'assign'
  /** Manage people (coordinators, staff). */
  | 'manage';

/** An organisation as permissions see it (its id once it is known to the database). */
export interface OrgRef {
  organisationId?: string;
  flowId: string;
  district: string | null;
}

const COORDINATOR: ReadonlySet<Action> = new Set(['open', 'read', 'review', 'remind', 'invite', 'assign']);
const STAFF: ReadonlySet<Action> = new Set(['open', 'read', 'review', 'remind', 'invite', 'assign', 'manage']);
const OPERATOR: ReadonlySet<Action> = new Set(['open', 'read', 'answer', 'assign']);

/** Whether the person of this message may do `action` on `org` (the open declaration's when not given). */
export function may(ctx: TurnContext, action: Action, org?: OrgRef | null): boolean {
  const target = org === undefined ? openOrg(ctx) : org;
  const person = ctx.person;
  if (action === 'manage') return person.role === 'staff';
  if (!target) return false;
  if (person.role === 'staff') return STAFF.has(action);
  if (person.role === 'coordinator' && inReach(ctx, target)) return COORDINATOR.has(action);
  if (ctx.trusted || (target.organisationId !== undefined && person.organisations.includes(target.organisationId))) return OPERATOR.has(action);
  return false;
}

/** The open declaration's organisation, when it is the one this chat has open. */
function openOrg(ctx: TurnContext): OrgRef | null {
  const d = ctx.declaration;
  if (!d || d.id !== ctx.activeDeclarationId) return null;
  return { organisationId: d.organisationId, flowId: d.flowId, district: d.district };
}

function inReach(ctx: TurnContext, org: OrgRef): boolean {
  return inScopes(ctx.person.scopes, org);
}


/** Whether any of a coordinator's scopes covers the organisation. */
export function inScopes(scopes: readonly CoordinatorScope[], org: OrgRef): boolean {
  return scopes.some(
    (s) => (s.organisationId !== null && s.organisationId === org.organisationId) || (s.district !== null && s.district === org.district && (s.flowId === null || s.flowId === org.flowId)) || (s.flowId !== null && s.district === null && s.organisationId === null && s.flowId === org.flowId),
  );
}

/** What a refused person is told: why, and what they can do instead. */
export function refusal(ctx: TurnContext, action: Action): string {
  const role = ctx.person.role;
  if (action === 'answer' && (role === 'coordinator' || role === 'staff')) return '您以协调人/主管部门身份查看这份申报，只能查看和审核，不能修改答案；修改请由单位填报人进行。';
  if (role === 'operator' && (action === 'review' || action === 'remind' || action === 'invite')) {
    return '审核、提醒和发邀请码由协调人或主管部门进行。您填完全部内容后，可回复“提交审核”。';
  }
  if (action === 'manage') return '只有主管部门工作人员可以管理人员和申报活动。';
  if (role === 'coordinator') return '这家单位不在您负责的范围内。如需查看，请联系主管部门为您添加。';
  return '您还没有绑定这家单位。请发送单位的邀请码（由主管部门或协调人提供，7 天内有效）来绑定，之后就可以填报。';
}

/** A handler that runs only for those who may do `action`; anyone else is told so and nothing changes. */
export function allowed(action: Action, handler: Handler): Handler {
  return async (ctx, next) => {
    if (may(ctx, action)) return handler(ctx, next);
    ctx.reply(say(refusal(ctx, action)));
  };
}
