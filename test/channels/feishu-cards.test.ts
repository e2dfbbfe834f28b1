import { describe, expect, it } from 'vitest';
import {
  answeredCard,
  callbackPress,
  cardBytes,
  countElements,
  MAX_CARD_BYTES,
  MAX_ELEMENTS,
  MAX_TEXT_CHARS,
  MULTI_FIELD,
  multiPress,
  renderFeishu,
  type Card,
  type CardElement,
  type FeishuOutgoing,
} from '../../src/channels/feishu/cards.ts';
import { decodePress, keyboardToken, resolvePress } from '../../src/bot/keyboard.ts';
import { feedback, say, type QuestionView, type ReviewView, type View } from '../../src/bot/views.ts';

/** How a reply looks in Feishu: one card per reply (JSON 2.0), plain text only, the live buttons or form at the end. */

const TOKEN = keyboardToken(7, 'turn-1');
const SECTION = { id: 'basic', title: '【一】基本情况', index: 1, total: 9 };

function question(over: Partial<QuestionView> = {}): QuestionView {
  return {
    kind: 'question',
    text: '【一、基本情况】第 3/26 题\n【一】3 是否为国家级示范基地\n说明：以认定文件为准。\n请回答“是”或“否”。',
    section: SECTION,
    position: { index: 3, total: 26 },
    questionId: 'q3',
    ref: '【一】3',
    label: '是否为国家级示范基地',
    help: '以认定文件为准。',
    answerAs: 'yesno',
    choices: [{ label: '是', value: '是' }, { label: '否', value: '否' }],
    keyboard: TOKEN,
    ...over,
  };
}

const cards = (out: FeishuOutgoing[]): Card[] => out.flatMap((m) => (m.kind === 'card' ? [m.card] : []));

/** Every element of a card, depth first (columns, form children included). */
function walk(node: unknown, found: CardElement[] = []): CardElement[] {
  if (Array.isArray(node)) node.forEach((x) => walk(x, found));
  else if (node && typeof node === 'object') {
    if (typeof (node as { tag?: unknown }).tag === 'string') found.push(node as CardElement);
    Object.values(node).forEach((x) => walk(x, found));
  }
  return found;
}
const buttons = (card: Card) => walk(card.body).filter((e) => e.tag === 'button');
const interactive = (card: Card) => walk(card.body).filter((e) => ['button', 'form', 'multi_select_static', 'select_static', 'input', 'checker'].includes(e.tag));
/** The body's texts, in order. */
const texts = (card: Card) => walk(card.body).filter((e) => e.tag === 'div').map((e) => (e.text as { content: string }).content);
const valueOf = (b: CardElement) => (b.behaviors as { type: string; value: { k: string; l: string } }[])[0];

describe('Feishu card layout', () => {
  it('puts the section and 第 n/m 题 in the header, not again in the body; label and help once', () => {
    const [card] = cards(renderFeishu([feedback('saved', '已保存：单位名称 某某孵化器'), question()]));
    expect(card.schema).toBe('2.0');
    expect(card.config.update_multi).toBe(true);
    expect(card.header.title).toEqual({ tag: 'plain_text', content: '【一】基本情况 · 第 3/26 题' });
    expect(card.header.template).toBe('blue');
    const body = texts(card).join('\n');
    expect(body).not.toContain('第 3/26 题');
    expect(body.split('是否为国家级示范基地').length - 1).toBe(1);
    expect(body.split('以认定文件为准。').length - 1).toBe(1);
    // What happened comes first, set off by a rule, then the question.
    expect(card.body.elements[0]).toMatchObject({ tag: 'div', text: { content: '已保存：单位名称 某某孵化器' } });
    expect(card.body.elements[1]).toEqual({ tag: 'hr' });
  });

  it('colours the header by what happened and by what is shown', () => {
    const template = (views: View[]) => cards(renderFeishu(views))[0].header;
    expect(template([feedback('refused', '“abc”不是数字。'), question()]).template).toBe('orange');
    expect(template([feedback('warning', '⚠️ 比上年增长超过 300%。')]).template).toBe('yellow');
    expect(template([feedback('completed', '✅ 【一】基本情况 已完成。')]).template).toBe('green');
    expect(template([say('你好，我是申报助手。')])).toEqual({ title: { tag: 'plain_text', content: '申报助手' }, template: 'indigo' });
    const review: ReviewView = { kind: 'review', section: SECTION, text: '答案一览' };
    expect(template([review])).toEqual({ title: { tag: 'plain_text', content: '【一】基本情况 · 请核对' }, template: 'green' });
    const overview: View = { kind: 'overview', text: '填写进度：已完成 1/9 个部分', sections: [] };
    expect(template([overview])).toEqual({ title: { tag: 'plain_text', content: '填写进度' }, template: 'turquoise' });
  });

  it('gives a yes/no question two buttons whose values are presses on its keyboard', () => {
    const [card] = cards(renderFeishu([question()]));
    const bs = buttons(card);
    expect(bs.map((b) => (b.text as { content: string }).content)).toEqual(['是', '否']);
    expect(bs.map((b) => decodePress(valueOf(b).value.k))).toEqual([
      { token: TOKEN, button: 'c0' },
      { token: TOKEN, button: 'c1' },
    ]);
    expect(bs.map((b) => valueOf(b).type)).toEqual(['callback', 'callback']);
    expect(bs.map((b) => valueOf(b).value.l)).toEqual(['是', '否']);
    // The buttons end the card.
    expect(walk(card.body.elements.at(-1)).some((e) => e.tag === 'button')).toBe(true);
    expect(resolvePress(decodePress(valueOf(bs[1]).value.k)!, { token: TOKEN, values: ['是', '否'] })).toEqual({ ok: true, text: '否' });
    expect(callbackPress(valueOf(bs[0]).value)).toBe(`${TOKEN}|c0`);
  });

  it('makes 确认 the primary button', () => {
    const [card] = cards(renderFeishu([{ ...say('请核对以上内容。', [{ label: '确认', value: '确认' }, { label: '修改', value: '修改' }]), keyboard: TOKEN }]));
    expect(buttons(card).map((b) => b.type)).toEqual(['primary', 'default']);
  });

  it('lays out 18 options in rows, every value a short press that decodes', () => {
    const labels = ['科技企业孵化器', '众创空间', '大学科技园', '创业孵化基地', '小微企业创业创新基地', '留学人员创业园', '返乡创业园', '文化创意园', '电商产业园', '青年创业园', '高校创业园', '农民工创业园', '退役军人创业园', '妇女创业园', '残疾人创业园', '数字经济产业园', '科技成果转化基地', '其他'];
    const q = question({ answerAs: 'choice', choices: labels.map((label, i) => ({ label, value: String(i + 1) })) });
    const [card] = cards(renderFeishu([q]));
    const bs = buttons(card);
    expect(bs).toHaveLength(18);
    bs.forEach((b, i) => {
      const { value } = valueOf(b);
      expect(decodePress(value.k)).toEqual({ token: TOKEN, button: `c${i.toString(36)}` });
      expect(Buffer.byteLength(JSON.stringify(value))).toBeLessThanOrEqual(100);
      expect((b.text as { content: string }).content).toBe(labels[i]);
    });
    expect(countElements(card)).toBeLessThanOrEqual(MAX_ELEMENTS);
  });

  it('puts short options in a grid of columns', () => {
    const q = question({ answerAs: 'choice', choices: ['甲', '乙', '丙', '丁', '戊', '己', '庚'].map((label, i) => ({ label, value: String(i + 1) })) });
    const [card] = cards(renderFeishu([q]));
    const rows = card.body.elements.filter((e) => e.tag === 'column_set');
    expect(rows).toHaveLength(3);
    for (const row of rows) expect((row.columns as unknown[]).length).toBe(3);
    expect(buttons(card)).toHaveLength(7);
  });

  it('turns a multi-select into a form with the options, the saved ones selected, and a submit', () => {
    const q = question({
      answerAs: 'multi',
      choices: [{ label: '创业培训', value: '1' }, { label: '融资对接', value: '2' }, { label: '政策咨询', value: '3' }],
      selected: ['2'],
    });
    const [card] = cards(renderFeishu([q]));
    const form = card.body.elements.at(-1)!;
    expect(form).toMatchObject({ tag: 'form', name: 'f_multi' });
    const [select, submit] = form.elements as CardElement[];
    expect(select).toMatchObject({ tag: 'multi_select_static', name: MULTI_FIELD, selected_values: ['1'] });
    expect(select.options).toEqual([
      { text: { tag: 'plain_text', content: '创业培训' }, value: '0' },
      { text: { tag: 'plain_text', content: '融资对接' }, value: '1' },
      { text: { tag: 'plain_text', content: '政策咨询' }, value: '2' },
    ]);
    expect(submit).toMatchObject({ tag: 'button', name: 'btn_ok', form_action_type: 'submit', text: { content: '确认所选' } });
    expect(valueOf(submit).value).toEqual({ k: `${TOKEN}|m`, l: '多选' });
    // No stray buttons outside the form.
    expect(buttons(card)).toHaveLength(1);

    expect(multiPress(TOKEN, { choices: ['0', '2'] })).toBe(`${TOKEN}|m5`);
    expect(resolvePress(decodePress(multiPress(TOKEN, { choices: ['0', '2'] })!)!, { token: TOKEN, values: ['1', '2', '3'] })).toEqual({ ok: true, text: '1 3' });
    expect(multiPress(TOKEN, { choices: [] })).toBe(`${TOKEN}|m0`);
    expect(callbackPress(valueOf(submit).value, { choices: ['1'] })).toBe(`${TOKEN}|m2`);
  });

  it('refuses forged form values', () => {
    for (const forged of [
      null,
      'choices',
      ['0'],
      { choices: '0' },
      { choices: [0] },
      { choices: ['-1'] },
      { choices: ['1.5'] },
      { choices: ['01'] },
      { choices: ['a'] },
      { choices: ['53'] },
      { choices: ['99'] },
      { choices: ['9007199254740993'] },
      { choices: ['1', '1'] },
      { choices: [' 1'] },
    ]) {
      expect(multiPress(TOKEN, forged), JSON.stringify(forged)).toBeNull();
    }
    expect(multiPress(TOKEN, { choices: ['3'] }, 3)).toBeNull();
    expect(multiPress(TOKEN, { choices: ['52'] })).toBe(`${TOKEN}|m${(2 ** 52).toString(36)}`);
    expect(callbackPress({ k: 'evil|c0' })).toBeNull();
    expect(callbackPress('x')).toBeNull();
  });

  it('shows what people typed literally: plain text, never markdown', () => {
    const typed = '**bold** <at id=all></at> [link](http://x) <font color=red>红</font> ~~del~~';
    const [card] = cards(renderFeishu([feedback('saved', `已保存：单位名称 ${typed}`), say(typed)]));
    const kinds = walk(card.body).map((e) => e.tag);
    expect(kinds).not.toContain('markdown');
    expect(kinds).not.toContain('lark_md');
    const divs = card.body.elements.filter((e) => e.tag === 'div');
    for (const d of divs) expect((d.text as { tag: string }).tag).toBe('plain_text');
    expect(texts(card)).toEqual([`已保存：单位名称 ${typed}`, typed]);
  });

  it('splits a 400-line review into cards under the limits, buttons on the last, nothing lost', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${i + 1}. 入驻企业“<名称>” & 统一社会信用代码 91110108MA0${String(i).padStart(5, '0')}，营业收入 1,234.5 万元，从业人员 56 人`);
    const review: ReviewView = { kind: 'review', section: SECTION, text: lines.join('\n'), choices: [{ label: '确认', value: '确认' }, { label: '修改', value: '修改' }], keyboard: TOKEN };
    const out = renderFeishu([feedback('completed', '已填完本节。'), review]);
    const all = cards(out);
    expect(all.length).toBeGreaterThan(1);
    expect(out.every((m) => m.kind === 'card')).toBe(true);
    for (const c of all) {
      expect(cardBytes(c)).toBeLessThanOrEqual(MAX_CARD_BYTES);
      expect(countElements(c)).toBeLessThanOrEqual(MAX_ELEMENTS);
      for (const t of texts(c)) expect(t.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    }
    expect(all.map((c) => buttons(c).length)).toEqual([...Array(all.length - 1).fill(0), 2]);
    expect(all[0].header.title.content).toBe('【一】基本情况 · 请核对');
    for (const c of all.slice(1)) expect(c.header.title.content).toBe('【一】基本情况 · 请核对（续）');
    // Every line, whole and in order.
    const shown = all.flatMap((c) => texts(c)).join('\n').split('\n');
    expect(shown).toEqual(['已填完本节。', ...lines]);
  });

  it('cuts a single over-long line without losing a character', () => {
    const line = '甲'.repeat(9000) + '😀'.repeat(10);
    const all = cards(renderFeishu([say(line)]));
    const parts = all.flatMap((c) => texts(c));
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.join('')).toBe(line);
    for (const c of all) expect(cardBytes(c)).toBeLessThanOrEqual(MAX_CARD_BYTES);
  });

  it('sends a file between the cards of the texts around it', () => {
    const out = renderFeishu([say('附表模板如下：'), { kind: 'file', fileId: 'f1', name: '附表.xlsx', text: '' }, say('填好后发回即可。')]);
    expect(out.map((m) => m.kind)).toEqual(['card', 'file', 'card']);
    expect(out[1]).toEqual({ kind: 'file', file: { kind: 'file', fileId: 'f1', name: '附表.xlsx', text: '' } });
    expect(texts((out[2] as { card: Card }).card)).toEqual(['填好后发回即可。']);
  });

  it('sends nothing for an empty reply, and a card with just the buttons when there is no text', () => {
    expect(renderFeishu([say('')])).toEqual([]);
    const [card] = cards(renderFeishu([{ ...say('', [{ label: '是，确认并保存', value: '是' }, { label: '否，不保存', value: '否' }]), keyboard: TOKEN }]));
    expect(buttons(card)).toHaveLength(2);
  });

  it('leaves buttons off views whose keyboard is not live', () => {
    const [card] = cards(renderFeishu([say('请选择：', [{ label: '甲', value: '1' }])]));
    expect(interactive(card)).toEqual([]);
  });

  it('answers a click with a grey card saying what was chosen, nothing to press', () => {
    const card = answeredCard('【一】基本情况 · 第 3/26 题', '是');
    expect(card.header).toEqual({ title: { tag: 'plain_text', content: '【一】基本情况 · 第 3/26 题' }, template: 'grey' });
    expect(texts(card)).toEqual(['✅ 已选择：是']);
    expect(interactive(card)).toEqual([]);
    expect(card.body.elements[0]).toMatchObject({ tag: 'div', text: { tag: 'plain_text' } });
  });
});

describe('table forms', () => {
  it('offers a row of inputs per allowed row, prefilled, and turns the submission into the text an operator would type', async () => {
    const { renderFeishu: render, tableText: text } = await import('../../src/channels/feishu/cards.ts');
    const view = {
      kind: 'question' as const, text: '【一、基本情况】第 14/26 题\n主要投资方（前三名）', section: { id: 'basic', title: '【一】基本情况', index: 1, total: 8 },
      position: { index: 14, total: 26 }, questionId: 'investors', label: '主要投资方（前三名）', answerAs: 'table', choices: [], keyboard: '5.abcdef',
      table: { columns: [{ id: 'investor', label: '投资方' }, { id: 'nature', label: '单位性质' }, { id: 'ratio', label: '投资比例（%）' }], rows: [['首钢集团', '国有企业', '60']], maxRows: 3 },
    };
    const [out] = render([view]);
    const json = JSON.stringify(out);
    expect((json.match(/"tag":"input"/g) ?? []).length).toBe(9);
    expect(json).toContain('"default_value":"首钢集团"');
    expect(json).toContain('"k":"5.abcdef|f0"');
    expect(text({ r0c0: '首钢集团', r0c1: '国有企业', r0c2: '60', r1c0: '某投资公司, 北京', r1c1: '私营企业', r1c2: '40', r2c0: '', r2c1: '', r2c2: '' })).toBe('首钢集团,国有企业,60；某投资公司、北京,私营企业,40');
    expect(text({ r0c0: '', r0c1: '' })).toBe('无');
    expect(text({ evil: 'x' })).toBeNull();
    expect(text(['r0c0'])).toBeNull();
  });
});
