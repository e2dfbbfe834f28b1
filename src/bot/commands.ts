import { normalise } from '../engine/parse-answer.ts';

/**
 * Words an operator can send at any point besides an answer. Chinese words first; the slash forms work on every
 * channel. Anything that is not a command is an answer to the current question.
 */
export type Command =
  | { kind: 'start' }
  | { kind: 'help' }
  | { kind: 'back' }
  | { kind: 'skip' }
  | { kind: 'progress' }
  | { kind: 'review' }
  | { kind: 'confirm' }
  | { kind: 'sections' }
  | { kind: 'section'; target: string }
  | { kind: 'edit'; target: string }
  | { kind: 'thresholds' }
  | { kind: 'evidence' }
  | { kind: 'switch' }
  | { kind: 'unknown'; word: string };

const WORDS: Record<string, Command['kind']> = {
  帮助: 'help', '?': 'help', help: 'help', 说明: 'help',
  返回: 'back', 上一题: 'back', 上一步: 'back', 后退: 'back', back: 'back',
  跳过: 'skip', 略过: 'skip', 下一题: 'skip', skip: 'skip',
  进度: 'progress', progress: 'progress', status: 'progress',
  查看: 'review', 本节: 'review', 检查: 'review', review: 'review',
  确认: 'confirm', 确定: 'confirm', 提交本节: 'confirm', confirm: 'confirm',
  目录: 'sections', 章节: 'sections', 菜单: 'sections', sections: 'sections',
  门槛: 'thresholds', 门槛条件: 'thresholds', thresholds: 'thresholds',
  材料: 'evidence', 证明材料: 'evidence', 待补材料: 'evidence', 材料清单: 'evidence', evidence: 'evidence',
  切换单位: 'switch', 重新选择单位: 'switch', switch: 'switch',
  start: 'start', 开始: 'start',
};

export function parseCommand(raw: string): Command | null {
  const text = normalise(raw);
  const slash = text.startsWith('/');
  const body = slash ? text.slice(1).trim() : text;
  const [head, ...rest] = body.split(/\s+/);
  const arg = rest.join(' ').trim();
  const word = head?.toLowerCase() ?? '';

  const editMatch = body.match(/^(?:修改|更正|改|edit)\s*(.+)$/i);
  if (editMatch) return { kind: 'edit', target: editMatch[1].trim() };
  const sectionMatch = body.match(/^(?:第\s*([一二三四五六七八九十\d]+)\s*[节部分]+|去\s*(.+)|section\s+(.+))$/i);
  if (sectionMatch) return { kind: 'section', target: (sectionMatch[1] ?? sectionMatch[2] ?? sectionMatch[3]).trim() };

  const kind = WORDS[word];
  if (kind && (arg === '' || !slash)) {
    if (!arg) return { kind } as Command;
  }
  if (slash) return kind ? ({ kind } as Command) : { kind: 'unknown', word: text };
  return null;
}

export const COMMAND_HELP = [
  '“返回”回到上一题，“跳过”跳过选填题（已答的题保留原答案）',
  '“修改 3”或“修改 【三】1”更正某一题，“查看”列出本节答案',
  '“目录”查看各部分并切换，“进度”查看完成情况，“门槛”查看门槛条件判断，“材料”查看需准备的证明材料',
  '“帮助”查看本题说明',
].join('\n');
