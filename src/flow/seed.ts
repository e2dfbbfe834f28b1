import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FLOWS_DIR } from './loader.ts';

/**
 * The seed: the official document a flow encodes (flow.yaml `seed`), read so that `shenbao flows check` can verify that
 * what the flow presents as a requirement is in it — an evidence item's words, a rule's reference. Found beside the
 * flow, in SHENBAO_SEEDS_DIR, or in the shared folder beside the repository (../shared/seeds).
 */

/** Where a flow's seed document is, or null when it is nowhere to be found. */
export function findSeed(flowDir: string, name: string): string | null {
  const places = [join(flowDir, name)];
  if (process.env.SHENBAO_SEEDS_DIR) places.push(join(process.env.SHENBAO_SEEDS_DIR, name));
  places.push(resolve(FLOWS_DIR, '../../shared/seeds', name));
  return places.find((p) => existsSync(p)) ?? null;
}

/**
 * Text compared without layout: no whitespace, half-width punctuation as full-width, and any year as "{年}" (a flow's
 * years are a parameter: a copy for next year still quotes the same seed).
 */
export function normaliseSeedText(text: string): string {
  return normaliseLines(text).replace(/\n/g, '');
}

/** As normaliseSeedText, but each line break kept as one \n: a reference's numbers are found where items begin. */
function normaliseLines(text: string): string {
  return text
    .replace(/\[bookmark:[^\]]*\]/g, '')
    .replace(/[^\S\n]+/g, '')
    .replace(/\n+/g, '\n')
    .replace(/\(/g, '（')
    .replace(/\)/g, '）')
    .replace(/,/g, '，')
    .replace(/:/g, '：')
    .replace(/;/g, '；')
    .replace(/(19|20)\d\d(?=年)/g, '{年}');
}

const NUMERAL = '[一二三四五六七八九十]+';
/** 、 between two references (附表1-2-3-1-3、【三】1; 【一】9、10), not inside one (四、服务成效). */
const PART_BREAK = new RegExp(`、(?=[【附\\d（]|${NUMERAL}（|评分指标|门槛条件)`);

/**
 * One piece of a reference: what to find, and (for a heading or a numbered item) what begins its next sibling, which
 * bounds where the pieces after it may be found: 四（一）12 is not found in 四（二）'s list.
 */
interface Anchor { find: RegExp; sibling?: RegExp; fallback?: RegExp }

export class Seed {
  readonly text: string;
  private readonly lines: string;
  constructor(raw: string) {
    this.lines = '\n' + normaliseLines(raw) + '\n';
    this.text = this.lines.replace(/\n/g, '');
  }

  static read(file: string): Seed {
    return new Seed(readFileSync(file, 'utf8'));
  }

  /** Whether the seed says these words (layout and years aside). */
  says(words: string): boolean {
    return this.text.includes(normaliseSeedText(words));
  }

  /**
   * Whether a reference such as 四（一）9, 【二】8, 附件1-2-2 一（六）, 附表1-2-3-1-9、【三】1 or 评分指标8.1（2）、8.5（2）
   * points at something the seed has: each part's pieces are found in the seed in order, each within the one before.
   * Returns the part that could not be found, or null when all are.
   */
  missingPart(ref: string): string | null {
    let head = '';
    for (const raw of ref.split(PART_BREAK).map((p) => p.trim()).filter(Boolean)) {
      // "【一】9、10": a part that starts with a number continues the previous part's locator.
      const part = /^[\d（]/.test(raw) ? head + raw : raw;
      head = part.match(/^(.*?)(?=\d[\d.（）]*$|（[^）]+）$)/)?.[1] ?? '';
      if (!this.finds(anchorsOf(part))) return raw;
    }
    return null;
  }

  /** Whether the pieces are found in order, each within the one before; every occurrence of a piece is tried. */
  private finds(anchors: Anchor[], from = 0, to = this.lines.length): boolean {
    if (anchors.length === 0) return true;
    const [anchor, ...rest] = anchors;
    const occurrences = [...matches(this.lines, anchor.find, from, to)];
    if (occurrences.length === 0 && anchor.fallback) occurrences.push(...matches(this.lines, anchor.fallback, from, to));
    return occurrences.some((m) => {
      const bound = anchor.sibling ? (matches(this.lines, anchor.sibling, m.end, to).next().value?.start ?? to) : to;
      return this.finds(rest, m.end, bound);
    });
  }
}

function* matches(text: string, pattern: RegExp, from: number, to: number): Generator<{ start: number; end: number }> {
  const re = new RegExp(pattern.source, 'g');
  re.lastIndex = from;
  for (let m = re.exec(text); m && m.index + m[0].length <= to; m = re.exec(text)) {
    yield { start: m.index, end: m.index + m[0].length };
    re.lastIndex = m.index + 1;
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pieces of a reference, in the order the seed must have them. */
function anchorsOf(part: string): Anchor[] {
  const anchors: Anchor[] = [];
  const token = new RegExp(
    [
      `(附[表件][\\d-]+)`, // 附表1-2-3-1-9, 附件1-2-2
      `【(${NUMERAL})】`, // 【二】 → the form's 【二、经营服务情况】
      `(${NUMERAL})（(${NUMERAL})）`, // 四（一） → 四、… （一）
      `(${NUMERAL})(?=、|$)`, // 一 → 一、
      `（(${NUMERAL}|\\d+)）`, // （二）, （1）
      `(\\d+(?:\\.\\d+)?)`, // 8, 8.1
      `([^\\d（）【】、]+)`, // words: 评分指标, 服务成效
      `([\\s\\S])`, // anything else (、) separates
    ].join('|'),
    'g',
  );
  // A heading or item begins a line, after the form's checkbox if it has one (□1.上年度开展综合咨询服务成效).
  const heading = (text: string) => new RegExp(`\\n□?${text}`);
  // Words separated by spaces are separate pieces ("【七】负责人 职务"): the seed may have text between them.
  for (const chunk of part.split(/\s+/).filter(Boolean)) {
    for (const m of normaliseSeedText(chunk).matchAll(token)) {
      const [, annex, formSection, major, minor, numeral, paren, number, words] = m;
      if (annex) {
        // The annex's own heading (a line of its own), else a mention of it.
        anchors.push({ find: new RegExp(`\\n${escape(annex)}\\n`), sibling: /\n附[件表][\d-]+\n/, fallback: new RegExp(escape(annex) + '(?![\\d-])') });
      } else if (formSection) anchors.push({ find: heading(`【${formSection}[、】]`), sibling: heading('【') });
      else if (major) {
        anchors.push({ find: heading(`${major}、`), sibling: heading(`${NUMERAL}、`) });
        anchors.push({ find: heading(`（${minor}）`), sibling: heading(`（${NUMERAL}）`) });
      } else if (numeral) anchors.push({ find: heading(`${numeral}、`), sibling: heading(`${NUMERAL}、`) });
      else if (paren) {
        const kind = /\d/.test(paren) ? '\\d+' : NUMERAL;
        anchors.push({ find: heading(`（${paren}）`), sibling: heading(`（${kind}）`) });
      } else if (number) {
        const kind = number.includes('.') ? '\\d+\\.\\d+' : '\\d+[.．、]';
        anchors.push({ find: heading(`${escape(number)}(?![\\d])`), sibling: heading(kind) });
      } else if (words) anchors.push({ find: new RegExp([...words].map(escape).join('\\n?')) }); // across the seed's line breaks
    }
  }
  return anchors;
}

/** The seed of a loaded flow, read once per process. */
const cache = new Map<string, Seed | null>();
export function seedOf(flowDir: string, name: string): Seed | null {
  const file = findSeed(flowDir, name);
  if (!file) return null;
  let seed = cache.get(file);
  if (seed === undefined) {
    seed = Seed.read(file);
    cache.set(file, seed);
  }
  return seed;
}
