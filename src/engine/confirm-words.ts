import { bareReply } from './parse-answer.ts';

/**
 * Replies to a value shown for confirmation — the directory's (名录登记为：X。与名录一致请回复“是”) or last year's — which
 * are not answers themselves. “是的” saved as a unit's name, or “不是” as its platform's, is a silent wrong value.
 */

/** A reply as bareReply leaves it, and without a last 的: 是的, 一致的. */
const bare = (raw: string) => bareReply(raw).replace(/的$/, '');

const AGREE = new Set(['是', '对', '确认', '确定', '好', '嗯', '恩', '行', '没错', '没问题', '无误', '正确', '一致', '一样', '相同', '同名录',
  '采用', '采用名录', '与名录一致', '和名录一致', '跟名录一致', '同名录一致', '名录一致', 'ok', 'okay', 'y', 'yes']);
const DISAGREE = new Set(['否', '不是', '不对', '不一致', '不一样', '不相同', '错了', '有误', '不正确', '已变更', '变了', '改了', '有变化', '有变更',
  '不同', 'no', 'n']);

/** Whether the reply takes the value shown. */
export const agreesWithShown = (raw: string): boolean => AGREE.has(bare(raw));

/** Whether the reply says the value shown is not right, without giving the right one. */
export const disagreesWithShown = (raw: string): boolean => DISAGREE.has(bare(raw));
