import type { Handler } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { may } from '../permissions.ts';
import type { Unsupported } from '../messages.ts';
import { say } from '../views.ts';
import { shortTimeInChina } from '../../engine/today.ts';

/**
 * What a platform can carry but the assistant cannot take (a sticker, a voice note, a location, an edited or forwarded
 * message …): said plainly, with what to send instead, and the current question again. Nothing saved is touched.
 */

const SAID: Record<Unsupported, string> = {
  sticker: '收到贴纸🙂 不过我只能读取文字、按钮和文件。请直接输入答案。',
  voice: '暂时无法识别语音。请用文字输入答案（数字可以带单位，例如“120万元”）。',
  audio: '音频不能作为答案。请用文字输入答案；如果它是证明材料，请以“文件”方式发送。',
  video: '视频不能作为答案。请用文字输入答案；如果它是证明材料，请以“文件”方式发送。',
  video_note: '视频消息不能作为答案。请用文字输入答案。',
  location: '位置不能作为答案。地址请直接输入文字，例如“北京市海淀区中关村大街1号”。',
  contact: '名片不能作为答案。姓名和电话请直接输入文字，例如“张三 13800000000”。',
  poll: '投票不能作为答案。请直接输入答案。',
  dice: '这不是答案哦。请直接输入答案。',
  game: '这不是答案哦。请直接输入答案。',
  edited: '修改已发送的消息不会改变已保存的答案。如需更正，请直接发送新的答案，或回复“修改 题号”。',
  forwarded: '转发来的文字不会作为答案保存（可能不是要填的内容）。请直接输入答案；材料文件可以转发，会收作材料。',
  folder: '文件夹不能直接接收。请把文件夹压缩成 zip 后以文件发送，或逐个发送其中的文件。',
  other: '暂不支持这种消息。请直接输入文字答案，证明材料请以“文件”方式发送。',
};

export const unsupported: Handler = async (ctx, next) => {
  const kind = ctx.inbound.unsupported;
  if (!kind) return next();
  if (!may(ctx, 'read')) return ctx.reply(say(`${SAID[kind]}\n请先发送贵单位名称（与名录一致的全称）。`));
  const c = Conversation.of(ctx);
  return ctx.reply(...c.respond(c.turn(), [say(SAID[kind])], undefined, true));
};

/** Said once in a group the bot was added to: declarations are private, so the bot works in private chats only. */
export const PRIVATE_CHATS_ONLY = '申报助手只在私聊中工作（申报内容仅本单位填报人可见）。请点击机器人头像，进入私聊后发送“开始”。';

/** A press on the marker left where a question was answered by button. */
export const ALREADY_ANSWERED = '这一题已经回答过了。如需更正，请回复“修改 题号”。';

/** A file the platform would not hand over (a network failure): nothing was saved. */
export const FILE_NOT_FETCHED = '文件没有接收成功（下载失败），没有保存。请稍后重新发送这个文件。';

/** A file to send whose content is not in the file store. */
export const fileMissing = (name: string) => `文件“${name}”暂时无法发送（找不到已保存的内容），请稍后再试或联系管理员。`;

/** A file too big for the platform to send (Telegram 50 MB, Feishu 30 MB): a download link, or where else to get it. */
export function fileTooBigToSend(name: string, limitMb: number, link?: { url: string; expires: Date }): string {
  const size = `文件“${name}”超过 ${limitMb} MB，无法在对话中直接发送。`;
  if (!link) return `${size}请联系管理员用命令 shenbao export 导出后转交。`;
  return `${size}请在电脑浏览器中打开下面的链接下载（${shortTimeInChina(link.expires)} 前有效，请勿转发）：\n${link.url}`;
}
