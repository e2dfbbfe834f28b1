import type { Handler, TurnContext } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may } from '../permissions.ts';
import { feedback, say, type Choice, type View } from '../views.ts';
import { normalise } from '../../engine/parse-answer.ts';
import { UploadValueSchema } from '../../engine/values.ts';
import { evidenceChecklist, type EvidenceItem } from '../../rules/evidence.ts';
import { attachToEvidence, evidenceProvisions, markEvidence, recordFile } from '../../store/file-records.ts';
import { EVIDENCE_MARK } from '../render.ts';
import type { InboundFile } from '../messages.ts';
import { unzipEvidence, ZipRefusedError } from '../../exports/package/unzip.ts';

/**
 * Files in: a file sent while an upload question is asked is that question's answer (several until 完成); any other
 * file is evidence, and the operator says which item of the checklist it belongs to — further files go to the same
 * item until 完成. An item handed in elsewhere is marked 线下提交. A file too big for the platform is explained.
 */
export const files: Handler = async (ctx, next) => {
  const file = ctx.inbound.file;
  const state = ctx.chatState;
  const open = may(ctx, 'answer');
  if (file && !open) {
    return ctx.reply(say(`收到文件“${file.name}”。文件要归入某一份申报的材料：请先发送贵单位名称，打开申报后再发送文件。`));
  }
  if (!open) return next();
  if (file) return receive(ctx, file);
  const word = normalise(ctx.text);
  if (state.awaitReason) {
    ctx.chatState = { ...ctx.chatState, awaitReason: undefined };
    if (!ctx.command && word !== '') return markItem(ctx, state.awaitReason, { status: 'not_applicable', reason: ctx.text.trim().slice(0, 500) });
  }
  if (state.evidenceChoices && !ctx.command) {
    const picked = pick(state.evidenceChoices, word);
    if (picked && state.evidenceFor === 'offline') return markItem(ctx, picked, { status: 'offline' });
    if (picked && state.evidenceFor === 'not_applicable') return askReason(ctx, picked);
    if (picked) return sortInto(ctx, picked);
  }
  if (state.evidenceChoices) {
    ctx.chatState = { ...ctx.chatState, evidenceChoices: undefined, evidenceFor: undefined };
    // 取消 to “它属于哪一项？” leaves the files unsorted; it is no answer to the question the declaration is at.
    if (!ctx.command && CANCEL.test(word)) {
      ctx.chatState = { ...ctx.chatState, unsortedFiles: undefined };
      const c = Conversation.of(ctx);
      const what = state.evidenceFor === 'files' ? '刚收到的文件先不归类；需要时再发送一次并选择所属材料' : '没有标记任何材料';
      return ctx.reply(...c.respond(c.turn(), [feedback('notice', `好的，${what}。`)], '我们继续：'));
    }
  }
  // Any message but a file ends the collecting: a file sent much later is asked about again, never filed unseen.
  if (state.collecting) {
    ctx.chatState = { ...ctx.chatState, collecting: undefined };
    if (word === '完成') return finishCollecting(ctx, state.collecting);
  }
  if (ctx.command?.kind === 'offline' || ctx.command?.kind === 'not_applicable') return offerMarking(ctx, ctx.command.kind);
  return next();
};

/** Replies that call off choosing an item. */
const CANCEL = /^(取消|算了|不用了|不要了|先不|先不归类|不归类|暂不|稍后)[。.!！]*$/;

const SIZE = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
const DONE: Choice = { label: '完成', value: '完成' };

async function checklist(ctx: TurnContext): Promise<EvidenceItem[]> {
  const c = Conversation.of(ctx);
  return evidenceChecklist(c.loaded, c.answers, c.scope(), await evidenceProvisions(ctx.sql, c.state.id));
}

async function receive(ctx: TurnContext, file: InboundFile): Promise<void> {
  const c = Conversation.of(ctx);
  if (!file.sha256) {
    const limit = file.limit ? SIZE(file.limit) : '平台上限';
    return ctx.reply(
      say(
        [
          `文件“${file.name}”${file.limit && file.size > file.limit ? `有 ${SIZE(file.size)}，` : ''}超过机器人能接收的 ${limit}，没有保存。可以：`,
          `1. 拆成几个不超过 ${limit} 的文件分别发送（压缩包可分卷，如“XX公司-1”“XX公司-2”）；`,
          '2. 如这项材料另行提交（邮寄、邮箱或申报系统上传），回复“线下提交”，选择对应材料标记，清单中不再列为缺少。',
        ].join('\n'),
        [{ label: '线下提交', value: '线下提交' }],
      ),
    );
  }
  const { phase, questionId } = c.position();
  const question = questionId ? c.loaded.questions.get(questionId) : undefined;
  const base = { sha256: file.sha256, name: file.name, mime: file.mime, size: file.size, channel: ctx.inbound.channel, uploadedById: ctx.person.userId, declarationId: c.state.id };

  if (question?.type === 'upload' && phase === 'asking') {
    const id = await recordFile(ctx.sql, { ...base, questionId: question.id });
    const before = UploadValueSchema.safeParse(c.answers[question.id]?.value).data;
    const kept = before?.status === 'provided' ? before.files : [];
    const value = { status: 'provided' as const, files: [...kept, { name: file.name, key: id, size: file.size }] };
    c.state.saveAnswer({ questionId: question.id, value, skipped: false }, { userId: ctx.person.userId, channel: ctx.person.channel });
    const extension = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
    const format = question.accept.length && !question.accept.includes(extension) ? `\n注意：要求的格式是 ${question.accept.join('、')}，这个文件已先保存；如需更换，请发送正确格式的文件。` : '';
    return ctx.reply(
      feedback('saved', `已收到“${file.name}”（${SIZE(file.size)}），作为“${question.label}”的附件，本题共 ${value.files.length} 个文件。${format}`),
      say('还有文件请继续发送；全部发完请按“完成”进入下一题。', [DONE]),
    );
  }

  // A zip of evidence (often made on Chinese Windows, GBK names) is opened: each file inside is sorted like any other.
  if (/\.zip$/i.test(file.name)) return receiveZip(ctx, file as InboundFile & { sha256: string });

  const collecting = ctx.chatState.collecting;
  if (collecting) {
    await recordFile(ctx.sql, { ...base, evidenceId: collecting });
    const item = (await checklist(ctx)).find((i) => i.id === collecting);
    return ctx.reply(
      feedback('saved', `已收到“${file.name}”（${SIZE(file.size)}），归入“${item?.title ?? collecting}”（该项共 ${item?.files ?? 1} 个文件）。`),
      say('同一项还有文件请继续发送；发完请按“完成”。', [DONE]),
    );
  }

  const id = await recordFile(ctx.sql, base);
  const unsorted = [...(ctx.chatState.unsortedFiles ?? []), id];
  const items = await checklist(ctx);
  // Missing items first (what the file most likely is), then the rest, so a second file for an item can be sorted too.
  const offered = [...items.filter((i) => i.status !== 'provided'), ...items.filter((i) => i.status === 'provided')];
  const listed = ctx.chatState.evidenceFor === 'files' && ctx.chatState.evidenceChoices;
  ctx.chatState = { ...ctx.chatState, unsortedFiles: unsorted, evidenceChoices: offered.map((i) => i.id), evidenceFor: 'files' };
  if (listed) {
    // Several files sent at once (an album): the list was just shown; the buttons come again, the list does not.
    const again = offerItems('', offered);
    return ctx.reply({ ...again, text: `又收到“${file.name}”，共 ${unsorted.length} 个文件待归类。它们属于哪一项？请点选或回复序号（清单见上一条消息）。` });
  }
  return ctx.reply(offerItems(`已收到“${file.name}”（${SIZE(file.size)}）。它属于哪一项证明材料？请回复序号：`, offered));
}

async function receiveZip(ctx: TurnContext, file: InboundFile & { sha256: string }): Promise<void> {
  const c = Conversation.of(ctx);
  let inside;
  try {
    inside = await unzipEvidence(ctx.files.path(file.sha256), ctx.files);
  } catch (error) {
    if (error instanceof ZipRefusedError) return ctx.reply(feedback('refused', `压缩包“${file.name}”没有解开：${error.message}`));
    throw error;
  }
  if (inside.length === 0) return ctx.reply(feedback('refused', `压缩包“${file.name}”里没有文件。请检查后重新发送。`));
  const base = { channel: ctx.inbound.channel, uploadedById: ctx.person.userId, declarationId: c.state.id };
  const collecting = ctx.chatState.collecting;
  const ids: string[] = [];
  for (const f of inside) ids.push(await recordFile(ctx.sql, { ...base, sha256: f.sha256, size: f.size, name: f.name.split('/').pop() || f.name, evidenceId: collecting ?? null }));
  const names = inside.map((f) => f.name.split('/').pop()).slice(0, 5).join('、') + (inside.length > 5 ? ` 等` : '');
  if (collecting) {
    const item = (await checklist(ctx)).find((i) => i.id === collecting);
    return ctx.reply(
      feedback('saved', `已解开“${file.name}”，${inside.length} 个文件（${names}）归入“${item?.title ?? collecting}”（该项共 ${item?.files ?? inside.length} 个文件）。`),
      say('同一项还有文件请继续发送；发完请按“完成”。', [DONE]),
    );
  }
  const items = await checklist(ctx);
  const offered = [...items.filter((i) => i.status !== 'provided'), ...items.filter((i) => i.status === 'provided')];
  ctx.chatState = { ...ctx.chatState, unsortedFiles: [...(ctx.chatState.unsortedFiles ?? []), ...ids], evidenceChoices: offered.map((i) => i.id), evidenceFor: 'files' };
  return ctx.reply(offerItems(`已解开“${file.name}”，共 ${inside.length} 个文件（${names}）。它们属于哪一项证明材料？请回复序号（不同项的文件请分开压缩或逐个发送）：`, offered));
}

/** The checklist's items to choose from, numbered, as text and buttons. */
function offerItems(heading: string, items: EvidenceItem[]): View {
  // What requires an item tells apart the ones the seed names alike (“相应的入驻合同” for two indicators).
  const lines = items.map((item, i) => `${i + 1}. ${EVIDENCE_MARK[item.status]} ${item.title}（${item.requiredBy[0]}${item.suggested ? '，建议材料' : ''}）`);
  const short = (t: string) => ([...t].length > 24 ? `${[...t].slice(0, 23).join('')}…` : t);
  const choices = items.map((item, i) => ({ label: `${i + 1}. ${short(item.title)}`, value: String(i + 1) }));
  return say([heading, ...lines].join('\n'), choices);
}

function pick(ids: string[], word: string): string | undefined {
  const n = /^\d+$/.test(word) ? Number(word) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= ids.length ? ids[n - 1] : undefined;
}

async function sortInto(ctx: TurnContext, evidenceId: string): Promise<void> {
  const c = Conversation.of(ctx);
  const ids = ctx.chatState.unsortedFiles ?? [];
  await attachToEvidence(ctx.sql, c.state.id, ids, evidenceId);
  ctx.chatState = { ...ctx.chatState, unsortedFiles: undefined, evidenceChoices: undefined, evidenceFor: undefined, collecting: evidenceId };
  const item = (await checklist(ctx)).find((i) => i.id === evidenceId);
  return ctx.reply(
    feedback('saved', `已将 ${ids.length} 个文件归入“${item?.title ?? evidenceId}”（该项共 ${item?.files ?? ids.length} 个文件），材料清单已更新。`),
    say('同一项还有文件请继续发送；发完请按“完成”。其他材料的文件发来后再选择所属项。', [DONE]),
  );
}

async function finishCollecting(ctx: TurnContext, evidenceId: string): Promise<void> {
  const c = Conversation.of(ctx);
  const item = (await checklist(ctx)).find((i) => i.id === evidenceId);
  const done = feedback('completed', `“${item?.title ?? evidenceId}”已收到 ${item?.files ?? 0} 个文件。回复“材料”可查看全部材料的情况。`);
  return ctx.reply(...c.respond(c.turn(), [done], '我们继续：'));
}

async function offerMarking(ctx: TurnContext, kind: 'offline' | 'not_applicable'): Promise<void> {
  const missing = (await checklist(ctx)).filter((i) => i.status === 'missing');
  if (missing.length === 0) {
    const c = Conversation.of(ctx);
    return ctx.reply(...c.respond(c.turn(), [say('材料清单中没有缺少的材料，无需标记。')]));
  }
  ctx.chatState = { ...ctx.chatState, evidenceChoices: missing.map((i) => i.id), evidenceFor: kind };
  const heading = kind === 'offline' ? '哪一项材料线下提交（邮寄、邮箱或在申报系统中上传）？请回复序号：' : '哪一项材料对本单位不适用？请回复序号，接着说明原因：';
  return ctx.reply(offerItems(heading, missing));
}

async function askReason(ctx: TurnContext, evidenceId: string): Promise<void> {
  const item = (await checklist(ctx)).find((i) => i.id === evidenceId);
  ctx.chatState = { ...ctx.chatState, evidenceChoices: undefined, evidenceFor: undefined, awaitReason: evidenceId };
  return ctx.reply(say(`为什么“${item?.title ?? evidenceId}”对本单位不适用？请用一句话说明（会写入材料清单，供审核参考），例如“本基地上一年度无上市挂牌企业”。`));
}

async function markItem(ctx: TurnContext, evidenceId: string, mark: { status: 'offline' | 'not_applicable'; reason?: string }): Promise<void> {
  const c = Conversation.of(ctx);
  await markEvidence(ctx.sql, c.state.id, evidenceId, ctx.person.userId, mark);
  ctx.chatState = { ...ctx.chatState, evidenceChoices: undefined, evidenceFor: undefined };
  const item = (await checklist(ctx)).find((i) => i.id === evidenceId);
  const title = item?.title ?? evidenceId;
  const done = mark.status === 'offline'
    ? feedback('saved', `已将“${title}”标记为线下提交，材料清单中不再列为缺少；之后发来该项的文件，仍会计入。`)
    : feedback('saved', `已将“${title}”标记为不适用（${mark.reason}），材料清单中注明原因；如有变化，发来该项的文件即计入。`);
  return ctx.reply(...c.respond(c.turn(), [done]));
}
