import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/bot/commands.ts';
import { readFilter } from '../../src/bot/summary-filter.ts';
import { getFlow } from '../../src/flow/loader.ts';

/** The words of 进度汇总 and 导出全部, and the filters after them, read against the flows' own data. */

const flows = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'].map((id) => getFlow(id));

describe('进度汇总 and 导出全部 as commands', () => {
  it('takes a filter after 进度汇总 or a slash, and keeps an answer an answer', () => {
    expect(parseCommand('进度汇总')).toEqual({ kind: 'summary', filter: '', orProgress: false });
    expect(parseCommand('进度汇总 海淀区 已退回')).toEqual({ kind: 'summary', filter: '海淀区 已退回', orProgress: false });
    expect(parseCommand('/status 首冶')).toEqual({ kind: 'summary', filter: '首冶', orProgress: true });
    expect(parseCommand('/status')).toEqual({ kind: 'summary', filter: '', orProgress: true });
    expect(parseCommand('汇总')).toEqual({ kind: 'summary', filter: '', orProgress: false });
    expect(parseCommand('汇总 全年共 12 家')).toBeNull();
    expect(parseCommand('进度')).toEqual({ kind: 'progress' });
    expect(parseCommand('/export all 海淀区')).toEqual({ kind: 'export_all', filter: '海淀区' });
    expect(parseCommand('导出全部')).toEqual({ kind: 'export_all', filter: '' });
    expect(parseCommand('导出汇总 已退回')).toEqual({ kind: 'export_all', filter: '已退回' });
    expect(parseCommand('/export')).toEqual({ kind: 'export' });
  });
});

describe('the filter', () => {
  const read = (text: string) => {
    const r = readFilter(text, flows);
    if (!r.ok) throw new Error(`not understood: ${r.words.join(' ')}`);
    return { ...r.filter, flows: r.filter.flows.map((f) => f.flow.id) };
  };

  it('reads a district (or its start), a stage, 未完成, programme words and a page, in any order', () => {
    expect(read('海淀 已退回 2')).toMatchObject({ district: '海淀区', stage: 'returned', page: 2, organisation: null, flows: flows.map((f) => f.flow.id) });
    expect(read('未完成 石家庄')).toMatchObject({ district: '石家庄', stage: 'behind' });
    expect(read('基地')).toMatchObject({ flows: ['beijing-base-2023', 'hebei-base'], programmeWords: ['基地'] });
    expect(read('北京 平台')).toMatchObject({ flows: ['beijing-platform-2024'] });
    expect(read('河北省中小企业公共服务示范平台2024')).toMatchObject({ flows: ['hebei-platform'] });
    // As 新建活动 and 协调人邀请码 name them: the characters of the programme's name in order.
    expect(read('北京基地 海淀')).toMatchObject({ flows: ['beijing-base-2023'], district: '海淀区' });
    expect(read('河北平台')).toMatchObject({ flows: ['hebei-platform'] });
  });

  it('leaves other words to name organisations, and refuses a second district or stage', () => {
    expect(read('首冶 新元')).toMatchObject({ organisation: '首冶 新元', district: null, stage: null });
    expect(readFilter('海淀区 昌平区', flows)).toEqual({ ok: false, words: ['昌平区'] });
    expect(readFilter('已退回 待审核', flows)).toEqual({ ok: false, words: ['待审核'] });
  });
});
