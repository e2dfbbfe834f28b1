import { describe, expect, it } from 'vitest';
import { parseCell } from '../../src/engine/parse-answer.ts';
import { getFlow } from '../../src/flow/loader.ts';

/** An option's name inside a word that changes it is not that option: refused, never saved as the nearest option. */

const loaded = getFlow('beijing-base-2023');
const size = loaded.flow.tables.find((t) => t.id === 'resident_list')!.columns.find((c) => c.id === 'size')!;
const parse = (text: string) => parseCell(text, size, loaded, '2026-11-21');

describe('企业划型 as typed in a spreadsheet', () => {
  it('refuses 特大型, 中小型, 大中型 and 小微型 instead of taking the option inside them', () => {
    for (const text of ['特大型', '中小型', '大中型', '小微型']) {
      const parsed = parse(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain('不在选项中');
    }
  });

  it('still takes the option with a word around it that does not change it', () => {
    expect(parse('微型企业')).toEqual({ ok: true, value: '微型' });
    expect(parse('属于小型企业')).toEqual({ ok: true, value: '小型' });
    expect(parse('中型')).toEqual({ ok: true, value: '中型' });
  });
});
