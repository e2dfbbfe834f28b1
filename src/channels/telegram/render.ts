import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { choiceButton, confirmButton, encodePress, maskOf, toggleButton } from '../../bot/keyboard.ts';
import { runsAndFiles, type FileView, type View } from '../../bot/views.ts';

/**
 * Views as Telegram messages: the reply's texts in one message (HTML, everything escaped — answers echo what people
 * typed), split on line boundaries under Telegram's 4,096 characters, the live buttons under the last part; choices as
 * an inline keyboard, a multi-select as ✓ toggles with 确认; files as documents of their own.
 */

export const MAX_TEXT = 4096;
/** Room left under the limit (the limit counts characters after entities are parsed; we count before: safer). */
const CHUNK = 4000;

export type TelegramOutgoing =
  | { kind: 'text'; html: string; keyboard?: InlineKeyboardMarkup }
  | { kind: 'file'; file: FileView }
  /** One message per key, edited as the work goes on. */
  | { kind: 'progress'; key: string; html: string };

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const CHECK = '✓ ';

export function renderViews(views: View[]): TelegramOutgoing[] {
  return runsAndFiles(views).flatMap((part): TelegramOutgoing[] => {
    if (part.kind === 'file') return [part];
    if (part.kind === 'progress') return [{ kind: 'progress', key: part.progress.key, html: escapeHtml(part.progress.text) }];
    return textMessages(part.views);
  });
}

function textMessages(views: View[]): TelegramOutgoing[] {
  const html: string[] = [];
  for (const view of views) {
    if (!view.text) continue;
    if (view.kind === 'question') {
      // The header line (section, 第 n/m 题) in bold: what an operator looks for when scrolling back.
      const [head, ...rest] = view.text.split('\n');
      html.push([`<b>${escapeHtml(head)}</b>`, ...rest.map(escapeHtml)].join('\n'));
    } else html.push(escapeHtml(view.text));
  }
  const live = [...views].reverse().find((v) => 'keyboard' in v && v.keyboard && 'choices' in v && v.choices?.length);
  const keyboard = live ? keyboardOf(live) : undefined;
  const parts = splitLines(html.join('\n\n'), CHUNK);
  if (parts.length === 0) return keyboard ? [{ kind: 'text', html: '请选择：', keyboard }] : [];
  return parts.map((part, i) => ({ kind: 'text', html: part, ...(i === parts.length - 1 && keyboard ? { keyboard } : {}) }));
}

/** Splits text on line boundaries into parts of at most `limit` characters; a longer line is cut, never an entity. */
export function splitLines(text: string, limit = CHUNK): string[] {
  const parts: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    for (const piece of cutLine(line, limit)) {
      if (current === '') current = piece;
      else if (current.length + 1 + piece.length <= limit) current += `\n${piece}`;
      else {
        parts.push(current);
        current = piece;
      }
    }
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

function cutLine(line: string, limit: number): string[] {
  if (line.length <= limit) return [line];
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let at = limit;
    // Not inside an HTML entity or tag, nor between the halves of a surrogate pair.
    const amp = rest.lastIndexOf('&', at);
    if (amp > at - 8 && rest.indexOf(';', amp) >= at) at = amp;
    const lt = rest.lastIndexOf('<', at);
    if (lt > rest.lastIndexOf('>', at - 1) && lt > 0) at = lt;
    if (/[\uD800-\uDBFF]/.test(rest[at - 1] ?? '')) at -= 1;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  return [...pieces, rest];
}

/** The inline keyboard of a view with choices. */
export function keyboardOf(view: View): InlineKeyboardMarkup | undefined {
  if (!('choices' in view) || !view.choices?.length || !('keyboard' in view) || !view.keyboard) return undefined;
  const token = view.keyboard;
  if (view.kind === 'question' && view.answerAs === 'multi') {
    const selected = view.choices.flatMap((c, i) => (view.selected?.includes(c.value) ? [i] : []));
    return multiKeyboard(token, view.choices.map((c) => c.label), maskOf(selected));
  }
  return { inline_keyboard: layout(view.choices.map((c, i) => ({ text: c.label, callback_data: encodePress(token, choiceButton(i)) }))) };
}

/** A multi-select: one toggle per choice (✓ when selected), each carrying the selection it makes, then 确认. */
export function multiKeyboard(token: string, labels: string[], mask: number): InlineKeyboardMarkup {
  const rows = labels.map((label, i) => {
    const on = Math.floor(mask / 2 ** i) % 2 === 1;
    return [{ text: `${on ? CHECK : ''}${label}`, callback_data: encodePress(token, toggleButton(on ? mask - 2 ** i : mask + 2 ** i)) }];
  });
  return { inline_keyboard: [...rows, [{ text: '确认所选', callback_data: encodePress(token, confirmButton(mask)) }]] };
}

/** The labels of a multi-select's toggles as they read now (✓ taken off), from the message's own keyboard. */
export function toggleLabels(markup: InlineKeyboardMarkup, token: string): string[] {
  return markup.inline_keyboard.flat().flatMap((b) => ('callback_data' in b && b.callback_data?.startsWith(`${token}|t`) ? [b.text.replace(CHECK, '')] : []));
}

/** Short labels share a row (是 / 否), long ones get a row each. */
function layout(buttons: InlineKeyboardButton[]): InlineKeyboardButton[][] {
  const short = buttons.every((b) => [...b.text].length <= 8);
  if (!short) return buttons.map((b) => [b]);
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += 3) rows.push(buttons.slice(i, i + 3));
  return rows;
}

/** The label of the button a press came from, from the message's keyboard (a multi-select: its ✓ choices). */
export function pressedLabel(markup: InlineKeyboardMarkup | undefined, data: string): string | undefined {
  const buttons = markup?.inline_keyboard.flat() ?? [];
  const [token, button] = data.split('|');
  if (button?.startsWith('m')) {
    const chosen = buttons.filter((b) => 'callback_data' in b && b.callback_data?.startsWith(`${token}|t`) && b.text.startsWith(CHECK)).map((b) => b.text.replace(CHECK, ''));
    return chosen.length ? chosen.join('、') : '无';
  }
  return buttons.find((b) => 'callback_data' in b && b.callback_data === data)?.text;
}
