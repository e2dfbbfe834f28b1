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
  | { kind: 'review'; page?: number; all?: boolean }
  | { kind: 'confirm' }
  | { kind: 'keep' }
  | { kind: 'sections' }
  | { kind: 'section'; target: string }
  | { kind: 'edit'; target: string }
  | { kind: 'thresholds' }
  | { kind: 'evidence'; page?: number }
  | { kind: 'switch' }
  | { kind: 'offline' }
  | { kind: 'checklist' }
  | { kind: 'export' }
  | { kind: 'submit_review' }
  | { kind: 'review_queue' }
  | { kind: 'approve' }
  | { kind: 'return'; reason: string }
  | { kind: 'package' }
  | { kind: 'template'; target?: string }
  | { kind: 'import'; target?: string }
  | { kind: 'not_applicable' }
  /**
   * 进度汇总 [筛选]: where the organisations in reach stand (coordinators, staff). `/status` is also an operator's own
   * 进度 (`orProgress`): the handler decides by who asks.
   */
  | { kind: 'summary'; filter: string; orProgress: boolean }
  /** 导出全部 [筛选]: the overview workbook, one row per organisation in reach. */
  | { kind: 'export_all'; filter: string }
  /** 分工 [section [person | 取消]]: who fills which section. */
  | { kind: 'assign'; target: string }
  /** 谁填的 [question] [第N页]: a question's history of changes. */
  | { kind: 'who'; target: string; page?: number }
  /** 全部沿用: take last year's answers to the section's stable questions at once. */
  | { kind: 'carry_all' }
  | { kind: 'unknown'; word: string };

const WORDS: Record<string, Command['kind']> = {
  帮助: 'help', '?': 'help', help: 'help', 说明: 'help',
  返回: 'back', 上一题: 'back', 上一步: 'back', 后退: 'back', back: 'back',
  跳过: 'skip', 略过: 'skip', 下一题: 'skip', skip: 'skip',
  进度: 'progress', progress: 'progress',
  查看: 'review', 本节: 'review', 检查: 'review', review: 'review', 查看全部: 'review',
  确认: 'confirm', 确定: 'confirm', 提交本节: 'confirm', confirm: 'confirm',
  保留: 'keep', 不确认: 'keep', keep: 'keep',
  目录: 'sections', 章节: 'sections', 菜单: 'sections', sections: 'sections',
  门槛: 'thresholds', 门槛条件: 'thresholds', thresholds: 'thresholds',
  材料: 'evidence', 证明材料: 'evidence', 待补材料: 'evidence', 材料清单: 'evidence', evidence: 'evidence',
  提交审核: 'submit_review', 申请审核: 'submit_review',
  待审核: 'review_queue', 审核列表: 'review_queue',
  审核通过: 'approve', 通过审核: 'approve',
  导出: 'export', 导出申报表: 'export', export: 'export',
  打包: 'package', 打包材料: 'package', package: 'package',
  模板: 'template', 附表模板: 'template', template: 'template',
  导入: 'import', 导入附表: 'import', import: 'import',
  清单: 'checklist', 缺失清单: 'checklist', 材料缺失清单: 'checklist', checklist: 'checklist',
  线下提交: 'offline', 线下: 'offline', offline: 'offline', 不适用: 'not_applicable',
  切换单位: 'switch', 重新选择单位: 'switch', switch: 'switch',
  全部沿用: 'carry_all', 沿用全部: 'carry_all', 全部沿用上年: 'carry_all', 都沿用: 'carry_all', 都沿用上年: 'carry_all',
  start: 'start', 开始: 'start', 你好: 'start', 您好: 'start', 在吗: 'start', hi: 'start', hello: 'start', 修改: 'edit', 更正: 'edit', edit: 'edit',
};

const SECTION_NUMBER = '[一二三四五六七八九十\\d]+';
/** 第3节, 第三部分, 去第3节, 去【三】, 去3节. */
const SECTION = new RegExp(`^(?:去\\s*)?第\\s*(${SECTION_NUMBER})\\s*(?:节|部分)$|^去\\s*【(${SECTION_NUMBER})】$|^去\\s*(${SECTION_NUMBER})\\s*(?:节|部分)$|^section\\s+(\\S+)$`, 'i');
/**
 * 修改 3, 修改【三】1, 修改建筑面积, 更正 2: 修改 and 更正 may run straight into their target; 改 alone only before a
 * number or a bracket (改 3, 改【三】1), so that an answer such as “改制后…” stays an answer.
 */
const EDIT = /^(?:(?:修改|更正)\s*(.+)|改\s*([\d【].*)|edit\s+(.+))$/i;

/** 分工, 分工 【四】 李会计, 分工 第4节 取消: 分工 runs straight only into 【 or 第, so “分工明确…” stays an answer. */
const ASSIGN = /^(?:分工|assign)(?:\s+([\s\S]*)|([【第][\s\S]*))?$/i;
/** 谁填的, 谁填的 3, 谁填的【三】1, 谁填的 建筑面积 第2页. */
const WHO = /^(?:谁填的|谁改的|填写记录|who(?=\s|$))\s*([\s\S]*?)\s*(?:第\s*(\d+)\s*页)?$/i;

/**
 * 进度汇总 海淀区 已退回, /status 海淀区: a summary and its filter. Typed without a slash only 进度汇总 takes a filter
 * (汇总 and status stand alone), so an answer such as “汇总 全年共 12 家” stays an answer.
 */
const SUMMARY = /^(进度汇总|汇总|status)(?:\s+([\s\S]*))?$/i;
/** 导出全部, 导出汇总, /export all — each with an optional filter. */
const EXPORT_ALL = /^(?:导出全部|导出汇总|export\s+all)(?:\s+([\s\S]*))?$/i;

/**
 * A command is the whole message: a command word alone, or 修改 / 第N节 with their target. Anything else — including
 * text that merely begins with a command word, such as “去年基地共服务…” — is an answer to the current question.
 */
export function parseCommand(raw: string): Command | null {
  const text = normalise(raw);
  const slash = text.startsWith('/');
  const body = (slash ? text.slice(1) : text).trim();
  const word = body.toLowerCase().replace(/[。.!！]$/, '');

  const edit = body.match(EDIT);
  if (edit) return { kind: 'edit', target: (edit[1] ?? edit[2] ?? edit[3]).trim() };
  const section = body.match(SECTION);
  if (section) return { kind: 'section', target: (section[1] ?? section[2] ?? section[3] ?? section[4]).trim() };
  // The English words only as slash commands: an answer may well begin with “who” or “assign”.
  const english = !slash && /^(assign|who)\b/i.test(body);
  const assign = english ? null : body.match(ASSIGN);
  if (assign) return { kind: 'assign', target: (assign[1] ?? assign[2] ?? '').trim() };
  const who = english ? null : body.match(WHO);
  if (who) return { kind: 'who', target: who[1].trim(), ...(who[2] ? { page: Number(who[2]) } : {}) };
  const returned = body.match(/^退回\s*([\s\S]*)$/);
  if (returned) return { kind: 'return', reason: returned[1].trim() };
  const table = body.match(/^(模板|导入)\s*(\S.*)$/);
  if (table) return { kind: table[1] === '模板' ? 'template' : 'import', target: table[2].trim() };
  const paged = body.match(/^(查看|材料)\s*(\d+)$/);
  if (paged) return { kind: paged[1] === '查看' ? 'review' : 'evidence', page: Number(paged[2]) };

  const summary = body.match(SUMMARY);
  if (summary && (slash || !summary[2] || summary[1] === '进度汇总')) return { kind: 'summary', filter: (summary[2] ?? '').trim(), orProgress: /^status$/i.test(summary[1]) };
  const overview = body.match(EXPORT_ALL);
  if (overview) return { kind: 'export_all', filter: (overview[1] ?? '').trim() };

  const kind = WORDS[word];
  if (kind === 'edit') return { kind: 'edit', target: '' };
  if (kind === 'review') return word === '查看全部' ? { kind, all: true } : { kind };
  if (kind) return { kind } as Command;
  // “/start 参数” (Telegram deep links) and other slash words: a known word ignores its argument.
  if (slash) {
    const head = WORDS[word.split(/\s+/)[0]];
    return head && head !== 'edit' ? ({ kind: head } as Command) : { kind: 'unknown', word: text };
  }
  return null;
}

export const COMMAND_HELP = [
  '“返回”回到上一题，“跳过”跳过选填题（已答的题保留原答案）',
  '“修改 3”或“修改 【三】1”更正某一题（也可写题目名称），“查看”列出本节答案',
  '“目录”查看各部分并切换，“进度”查看完成情况，“门槛”查看门槛条件判断，“材料”查看需准备的证明材料，“清单”按门槛条件和评分指标列出已交和缺少的材料',
  '证明材料的文件可直接发送，发送后选择所属材料；另行提交的材料回复“线下提交”，本单位没有的回复“不适用”并说明原因',
  '“模板”领取附表的 Excel 模板，填好后直接发回即导入；“导出”领取申报表 Excel 和绩效报告初稿，“打包”生成证明材料压缩包',
  '“分工”查看和指定各部分的负责人（如“分工 第4节 李会计”），“谁填的”查看本题（或“谁填的 3”某题）由谁在何时填写和修改',
  '“帮助”查看本题说明',
].join('\n');
