import type { LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import type { AnswerValue } from './values.ts';
import { formatValue } from './format.ts';

/** How a recorded change of an answer reads (谁填的, the workbook's 修改记录): its values, where and when it was made. */

/**
 * A value of the history as the review shows values. The history keeps what was stored at the time: a value that no
 * longer fits the question (the flow changed since) is shown as it was stored rather than failing the whole list.
 */
export function formatChangedValue(loaded: LoadedFlow, question: Question | undefined, value: AnswerValue | null, side: 'old' | 'new'): string {
  // A change to nothing is a skip (跳过 on an optional question); before a first answer there was nothing.
  if (value === null || value === undefined) return side === 'new' ? '（已跳过）' : '（未填）';
  if (!question) return typeof value === 'string' ? value : JSON.stringify(value);
  try {
    return formatValue(loaded, question, value);
  } catch {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

const CHANNELS: Record<string, string> = { telegram: 'Telegram', feishu: '飞书', console: '控制台', cli: '命令行' };

/** The channel a change came through, as people call it. */
export const channelName = (channel: string | null): string => (channel ? (CHANNELS[channel] ?? channel) : '—');

