import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { allowed } from '../permissions.ts';
import { feedback, say, type View } from '../views.ts';
import { evidenceChecklist } from '../../rules/evidence.ts';
import { declarationFiles, unitNamed } from '../../exports/declaration-files.ts';
import { evidenceProvisions, recordFile } from '../../store/file-records.ts';
import { answerChanges } from '../../store/history-store.ts';
import { activeJob, enqueueJob } from '../../store/job-store.ts';
import { tablesOf } from './tables.ts';

/**
 * What the operator walks away with: 导出 sends the filled workbook (with its 修改记录) and the report draft at once; 打包 queues the
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

async function exportFiles(ctx: TurnContext): Promise<View[]> {
  const c = Conversation.of(ctx);
  const checklist = evidenceChecklist(c.loaded, c.answers, c.scope(), await evidenceProvisions(ctx.sql, c.state.id));
  // Every change of every answer, for the workbook's 修改记录 (who answered what and when): one query.
  const { changes: history } = await answerChanges(ctx.sql, c.state.id, { order: 'oldest' });
  const documents = await declarationFiles({ loaded: c.loaded, answers: c.answers, tables: await tablesOf(ctx), env: c.env, checklist, ...unitNamed(c.loaded, c.env.org), today: ctx.today, history });
  const views: View[] = [];
  for (const document of documents) {
    const stored = await ctx.files.putBuffer(document.bytes);
    const fileId = await recordFile(ctx.sql, { ...stored, name: document.name, mime: document.mime, channel: 'export', declarationId: c.state.id, uploadedById: ctx.person.userId });
    views.push({ kind: 'file', fileId, name: document.name, text: document.caption });
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
