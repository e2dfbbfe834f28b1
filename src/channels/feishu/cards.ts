import { choiceButton, confirmButton, decodePress, encodePress, maskOf, type Press } from '../../bot/keyboard.ts';
import { runsAndFiles, type FeedbackView, type FileView, type QuestionView, type View } from '../../bot/views.ts';

/**
 * Views as Feishu messages: the views of one reply become one interactive card (card JSON 2.0) — or several when the
 * reply is too long for one — and a file view becomes a file message of its own, between the cards of the texts
 * before and after it (as the Telegram renderer does).
 *
 * Text is laid out as `{tag:'div', text:{tag:'plain_text'}}`, never as `markdown` or `lark_md`: everything a view says
 * may echo what a person typed (“**”, “<at id=all></at>”, “[链接](…)”), and plain_text shows it as typed. The JSON 2.0
 * 普通文本 component (open.feishu.cn → feishu-cards/card-json-v2-components/content-components/plain-text) is a `div`
 * whose `text.tag` is `plain_text` or `lark_md`, so no markdown escaping is needed (research A3 does not cover text
 * elements; the 2.0 component doc does).
 *
 * Buttons are placed directly in the body or in a `column_set` (2.0 has no `action` module); a multi-select is a
 * `form` (root level only) holding a `multi_select_static` with `selected_values` and a submit button, whose callback
 * carries `form_value.choices` (the chosen indexes), turned into a press by `multiPress`. 2.0 rejects properties it does
 * not know, so `config` carries only `update_multi` (no 1.0 `wide_screen_mode`).
 */

export interface PlainText {
  tag: 'plain_text';
  content: string;
  text_size?: string;
}

/** One component of a card (div, hr, button, column_set, form …), as plain JSON. */
export type CardElement = { tag: string } & Record<string, unknown>;

export type Template = 'blue' | 'green' | 'turquoise' | 'indigo' | 'orange' | 'yellow' | 'grey';

export interface Card {
  schema: '2.0';
  config: { update_multi: true };
  header: { title: PlainText; template: Template };
  body: { elements: CardElement[] };
}

export type FeishuOutgoing = { kind: 'card'; card: Card } | { kind: 'file'; file: FileView } | { kind: 'progress'; key: string; card: Card };

/** Feishu's limit on a card (message create / update / callback response): 30 KB. */
export const MAX_CARD_BYTES = 30 * 1024;
/** JSON 2.0: at most 200 elements or components in a card (plain_text text objects count). */
export const MAX_ELEMENTS = 200;
/** A text element holds at most this many characters (split on line boundaries beyond). */
export const MAX_TEXT_CHARS = 4000;
/** The multi-select's field in the form's `form_value`. */
export const MULTI_FIELD = 'choices';
export const MULTI_FORM = 'f_multi';
export const MULTI_SUBMIT = 'btn_ok';
export const TABLE_FORM = 'f_table';
export const TABLE_SUBMIT = 'btn_submit';
/** Rows a table form offers at most (more are typed: “投资方,性质,比例；…”). */
const TABLE_ROWS_MAX = 5;
/** A button's callback `value.l` (the label shown on the answered card) is cut to this many characters. */
export const LABEL_MAX = 40;

/*
 * Packing budgets, with room to spare: the card is sent as a JSON string inside a JSON body, so it is measured encoded
 * twice (quotes and newlines escaped again); a text element stays well under a card so that any one of them plus the
 * buttons fits.
 */
const CARD_BUDGET = 28 * 1024;
const ELEMENT_BUDGET = MAX_ELEMENTS - 10;
const TEXT_BUDGET = 9 * 1024;
/** Button text: at most 100 characters (2.0 button doc). */
const BUTTON_TEXT_MAX = 100;
/** Multi-select masks are base-36 numbers: at most 53 choices stay a safe integer. */
const MASK_BITS = 53;

const CONTINUED = '（续）';

/** UTF-8 bytes of the card's JSON. */
export const cardBytes = (card: Card): number => Buffer.byteLength(JSON.stringify(card), 'utf8');

/** Every element in the card, counted recursively: components, columns, buttons, form children and text objects. */
export function countElements(card: Card | CardElement | unknown): number {
  if (Array.isArray(card)) return card.reduce((n: number, x) => n + countElements(x), 0);
  if (!card || typeof card !== 'object') return 0;
  const own = typeof (card as { tag?: unknown }).tag === 'string' ? 1 : 0;
  return Object.values(card as Record<string, unknown>).reduce((n: number, x) => n + countElements(x), own);
}

const plain = (content: string, extra: Partial<PlainText> = {}): PlainText => ({ tag: 'plain_text', content, ...extra });
const div = (content: string, textSize?: string): CardElement => ({ tag: 'div', text: plain(content, textSize ? { text_size: textSize } : {}) });
const HR: CardElement = { tag: 'hr' };

function card(title: string, template: Template, elements: CardElement[]): Card {
  return { schema: '2.0', config: { update_multi: true }, header: { title: plain(title || '申报助手'), template }, body: { elements } };
}

/** The views of one reply as Feishu messages, in order: cards for the texts, a file message for each file. */
export function renderFeishu(views: View[]): FeishuOutgoing[] {
  return runsAndFiles(views).flatMap((part): FeishuOutgoing[] => {
    if (part.kind === 'file') return [part];
    if (part.kind === 'progress') return [{ kind: 'progress', key: part.progress.key, card: card('处理进度', part.progress.percent >= 100 ? 'green' : 'blue', [div(part.progress.text)]) }];
    return cardsOf(part.views).map((c) => ({ kind: 'card', card: c }));
  });
}

/**
 * The card that was clicked, as it should read once answered: everything it said, its buttons and forms gone, and what
 * was chosen at the end — so scrolling back shows the question and its answer, and nothing left to press.
 */
export function answeredVersion(sent: Card, label: string): Card {
  const interactive = (e: CardElement): boolean => e.tag === 'button' || e.tag === 'form' || (e.tag === 'column_set' && JSON.stringify(e).includes('"tag":"button"'));
  const elements = sent.body.elements.filter((e) => !interactive(e));
  while (elements.at(-1)?.tag === 'hr') elements.pop();
  return { ...sent, header: { ...sent.header, template: 'grey' }, body: { elements: [...elements, div(`✅ 已选择：${label}`)] } };
}

/** The small card a click's callback response puts in place of the one clicked: what was chosen, nothing to press. */
export function answeredCard(title: string, label: string): Card {
  return card(title, 'grey', [div(`✅ 已选择：${label}`)]);
}

/**
 * The press a multi-select's submit stands for: `<token>|m<mask>` from the form's chosen indexes, or null when the
 * form value is not one our card can send (not an object, indexes not decimal integers, repeated, or beyond the mask's
 * 53 bits — or beyond `count`, the number of choices, when known). Nothing chosen is `m0` (the form does not require a
 * choice; the assistant reads it as “无”).
 */
export function multiPress(token: string, formValue: unknown, count = MASK_BITS): string | null {
  if (!formValue || typeof formValue !== 'object' || Array.isArray(formValue)) return null;
  const raw = (formValue as Record<string, unknown>)[MULTI_FIELD];
  if (raw !== undefined && !Array.isArray(raw)) return null;
  const indexes: number[] = [];
  for (const item of raw ?? []) {
    if (typeof item !== 'string' || !/^(0|[1-9]\d?)$/.test(item)) return null;
    const i = Number(item);
    if (i >= Math.min(count, MASK_BITS) || indexes.includes(i)) return null;
    indexes.push(i);
  }
  return encodePress(token, confirmButton(maskOf(indexes)));
}

/**
 * The press a card callback stands for, from its `action.value` (and `action.form_value` for the multi-select's
 * submit): the button's `<token>|c<i>`, the form's `<token>|m<mask>`, or null when it is not one of ours.
 */
/**
 * The press a click is, ready for the router: a button's or the multi-select's (callbackPress), or a table form's —
 * its fields put together as the text an operator would type (tableText), bound to the card's token like any press.
 */
export function clickPress(value: unknown, formValue?: unknown): Press | null {
  const k = value && typeof value === 'object' ? (value as { k?: unknown }).k : undefined;
  if (typeof k === 'string' && k.endsWith('|f0')) {
    const text = tableText(formValue);
    const press = decodePress(k);
    return press && text !== null ? { ...press, text } : null;
  }
  const pressed = callbackPress(value, formValue);
  return pressed ? decodePress(pressed) : null;
}

export function callbackPress(value: unknown, formValue?: unknown): string | null {
  const k = value && typeof value === 'object' ? (value as { k?: unknown }).k : undefined;
  if (typeof k !== 'string') return null;
  if (k.endsWith('|m')) {
    const token = k.slice(0, -2);
    const press = multiPress(token, formValue);
    return press && decodePress(press) ? press : null;
  }
  return decodePress(k) ? k : null;
}

// ——— header ———

const HEADER_LINE = /第\s*\d+\s*\/\s*\d+\s*题/;

function headerOf(views: View[]): { title: string; template: Template } {
  const question = views.find((v): v is QuestionView => v.kind === 'question');
  const review = views.find((v) => v.kind === 'review');
  const overview = views.find((v) => v.kind === 'overview');
  const tones = new Set(views.filter((v): v is FeedbackView => v.kind === 'feedback').map((v) => v.tone));
  let title = '申报助手';
  let template: Template = 'indigo';
  if (question) {
    const optional = HEADER_LINE.test(question.text.split('\n')[0]) && question.text.split('\n')[0].includes('（选填）') ? '（选填）' : '';
    title = `${question.section.title} · 第 ${question.position.index}/${question.position.total} 题${optional}`;
    template = 'blue';
  } else if (review) {
    title = `${review.section.title} · 请核对`;
    template = 'green';
  } else if (overview) {
    title = overview.text.startsWith('填写进度') ? '填写进度' : '目录';
    template = 'turquoise';
  }
  if (!question && tones.has('completed')) template = 'green';
  if (tones.has('refused')) template = 'orange';
  else if (tones.has('warning')) template = 'yellow';
  return { title, template };
}

// ——— body ———

function bodyOf(views: View[]): CardElement[] {
  const elements: CardElement[] = [];
  let previous: View | undefined;
  for (const view of views) {
    const own = view.kind === 'question' ? questionElements(view) : textElements(view.text);
    if (!own.length) continue;
    // A rule between what happened (saved, refused, computed …) and what is asked or shown next.
    if (previous?.kind === 'feedback' && view.kind !== 'feedback') elements.push(HR);
    elements.push(...own);
    previous = view;
  }
  return elements;
}

/** A question without its header line (it is the card's title), its label line set apart. */
function questionElements(view: QuestionView): CardElement[] {
  const lines = view.text.split('\n');
  if (HEADER_LINE.test(lines[0] ?? '')) lines.shift();
  const at = view.label ? lines.findIndex((l) => l.includes(view.label)) : -1;
  if (at < 0) return textElements(lines.join('\n'));
  return [...textElements(lines.slice(0, at).join('\n')), ...textElements(lines[at], 'heading'), ...textElements(lines.slice(at + 1).join('\n'))];
}

function textElements(text: string, textSize?: string): CardElement[] {
  return splitText(text).map((part) => div(part, textSize));
}

/** Bytes a piece of text costs in the card as sent (JSON in a JSON string). */
const sentBytes = (s: string): number => Buffer.byteLength(JSON.stringify(JSON.stringify(s)), 'utf8') - 6;

/**
 * Text split on line boundaries into parts of at most `MAX_TEXT_CHARS` characters (and a bounded size in the card); a
 * longer line is cut between characters, never inside a surrogate pair. Nothing is lost: the parts joined with '\n' are
 * the text (leading and trailing blank lines aside).
 */
export function splitText(text: string, maxChars = MAX_TEXT_CHARS, maxBytes = TEXT_BUDGET): string[] {
  const trimmed = text.replace(/^\n+|\n+$/g, '');
  if (trimmed.trim() === '') return [];
  const parts: string[] = [];
  let current: string | undefined;
  let chars = 0;
  let bytes = 0;
  for (const line of trimmed.split('\n')) {
    for (const piece of cutLine(line, maxChars, maxBytes)) {
      const [c, b] = [piece.length, sentBytes(piece)];
      if (current !== undefined && chars + 1 + c <= maxChars && bytes + 4 + b <= maxBytes) {
        current += `\n${piece}`;
        chars += 1 + c;
        bytes += 4 + b;
      } else {
        if (current !== undefined) parts.push(current);
        [current, chars, bytes] = [piece, c, b];
      }
    }
  }
  if (current !== undefined) parts.push(current);
  return parts;
}

function cutLine(line: string, maxChars: number, maxBytes: number): string[] {
  if (line.length <= maxChars && sentBytes(line) <= maxBytes) return [line];
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const ch of line) {
    const b = sentBytes(ch);
    if (piece && (piece.length + ch.length > maxChars || bytes + b > maxBytes)) {
      pieces.push(piece);
      [piece, bytes] = ['', 0];
    }
    piece += ch;
    bytes += b;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

// ——— buttons ———

type WithChoices = Extract<View, { choices?: unknown }>;

/** The view whose buttons are live: the last with a keyboard token and choices. */
function liveView(views: View[]): WithChoices | undefined {
  return [...views].reverse().find((v): v is WithChoices => 'keyboard' in v && Boolean(v.keyboard) && (('choices' in v && Boolean(v.choices?.length)) || (v.kind === 'question' && Boolean(v.table))));
}

const cut = (s: string, max: number): string => {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
};

function button(token: string, label: string, i: number, width: 'fill' | 'default'): CardElement {
  return {
    tag: 'button',
    text: plain(cut(label, BUTTON_TEXT_MAX)),
    type: /^确认/.test(label.trim()) ? 'primary' : 'default',
    width,
    behaviors: [{ type: 'callback', value: { k: encodePress(token, choiceButton(i)), l: cut(label, LABEL_MAX) } }],
  };
}

/** A table question's form: a row of inputs per table row (as many as it may have, at most 5), prefilled, and 提交. */
function tableForm(token: string, table: NonNullable<QuestionView['table']>): CardElement[] {
  const rows = Math.max(1, Math.min(TABLE_ROWS_MAX, table.maxRows ?? 3, Math.max(table.rows.length, table.maxRows ?? 3)));
  const elements: CardElement[] = [];
  for (let r = 0; r < rows; r++) {
    if (rows > 1) elements.push(div(`第 ${r + 1} 行`));
    table.columns.forEach((column, c) => {
      const value = table.rows[r]?.[c];
      elements.push({ tag: 'input', name: `r${r}c${c}`, label: plain(column.label), placeholder: plain(column.label), max_length: 200, width: 'fill', ...(value ? { default_value: value } : {}) });
    });
  }
  elements.push({ tag: 'button', name: TABLE_SUBMIT, text: plain('提交'), type: 'primary', form_action_type: 'submit', behaviors: [{ type: 'callback', value: { k: `${token}|f0`, l: '表格' } }] });
  return [{ tag: 'form', name: TABLE_FORM, elements }];
}

/**
 * A table form's submission as the text an operator would type (“投资方,性质,60；…”), rows with nothing in them left
 * out, and separators inside a cell turned into 、 so that a cell stays one cell; null when it is not our form's.
 */
export function tableText(formValue: unknown): string | null {
  if (!formValue || typeof formValue !== 'object' || Array.isArray(formValue)) return null;
  const rows = new Map<number, Map<number, string>>();
  for (const [name, value] of Object.entries(formValue)) {
    const at = /^r(\d)c(\d{1,2})$/.exec(name);
    if (!at || (value !== undefined && value !== null && typeof value !== 'string')) return null;
    const row = rows.get(Number(at[1])) ?? new Map<number, string>();
    row.set(Number(at[2]), String(value ?? '').normalize('NFKC').replace(/\s*[,|\t;；\n]+\s*/g, '、').trim());
    rows.set(Number(at[1]), row);
  }
  const lines = [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, cells]) => [...cells.entries()].sort(([a], [b]) => a - b).map(([, v]) => v))
    .filter((cells) => cells.some((v) => v !== ''))
    .map((cells) => cells.join(','));
  return lines.length ? lines.join('；') : '无';
}

/** The live view's controls: a form for a multi-select or a table, buttons otherwise. */
function controlsOf(view: WithChoices): CardElement[] {
  const token = view.keyboard!;
  if (view.kind === 'question' && view.table && !view.choices.length) return tableForm(token, view.table);
  const choices = view.choices ?? [];
  if (view.kind === 'question' && view.answerAs === 'multi') {
    const selected = choices.flatMap((c, i) => (view.selected?.includes(c.value) ? [String(i)] : []));
    return [
      {
        tag: 'form',
        name: MULTI_FORM,
        elements: [
          {
            tag: 'multi_select_static',
            name: MULTI_FIELD,
            required: false,
            width: 'fill',
            placeholder: plain('可多选'),
            options: choices.map((c, i) => ({ text: plain(cut(c.label, BUTTON_TEXT_MAX)), value: String(i) })),
            ...(selected.length ? { selected_values: selected } : {}),
          },
          {
            tag: 'button',
            name: MULTI_SUBMIT,
            text: plain('确认所选'),
            type: 'primary',
            form_action_type: 'submit',
            behaviors: [{ type: 'callback', value: { k: `${token}|m`, l: '多选' } }],
          },
        ],
      },
    ];
  }
  const longest = Math.max(...choices.map((c) => [...c.label].length));
  // Long labels get a row each, as wide as the card.
  if (longest > 8 || choices.length === 1) return choices.map((c, i) => button(token, c.label, i, choices.length === 1 ? 'default' : 'fill'));
  // Short ones share rows: 是 / 否 side by side, a grid of 2 or 3 for more.
  const perRow = choices.length <= 3 ? choices.length : choices.length === 4 || longest > 4 ? 2 : 3;
  const rows: CardElement[] = [];
  for (let start = 0; start < choices.length; start += perRow) {
    const columns = Array.from({ length: perRow }, (_, j) => {
      const i = start + j;
      return { tag: 'column', width: 'weighted', weight: 1, elements: i < choices.length ? [button(token, choices[i].label, i, 'fill')] : [] };
    });
    rows.push({ tag: 'column_set', flex_mode: 'none', horizontal_spacing: 'small', columns });
  }
  return rows;
}

// ——— cards ———

/** A card as sent: JSON inside a JSON string. */
const sentCardBytes = (c: Card): number => Buffer.byteLength(JSON.stringify(JSON.stringify(c)), 'utf8');

/**
 * The texts of a reply (no files) as cards: one when it fits, else split between elements (each text element already
 * bounded), the first keeping the title, the rest titled “（续）”; the buttons or form on the last.
 */
function cardsOf(views: View[]): Card[] {
  const { title, template } = headerOf(views);
  const body = bodyOf(views);
  const live = liveView(views);
  const controls = live ? controlsOf(live) : [];
  const fits = (elements: CardElement[]) => {
    const c = card(title + CONTINUED, template, elements);
    return sentCardBytes(c) <= CARD_BUDGET && countElements(c) <= ELEMENT_BUDGET;
  };
  const groups: CardElement[][] = [];
  let current: CardElement[] = [];
  for (const element of body) {
    if (current.length && !fits([...current, element])) {
      groups.push(current);
      current = [];
    }
    current.push(element);
  }
  if (controls.length && !fits([...current, ...controls])) {
    // The buttons need room: carry the last text over with them, so they are not alone on a card.
    const last = current.at(-1);
    if (last && last !== HR && current.length > 1 && fits([last, ...controls])) {
      groups.push(current.slice(0, -1));
      current = [last];
    } else if (current.length) {
      groups.push(current);
      current = [];
    }
  }
  current.push(...controls);
  groups.push(current);
  const kept = groups.map(trimRules).filter((g) => g.length > 0);
  return kept.map((elements, i) => card(i === 0 ? title : title + CONTINUED, template, elements));
}

/** No rule at a card's top or bottom. */
function trimRules(elements: CardElement[]): CardElement[] {
  let [start, end] = [0, elements.length];
  while (start < end && elements[start].tag === 'hr') start++;
  while (end > start && elements[end - 1].tag === 'hr') end--;
  return elements.slice(start, end);
}
