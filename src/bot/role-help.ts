import type { TurnContext } from './context.ts';

/**
 * What coordinators and staff can say: they do not fill declarations, so the operator's welcome (“请先发送贵单位名称”)
 * and help would send them the wrong way. Shown on 开始/帮助 with nothing open, and under 帮助 with a declaration open.
 */

/** A coordinator's reach in words: 海淀区（全部项目）、北京市…基地2023年度、3 家单位. */
function reachText(ctx: TurnContext): string {
  const flowName = (id: string | null) => {
    const f = id ? ctx.flows.get(id) : undefined;
    return f ? `${f.flow.programme}${f.flow.year}年度` : null;
  };
  const parts: string[] = [];
  for (const s of ctx.person.scopes) {
    if (s.district) parts.push(s.flowId ? `${flowName(s.flowId) ?? s.flowId}·${s.district}` : `${s.district}（全部项目）`);
    else if (s.flowId) parts.push(flowName(s.flowId) ?? s.flowId);
  }
  const units = ctx.person.scopes.filter((s) => s.organisationId).length;
  if (units) parts.push(`${units} 家单位`);
  return parts.length ? parts.join('、') : '尚未分配（请联系主管部门）';
}

/** The words of a coordinator or staff member, one per line; null for an operator. */
export function roleHelp(ctx: TurnContext): string | null {
  const role = ctx.person.role;
  if (role !== 'coordinator' && role !== 'staff') return null;
  const lines = [
    role === 'staff' ? '您是主管部门工作人员，可查看全部单位。' : `您是协调人，负责：${reachText(ctx)}。`,
    '“进度汇总”查看各单位的进度（可加区县、阶段、项目或单位名，如“进度汇总 海淀区 已退回”），“导出全部”领取总览表',
    '“待审核”查看等待审核的申报；发送单位名称打开一家单位的申报查看，再回复“审核通过”或“退回 原因”',
    '“提醒 单位名”立即提醒一家单位的填报人，“活动”查看申报活动和截止日期',
    '“邀请码 单位名”为单位生成填报人的邀请码',
    '打开一家单位后：“目录”“进度”“门槛”“清单”查看，“切换单位”换一家',
  ];
  if (role === 'staff') lines.push('“新建活动 北京基地 12月15日”创建申报活动，“延期 1 12月20日”改截止日期；“协调人邀请码 海淀区”“工作人员邀请码”让同事加入');
  return lines.join('\n');
}
