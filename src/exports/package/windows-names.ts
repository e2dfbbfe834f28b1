import { extname } from 'node:path';

/**
 * Names inside the evidence package, made safe for the machines that open it: the bureau's reviewers and most
 * operators unpack on Windows, where \ / : * ? " < > | are forbidden, a trailing dot or space is silently dropped
 * (two names then collide), CON, PRN, AUX, NUL, COM1–9 and LPT1–9 are devices, and a full path past 260 characters
 * cannot be opened by Explorer. Forbidden characters become their full-width forms, which Windows allows and a Chinese
 * reader reads the same way (“通知/签到表” → “通知／签到表”).
 */

/** Folder names stay short enough that the deepest path (unpack folder + folder + file) is far below 260. */
export const MAX_FOLDER_NAME = 50;
export const MAX_FILE_NAME = 80;

const FULL_WIDTH: Record<string, string> = {
  '\\': '＼', '/': '／', ':': '：', '*': '＊', '?': '？', '"': '＂', '<': '＜', '>': '＞', '|': '｜',
};
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/** One path segment as Windows accepts it, at most `max` characters (a long one is cut and marked with “…”). */
export function windowsName(raw: string, max = MAX_FILE_NAME): string {
  let name = raw
    .normalize('NFC')
    .replace(/[\\/:*?"<>|]/g, (c) => FULL_WIDTH[c]!)
    // Control characters, tabs and line breaks in a title become spaces, then runs of spaces one.
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if ([...name].length > max) name = [...name].slice(0, max - 1).join('').trimEnd() + '…';
  name = name.replace(/[. ]+$/, '');
  if (name === '') name = '未命名';
  if (RESERVED.test(name)) name = `_${name}`;
  return name;
}

/** A file's extension as given (“.PDF” → “.pdf”), or nothing when it does not look like one. */
export function extensionOf(name: string): string {
  const ext = extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
}

/**
 * A file name of at most `max` characters: the stem cut to fit, the extension kept whole, so “.pdf” still opens
 * the right program.
 */
export function windowsFileName(stem: string, ext: string, max = MAX_FILE_NAME): string {
  return windowsName(stem, max - ext.length) + ext;
}

/**
 * Names unique within one folder as Windows compares them (case-insensitively): a second “说明.pdf” becomes
 * “说明（2）.pdf”.
 */
export class NameSet {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    const ext = extensionOf(name);
    const stem = ext ? name.slice(0, -ext.length) : name;
    let candidate = name;
    for (let n = 2; this.taken.has(candidate.toLowerCase()); n++) {
      const suffix = `（${n}）`;
      candidate = windowsName(stem, MAX_FILE_NAME - ext.length - suffix.length) + suffix + ext;
    }
    this.taken.add(candidate.toLowerCase());
    return candidate;
  }
}
