import type { Handler, TurnContext } from '../context.ts';
import { findOrganisations, organisationOf } from '../onboarding.ts';
import { may } from '../permissions.ts';
import { readFilter, type SummaryFilter } from '../summary-filter.ts';
import { detailView, listView, matchesView, programmeName, summaryView, type ProgrammeStandings } from '../summary-text.ts';
import { say } from '../views.ts';
import { isBehind, type Standing } from '../../rules/standing.ts';
import { coveredEntries, daysUntil, openCampaigns } from '../../store/campaign-store.ts';
import { standings } from '../../store/standing-store.ts';
import { recordFile } from '../../store/file-records.ts';
import { overviewWorkbook } from '../../exports/excel/overview.ts';
import { XLSX_MIME } from '../../exports/declaration-files.ts';

/**
 * 进度汇总 (/status) and 导出全部 (/export all) for coordinators and staff: where the organisations in their reach stand,
 * narrowed by programme, district, stage or organisation — as counts to tap, a listing, one organisation in detail, or
 * the overview workbook. Needs no open declaration. An operator's /status is their own 进度, handed on as that.
 */
export const summary: Handler = async (ctx, next) => {
  const command = ctx.command;
  if (command?.kind !== 'summary' && command?.kind !== 'export_all') return next();
  if (ctx.person.role !== 'coordinator' && ctx.person.role !== 'staff') {
    if (command.kind === 'summary' && command.orProgress && !command.filter) {
      ctx.command = { kind: 'progress' };
      return next();
    }
    return ctx.reply(say(command.kind === 'summary'
      ? '“进度汇总”供协调人和主管部门查看各单位的申报进度。查看本单位的填写进度请回复“进度”。'
      : '“导出全部”供协调人和主管部门领取各单位的进度总览表。本单位的申报表请回复“导出”。'));
  }
  const reading = readFilter(command.filter, [...ctx.flows.values()]);
  if (!reading.ok) return ctx.reply(say(notUnderstood(reading.words.join(' '))));
  const { filter } = reading;

  if (filter.organisation) {
    const matches = findOrganisations(filter.flows, filter.organisation).filter((m) => !filter.district || organisationOf(m).district === filter.district);
    if (matches.length === 0) return ctx.reply(say(notUnderstood(filter.organisation)));
    const groups = await gather(ctx, filter, new Set(matches.map((m) => `${m.loaded.flow.id}:${m.entry.seq}`)));
    const found = groups.flatMap((g) => g.standings.map((standing) => ({ standing, loaded: g.loaded })));
    if (found.length === 0) return ctx.reply(say(`“${filter.organisation}”对应的单位不在您负责的范围内。如需查看，请联系主管部门为您添加。`));
    if (command.kind === 'export_all') return exportAll(ctx, groups, filter);
    if (found.length === 1) return ctx.reply(detailView(found[0].standing, found[0].loaded));
    return ctx.reply(matchesView(filter.organisation, found.slice(0, 10), found.length));
  }
  const groups = await gather(ctx, filter);
  if (command.kind === 'export_all') return exportAll(ctx, groups, filter);
  if (filter.stage) return ctx.reply(listView(groups, { ...filter, stage: filter.stage }));
  ctx.reply(summaryView(groups, filter, ctx.today));
};

function notUnderstood(words: string): string {
  return [
    `没有理解“${words.slice(0, 30)}”：它不是区或地市、阶段、项目，也不是您负责范围内名录中的单位。`,
    '可以这样发：“进度汇总”看全部；“进度汇总 海淀区”按区；“进度汇总 已退回”按阶段（未开始、填报中、待补材料、门槛不达标、待审核、已退回、已确认，或“未完成”）；“进度汇总 基地”按项目；“进度汇总 首冶”看一家单位；“导出全部”后面可加同样的条件。',
  ].join('\n');
}

/**
 * The organisations in reach and filter, programme by programme, with their standings. A programme with an open
 * campaign counts the organisations the campaign covers (an organisation looked up by name counts wherever it is).
 * `only`: the organisations a name matched, as `flowId:seq`.
 */
async function gather(ctx: TurnContext, filter: SummaryFilter, only?: ReadonlySet<string>): Promise<ProgrammeStandings[]> {
  const campaigns = only ? [] : await openCampaigns(ctx.sql, ctx.today);
  // Reach is known from the district alone unless a scope names single organisations (whose ids the standings bring).
  const needsIds = ctx.person.role === 'staff' || ctx.person.scopes.some((s) => s.organisationId !== null);
  const groups: ProgrammeStandings[] = [];
  for (const loaded of filter.flows) {
    const flowId = loaded.flow.id;
    const campaign = campaigns.find((c) => c.flowId === flowId);
    const entries = (campaign ? coveredEntries(loaded, campaign.covers) : loaded.directory).filter((entry) => {
      if (only && !only.has(`${flowId}:${entry.seq}`)) return false;
      const { district } = organisationOf({ loaded, entry });
      if (filter.district && district !== filter.district) return false;
      return needsIds || may(ctx, 'read', { flowId, district });
    });
    if (entries.length === 0) continue;
    const mine = (await standings(ctx.sql, loaded, entries, ctx.today)).filter((s) => may(ctx, 'read', { organisationId: s.organisationId ?? undefined, flowId, district: s.district }));
    if (mine.length === 0) continue;
    groups.push({ loaded, campaign: campaign ? { name: campaign.name, deadline: campaign.deadline, daysLeft: daysUntil(ctx.today, campaign.deadline) } : null, standings: mine });
  }
  return groups;
}

/** The overview workbook of the organisations in reach and filter (of the stage, when one is named). */
async function exportAll(ctx: TurnContext, groups: ProgrammeStandings[], filter: SummaryFilter): Promise<void> {
  const stage = filter.stage;
  const keep = (s: Standing) => !stage || (stage === 'behind' ? isBehind(s) : s.stage === stage);
  const rows = groups.map((g) => ({ loaded: g.loaded, standings: g.standings.filter(keep) })).filter((g) => g.standings.length > 0);
  const count = rows.reduce((n, g) => n + g.standings.length, 0);
  if (count === 0) return ctx.reply(say('没有符合条件的单位（您负责的范围内），没有生成总览表。发送“进度汇总”查看各单位的进度。'));
  const bytes = await overviewWorkbook(rows, ctx.now);
  const stored = await ctx.files.putBuffer(bytes);
  const name = `申报进度总览-${ctx.today}.xlsx`;
  const fileId = await recordFile(ctx.sql, { ...stored, name, mime: XLSX_MIME, channel: 'export', uploadedById: ctx.person.userId });
  const programmes = rows.map((g) => `${programmeName(g.loaded)} ${g.standings.length} 家`).join('；');
  ctx.reply({ kind: 'file', fileId, name, text: `申报进度总览：共 ${count} 家单位（${programmes}），每个项目一个工作表，每家单位一行。` });
}
