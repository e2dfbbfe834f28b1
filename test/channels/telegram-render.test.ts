import { describe, expect, it } from 'vitest';
import { MAX_TEXT, renderViews, splitLines } from '../../src/channels/telegram/render.ts';
import { say } from '../../src/bot/views.ts';

/** How a reply looks in Telegram: escaped HTML, split under 4,096 characters on line boundaries, buttons at the end. */

describe('Telegram layout', () => {
  it('splits a long reply on line boundaries, every part under the limit, the buttons under the last part', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${i + 1}. 入驻企业 <名称> & 统一社会信用代码 91110108MA0${String(i).padStart(5, '0')}`);
    const out = renderViews([{ ...say(lines.join('\n'), [{ label: '确认', value: '确认' }]), keyboard: '1.abcdef' }]);
    expect(out.length).toBeGreaterThan(2);
    const parts = out.map((m) => (m.kind === 'text' ? m.html : ''));
    for (const part of parts) expect(part.length).toBeLessThan(MAX_TEXT);
    // Nothing lost, nothing cut mid-line, and what was typed is escaped.
    expect(parts.join('\n').split('\n')).toEqual(lines.map((l) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
    expect(out.map((m) => m.kind === 'text' && Boolean(m.keyboard))).toEqual([...Array(out.length - 1).fill(false), true]);
  });

  it('cuts a single line longer than the limit without breaking an entity', () => {
    const line = '&'.repeat(5000);
    const escaped = line.replace(/&/g, '&amp;');
    const parts = splitLines(escaped, 4000);
    expect(parts.join('')).toBe(escaped);
    for (const part of parts) expect(part).toMatch(/^(&amp;)+$/);
  });

  it('sends a file view as a document of its own, between the texts around it', () => {
    const out = renderViews([say('附表模板如下：'), { kind: 'file', fileId: 'f1', name: '附表.xlsx', text: '' }, say('填好后发回即可。')]);
    expect(out.map((m) => m.kind)).toEqual(['text', 'file', 'text']);
  });
});
