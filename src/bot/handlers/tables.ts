import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may } from '../permissions.ts';
import { feedback, say, type View } from '../views.ts';
import { normalise } from '../../engine/parse-answer.ts';
import { formatNumber, questionTitle } from '../../engine/format.ts';
import type { AnnexTable } from '../../flow/schema.ts';
import { annexTemplate } from '../../exports/excel/template.ts';
import { annotatedCopy, rowsRead } from '../../exports/excel/annotated-copy.ts';
import { importAnnex, summary, type ImportResult } from '../../exports/excel/import.ts';
import { mismatched, tableFacts } from '../../rules/table-values.ts';
import { findFile, recordFile } from '../../store/file-records.ts';
import { loadTables, saveTable } from '../../store/table-store.ts';
import { XLSX_MIME } from '../../exports/declaration-files.ts';
import type { TableValue } from '../../engine/values.ts';

/**
 * Annex tables (附表) through Excel: 模板 sends a table's blank template; the filled workbook sent back (after 模板 or
 * 导入, or any workbook whose name carries a table's 附表 number) is checked row by row; a clean one is saved at once,
 * one with problems is answered with what is wrong (and an annotated copy) and saved only on 导入有效行. A saved table
 * fills the answers it gives, and a typed answer that differs is shown beside it for the operator to choose.
 */
export const tables: Handler = async (ctx, next) => {
  if (!may(ctx, 'answer')) return next();
  const c = Conversation.of(ctx);
  const state = ctx.chatState;
  const word = normalise(ctx.text);
  const file = ctx.inbound.file;

  if (file?.sha256 && /\.xlsx$/i.test(file.name)) {
    const table = tableOf(c.loaded.flow.tables, state.awaitTable, file.name);
    if (table) return importFile(ctx, table, file.sha256, file.name, file.size);
  }
  if (state.tableChoices && !ctx.command && /^\d+$/.test(word)) {
    const table = c.loaded.flow.tables.find((t) => t.id === state.tableChoices![Number(word) - 1]);
    ctx.chatState = { ...ctx.chatState, tableChoices: undefined, tableFor: undefined };
    if (table) return state.tableFor === 'import' ? askForFile(ctx, table) : sendTemplate(ctx, table);
  }
  if (state.tableChoices) ctx.chatState = { ...ctx.chatState, tableChoices: undefined, tableFor: undefined };
  if (state.pendingImport && (word === '导入有效行' || word === '全部重新上传')) {
    ctx.chatState = { ...ctx.chatState, pendingImport: undefined };
    if (word === '全部重新上传') return ctx.reply(say('好的，这次上传的内容没有保存。请改好后把文件重新发来。'));
    return importValid(ctx, state.pendingImport.tableId, state.pendingImport.fileId);
  }
  if (state.tableMismatch && (word === '按附表更正' || word === '保留已填答案')) {
    ctx.chatState = { ...ctx.chatState, tableMismatch: undefined };
    return settleMismatch(ctx, state.tableMismatch, word === '按附表更正');
  }
  const command = ctx.command;
  if (command?.kind === 'template' || command?.kind === 'import') {
    const named = command.target ? findTable(c.loaded.flow.tables, command.target) : undefined;
    if (named) return command.kind === 'template' ? sendTemplate(ctx, named) : askForFile(ctx, named);
    return offerTables(ctx, command.kind);
  }
  return next();
};

/** The table a workbook is: the one asked for, or the one whose 附表 number its name carries. */
function tableOf(all: AnnexTable[], awaited: string | undefined, fileName: string): AnnexTable | undefined {
  const byName = [...all].sort((a, b) => b.ref.length - a.ref.length).find((t) => fileName.includes(t.ref));
  return byName ?? all.find((t) => t.id === awaited);
}

function findTable(all: AnnexTable[], target: string): AnnexTable | undefined {
  const t = normalise(target);
  return all.find((x) => x.ref === t || x.id === t || x.title === t) ?? all.find((x) => x.title.includes(t) || x.ref.endsWith(t));
}

function offerTables(ctx: TurnContext, kind: 'template' | 'import'): void {
  const all = Conversation.of(ctx).loaded.flow.tables;
  if (all.length === 0) return ctx.reply(say('本项目没有需要用 Excel 填写的附表。'));
  ctx.chatState = { ...ctx.chatState, tableChoices: all.map((t) => t.id), tableFor: kind };
  const lines = all.map((t, i) => `${i + 1}. ${t.ref} ${t.title}`);
  const heading = kind === 'template' ? '要哪张附表的模板？请回复序号：' : '要导入哪张附表？请回复序号，然后发送填好的 Excel 文件：';
  ctx.reply(say([heading, ...lines].join('\n'), all.map((t, i) => ({ label: `${i + 1}. ${t.title.slice(0, 20)}`, value: String(i + 1) }))));
}

async function sendTemplate(ctx: TurnContext, table: AnnexTable): Promise<void> {
  const c = Conversation.of(ctx);
  const bytes = await annexTemplate(c.loaded, table);
  const stored = await ctx.files.putBuffer(bytes);
  const name = `${table.ref} ${table.title}.xlsx`;
  const fileId = await recordFile(ctx.sql, { ...stored, name, channel: ctx.inbound.channel, declarationId: c.state.id, mime: XLSX_MIME });
  ctx.chatState = { ...ctx.chatState, awaitTable: table.id };
  ctx.reply({ kind: 'file', fileId, name, text: `${table.ref} ${table.title}（空白模板）` }, say(`请按模板填写后把文件直接发回来（文件名保留“${table.ref}”即可识别）。合计行会自动计算，不必填写。`));
}

function askForFile(ctx: TurnContext, table: AnnexTable): void {
  ctx.chatState = { ...ctx.chatState, awaitTable: table.id };
  ctx.reply(say(`请发送填好的“${table.ref} ${table.title}”Excel 文件（.xlsx）。还没有模板的话，回复“模板 ${table.ref}”领取。`));
}

async function importFile(ctx: TurnContext, table: AnnexTable, sha256: string, name: string, size: number): Promise<void> {
  const c = Conversation.of(ctx);
  const fileId = await recordFile(ctx.sql, { sha256, name, size, mime: XLSX_MIME, channel: ctx.inbound.channel, uploadedById: ctx.person.userId, declarationId: c.state.id });
  const result = await importAnnex(c.loaded, table, ctx.files.path(sha256), ctx.today, { answers: c.answers, org: c.env.org });
  ctx.chatState = { ...ctx.chatState, awaitTable: undefined };
  if (result.refused) {
    ctx.chatState = { ...ctx.chatState, awaitTable: table.id };
    return ctx.reply(feedback('refused', `“${name}”没有导入：${result.problems[0]?.message ?? '文件无法读取'}`));
  }
  const errors = result.problems.filter((p) => p.level === 'error');
  if (errors.length === 0) return saveRows(ctx, table, result, name);
  // Problems: said grouped and capped; the whole list comes back marked in their own workbook.
  const copy = await annotatedCopy(ctx.files.path(sha256), result);
  const stored = await ctx.files.putBuffer(copy.bytes);
  const copyName = name.replace(/\.xlsx$/i, '（已标注问题）.xlsx');
  const copyId = await recordFile(ctx.sql, { ...stored, name: copyName, mime: XLSX_MIME, channel: ctx.inbound.channel, declarationId: c.state.id });
  const valid = result.rows.length;
  const views: View[] = [
    feedback('refused', `“${table.ref} ${table.title}”有 ${result.invalidRows.length} 行需要更正（${valid} 行无误）：\n${summary(result.problems)}`),
    {
      kind: 'file',
      fileId: copyId,
      name: copyName,
      text: copy.valuesOnly
        ? `问题单元格已标红并附说明。表格较大（${rowsRead(result)} 行），标注文件只含“${result.sheet}”这张表的数据，原文件的格式和其他工作表没有保留；请在原文件中改正，或改好这份后直接发回。`
        : '问题单元格已标红并附说明',
    },
  ];
  if (valid > 0) {
    ctx.chatState = { ...ctx.chatState, pendingImport: { tableId: table.id, fileId } };
    views.push(say(`可以先导入无误的 ${valid} 行（有问题的行之后改好重新上传整张表），或全部改好后重新上传。`, [
      { label: `导入有效行（${valid} 行）`, value: '导入有效行' },
      { label: '全部重新上传', value: '全部重新上传' },
    ]));
  } else {
    ctx.chatState = { ...ctx.chatState, awaitTable: table.id };
    views.push(say('改好后请把文件重新发来。'));
  }
  return ctx.reply(...views);
}

async function importValid(ctx: TurnContext, tableId: string, fileId: string): Promise<void> {
  const c = Conversation.of(ctx);
  const table = c.loaded.flow.tables.find((t) => t.id === tableId);
  const record = await findFile(ctx.sql, fileId);
  if (!table || !record || !ctx.files.has(record.sha256)) return ctx.reply(say('找不到刚才上传的文件，请重新发送。'));
  const result = await importAnnex(c.loaded, table, ctx.files.path(record.sha256), ctx.today, { answers: c.answers, org: c.env.org });
  return saveRows(ctx, table, result, record.name);
}

/** Saves the rows (replacing the table as a whole), then fills or compares the answers the table gives. */
async function saveRows(ctx: TurnContext, table: AnnexTable, result: ImportResult, name: string): Promise<void> {
  const c = Conversation.of(ctx);
  const version = await saveTable(ctx.sql, c.state.id, table.id, result.rows, ctx.person.userId);
  const warnings = result.problems.filter((p) => p.level === 'warning');
  const views: View[] = [
    feedback('saved', `已导入“${table.ref} ${table.title}”${result.rows.length} 行（来自“${name}”${version > 1 ? `，替换了之前的版本，旧版本已留存` : ''}）。`),
  ];
  if (warnings.length) views.push(feedback('warning', `请留意：\n${summary(warnings, 10)}`));
  views.push(...(await fillFromTable(ctx, table.id)));
  if (!ctx.chatState.tableMismatch) views.push(...c.respond(c.turn()));
  return ctx.reply(...views);
}

/** Answers the table gives: unanswered ones are filled; typed ones that differ are put to the operator. */
async function fillFromTable(ctx: TurnContext, tableId: string): Promise<View[]> {
  const c = Conversation.of(ctx);
  const facts = tableFacts(c.loaded, await tablesOf(ctx), c.answers, c.env, tableId);
  const author = { userId: ctx.person.userId, channel: ctx.person.channel };
  const filled = facts.filter((f) => f.typed === null);
  for (const f of filled) c.state.saveAnswer({ questionId: f.question.id, value: f.computed, skipped: false, note: `按${f.tables.join('、')}统计` }, author);
  const views: View[] = [];
  if (filled.length) views.push(feedback('computed', `已按附表填写：${filled.map((f) => `${questionTitle(f.question)} ${formatNumber(f.computed)}`).join('；')}。`));
  const differ = mismatched(facts);
  if (differ.length) {
    ctx.chatState = { ...ctx.chatState, tableMismatch: tableId };
    const lines = differ.map((f) => `• ${questionTitle(f.question)}：附表统计为 ${formatNumber(f.computed)}，您填写的是 ${formatNumber(f.typed!)}`);
    views.push(
      say([`附表与已填的答案不一致：`, ...lines, '哪个是对的？按附表更正，就改为附表的数；附表有误，就保留已填答案，改好附表后重新上传。'].join('\n'), [
        { label: '按附表更正', value: '按附表更正' },
        { label: '保留已填答案', value: '保留已填答案' },
      ]),
    );
  }
  return views;
}

async function settleMismatch(ctx: TurnContext, tableId: string, useTable: boolean): Promise<void> {
  const c = Conversation.of(ctx);
  const differ = mismatched(tableFacts(c.loaded, await tablesOf(ctx), c.answers, c.env, tableId));
  const author = { userId: ctx.person.userId, channel: ctx.person.channel };
  if (useTable) for (const f of differ) c.state.saveAnswer({ questionId: f.question.id, value: f.computed, skipped: false, note: `按${f.tables.join('、')}统计更正` }, author);
  const done = useTable
    ? feedback('saved', `已按附表更正：${differ.map((f) => `${questionTitle(f.question)} ${formatNumber(f.computed)}`).join('；') || '（已一致）'}。`)
    : feedback('notice', '已保留您填写的答案。附表有误的话，请改好后重新上传整张表。');
  return ctx.reply(...c.respond(c.turn(), [done]));
}

/** The declaration's annex tables as they are in this transaction (a table just saved included). */
export async function tablesOf(ctx: TurnContext): Promise<Record<string, TableValue>> {
  const stored = await loadTables(ctx.sql, Conversation.of(ctx).state.id);
  return Object.fromEntries([...stored].map(([id, t]) => [id, t.rows]));
}
