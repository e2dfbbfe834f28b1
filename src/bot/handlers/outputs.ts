import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { allowed } from '../permissions.ts';
import { feedback, say, type View } from '../views.ts';
import { evidenceChecklist } from '../../rules/evidence.ts';
import { evaluateThresholds } from '../../rules/thresholds.ts';
import { declarationWorkbook } from '../../exports/excel/workbook.ts';
import { reportDraft } from '../../exports/report/report-docx.ts';
import { evidenceProvisions, recordFile } from '../../store/file-records.ts';
import { activeJob, enqueueJob } from '../../store/job-store.ts';
import { tablesOf } from './tables.ts';

/**
 * What the operator walks away with: 导出 sends the filled workbook and the report draft at once; 打包 queues the
 * evidence package (long work, done by the job runner, its progress shown in the chat).
 */
export const outputs: Handler = allowed('read', async (ctx, next) => {
  switch (ctx.command?.kind) {
    case 'export':
      return ctx.reply(...(await exportFiles(ctx)));
    case 'package':
      return queuePackage(ctx);
    default:
      return next();
  }
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The unit's name as the directory has it, for file names. */
export function unitOf(ctx: TurnContext): { unit: string; district?: string } {
  const org = Conversation.of(ctx).env.org ?? {};
  return { unit: String(org.org_unit ?? '申报单位'), district: org.org_district === undefined ? undefined : String(org.org_district) };
}

async function exportFiles(ctx: TurnContext): Promise<View[]> {
  const c = Conversation.of(ctx);
  const tables = await tablesOf(ctx);
  const scope = c.scope();
  const checklist = evidenceChecklist(c.loaded, c.answers, scope, await evidenceProvisions(ctx.sql, c.state.id));
  const { unit, district } = unitOf(ctx);
  const year = String(c.loaded.flow.year ?? '');
  const keep = async (bytes: Buffer, name: string, mime: string) => {
    const stored = await ctx.files.putBuffer(bytes);
    return recordFile(ctx.sql, { ...stored, name, mime, channel: 'export', declarationId: c.state.id, uploadedById: ctx.person.userId });
  };
  const workbookName = `${unit}-${year}年度绩效评价申报表.xlsx`;
  const workbook = await declarationWorkbook({ loaded: c.loaded, answers: c.answers, tables, env: c.env, verdicts: evaluateThresholds(c.loaded, c.answers, scope), checklist });
  const views: View[] = [{ kind: 'file', fileId: await keep(workbook, workbookName, XLSX), name: workbookName, text: '申报表（填报信息、各附表、门槛条件判断、证明材料清单）' }];
  if (c.loaded.flow.report) {
    const reportName = `${unit}-${year}年度绩效报告（初稿）.docx`;
    const report = await reportDraft({ loaded: c.loaded, answers: c.answers, tables, env: c.env, unitName: unit, district, date: ctx.today });
    views.push({ kind: 'file', fileId: await keep(report, reportName, DOCX), name: reportName, text: '绩效报告初稿：黄色处请补写；声明函需盖章签字' });
  }
  const missing = checklist.filter((i) => i.status === 'missing' && !i.suggested).length;
  views.push(say(`以上是按目前的填报生成的文件，随时可再次“导出”得到最新版本。${missing ? `证明材料还缺 ${missing} 项，回复“清单”查看。` : ''}`));
  return views;
}

async function queuePackage(ctx: TurnContext): Promise<void> {
  const c = Conversation.of(ctx);
  const running = await activeJob(ctx.sql, 'package', c.state.id);
  if (running) return ctx.reply(say('证明材料压缩包正在生成，完成后会发到这里，请稍候。'));
  await enqueueJob(ctx.sql, { kind: 'package', declarationId: c.state.id, channel: ctx.inbound.channel, chatId: ctx.inbound.chatId, userId: ctx.person.userId });
  ctx.reply(feedback('notice', '开始生成证明材料压缩包（按指标分文件夹，附目录、申报表和绩效报告；每个压缩包不超过 1G）。进度会在这里更新，完成后发给您。'));
}
