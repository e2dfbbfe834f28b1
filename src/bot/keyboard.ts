import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Buttons that can only mean what they said. Every reply with buttons gets a token naming the declaration's revision
 * it was made at and the turn that made it; the chat remembers the token and the buttons' values (ChatState.keyboard).
 * A press carries the token and which button: it counts only while its keyboard is the chat's latest, so a button on an
 * old message — another question, an old section, a list long gone — can never answer what is asked now. Any reply
 * replaces the chat's keyboard (with the new one, or none), so after an answer the old buttons are dead.
 *
 * The press's data is `<token>|<button>`, short enough for Telegram's 64 bytes and a Feishu button's value:
 * `c<i>` the i-th choice, `m<mask>` a multi-select confirmed with the choices whose bits are set (base 36),
 * `t<mask>` a multi-select toggled (the channel redraws its own keyboard; the assistant never sees it), `f0` a form
 * submitted (a table's rows, in `text`).
 */

export const KeyboardSchema = z.object({
  token: z.string(),
  /** The buttons' values in order (what pressing one sends as the message). */
  values: z.array(z.string()),
});
export type Keyboard = z.infer<typeof KeyboardSchema>;

export const PressSchema = z.object({
  token: z.string().regex(/^[0-9a-z]{1,10}\.[\w-]{6}$/),
  button: z.string().regex(/^[cmtf][0-9a-z]{1,12}$/),
  /** A form's submission (`f0`: a table's rows as the text an operator would type). */
  text: z.string().max(5000).optional(),
});
export type Press = z.infer<typeof PressSchema>;

/** The token of the keyboard a turn sends: the revision it leaves the declaration at, and 6 characters of its key. */
export function keyboardToken(revision: number, turnKey: string): string {
  return `${revision.toString(36)}.${createHash('sha256').update(turnKey).digest('base64url').slice(0, 6)}`;
}

export const encodePress = (token: string, button: string): string => `${token}|${button}`;

/** The press a button's data stands for, or null when it is not one of ours (forged, or another bot's). */
export function decodePress(data: string): Press | null {
  const [token, button, ...rest] = data.split('|');
  if (rest.length) return null;
  return PressSchema.safeParse({ token, button }).data ?? null;
}

export const choiceButton = (i: number): string => `c${i.toString(36)}`;
export const toggleButton = (mask: number): string => `t${mask.toString(36)}`;
export const confirmButton = (mask: number): string => `m${mask.toString(36)}`;

/** The choices a multi-select mask selects. */
export function maskIndexes(mask: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => i).filter((i) => Math.floor(mask / 2 ** i) % 2 === 1);
}

export const maskOf = (indexes: number[]): number => indexes.reduce((m, i) => m + 2 ** i, 0);

export type Resolved = { ok: true; text: string } | { ok: false; reason: 'stale' | 'forged' };

/** What a press says, given the chat's latest keyboard. */
export function resolvePress(press: Press, keyboard: Keyboard | undefined): Resolved {
  if (!keyboard || keyboard.token !== press.token) return { ok: false, reason: 'stale' };
  const n = parseInt(press.button.slice(1), 36);
  if (!Number.isSafeInteger(n)) return { ok: false, reason: 'forged' };
  switch (press.button[0]) {
    case 'c':
      return n < keyboard.values.length ? { ok: true, text: keyboard.values[n] } : { ok: false, reason: 'forged' };
    case 'm': {
      if (n >= 2 ** keyboard.values.length) return { ok: false, reason: 'forged' };
      const chosen = maskIndexes(n, keyboard.values.length).map((i) => keyboard.values[i]);
      return { ok: true, text: chosen.length ? chosen.join(' ') : '无' };
    }
    case 'f':
      // A form's fields, put together as text: parsed and checked like anything typed.
      return press.text !== undefined && n === 0 ? { ok: true, text: press.text } : { ok: false, reason: 'forged' };
    default:
      // A toggle is the channel's own business; reaching the assistant, it is not a press we made.
      return { ok: false, reason: 'forged' };
  }
}

/** What a refused press is told (a toast or a callback answer: one line). */
export const PRESS_REFUSED: Record<'stale' | 'forged', string> = {
  stale: '这个按钮已过期（来自之前的消息），没有做任何修改。请使用最新消息中的按钮，或直接输入答案。',
  forged: '无法识别这个按钮，没有做任何修改。请使用最新消息中的按钮，或直接输入答案。',
};

/** What a press is told at once while its message is handled (Feishu answers a click within 3 seconds). */
export const PRESS_TOASTS = {
  chosen: (label: string) => `已选择：${label}`,
  working: '已收到，正在处理……结果稍后发到对话中。',
  failed: '这次操作没有完成，什么也没有改动。请稍后再点一次，或直接输入答案。',
};
