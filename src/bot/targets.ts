import type { LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import { isRelevant } from '../rules/relevance.ts';

/** Resolving what an operator names in “修改 …” and “第N节”: a number, a seed reference, an id or a label. */

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
const CN_NUMERALS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function sectionNumber(token: string): number | null {
  if (/^\d+$/.test(token)) return Number(token);
  if (token in CN_DIGITS) return CN_DIGITS[token];
  return null;
}

export function resolveSection(loaded: LoadedFlow, target: string): Section | null {
  const t = target.replace(/[【】第节部分\s]/g, '');
  const n = sectionNumber(t);
  if (n !== null) return loaded.flow.sections[n - 1] ?? null;
  return loaded.flow.sections.find((s) => s.id === t || s.title === t || s.title.includes(t) || s.ref.replace(/[【】]/g, '') === t) ?? null;
}

/** The questions of a section as its review numbers them (relevant ones, in order). */
export function reviewOrder(loaded: LoadedFlow, section: Section, scope: Scope): Question[] {
  return section.questions.filter((q) => isRelevant(loaded, q, scope));
}

export function resolveQuestion(loaded: LoadedFlow, current: Section, target: string, scope: Scope): Question | null {
  const t = target.normalize('NFKC').trim();
  if (/^\d+$/.test(t)) return reviewOrder(loaded, current, scope)[Number(t) - 1] ?? null;
  if (loaded.questions.has(t)) return loaded.questions.get(t)!;
  // 【三】1, 三1, 三.1, 3.1, 3-1 all name the first question of 【三】1.
  const ref = t.match(/^【?([一二三四五六七八九十]|\d+)】?[.\-、．\s]?(\d+.*)$/);
  if (ref) {
    const n = sectionNumber(ref[1]);
    const section = n ? loaded.flow.sections[n - 1] : undefined;
    if (section) {
      const head = `【${CN_NUMERALS[n!] ?? ref[1]}】${ref[2]}`;
      const exact = section.questions.find((q) => q.ref === head);
      if (exact) return exact;
      const prefixed = section.questions.find((q) => q.ref.startsWith(head) && !/\d/.test(q.ref.charAt(head.length)));
      if (prefixed) return prefixed;
    }
  }
  const byLabel = [...loaded.questions.values()].filter((q) => q.label.includes(t));
  return byLabel.length >= 1 ? (byLabel.find((q) => q.label === t) ?? (byLabel.length === 1 ? byLabel[0] : null)) : null;
}
