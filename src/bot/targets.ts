import type { LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import { isRelevant } from '../rules/relevance.ts';
import { questionTitle } from '../engine/format.ts';

/** Resolving what an operator names in “修改 …” and “第N节”: a number, a seed reference, an id or a label. */

const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

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

/** What “修改 …” names: one question, several to choose from, or nothing. */
export type QuestionTarget = { question: Question } | { candidates: Question[] } | null;

const norm = (text: string) => text.normalize('NFKC').replace(/[\s:：]/g, '');

/**
 * Resolve what an operator names after “修改”, in anything the assistant displays: the number in the section's
 * answer list (修改 3), a seed reference as shown (【三】1, 【五】1 — the first question of 【五】 —, 四（一）10, Hebei
 * 【四】1 or 四、服务成效 资产总额), a title as shown (【一】15 建筑面积), or a label or part of one. Several matches
 * come back as candidates for the operator to pick from.
 */
export function resolveQuestion(loaded: LoadedFlow, current: Section, target: string, scope: Scope): QuestionTarget {
  const t = target.normalize('NFKC').trim();
  if (t === '') return null;
  const one = (question: Question | undefined | null): QuestionTarget => (question ? { question } : null);
  const many = (found: Question[]): QuestionTarget => (found.length === 1 ? { question: found[0] } : found.length > 1 ? { candidates: found.slice(0, 10) } : null);
  if (/^\d+$/.test(t)) return one(reviewOrder(loaded, current, scope)[Number(t) - 1]);
  if (loaded.questions.has(t)) return one(loaded.questions.get(t));
  const all = [...loaded.questions.values()].filter((q) => q.type !== 'derived' || q.confirm);
  const wanted = norm(t);
  const exact = all.filter((q) => [questionTitle(q), q.ref, q.label].some((shown) => norm(shown) === wanted));
  if (exact.length) return many(exact);
  // 【三】1, 三1, 3.1, 【一】15 建筑面积, Hebei 【四】1: a section and a number, perhaps followed by words of the label.
  const ref = t.match(/^【?([一二三四五六七八九十]|\d+)】?[.\-、．\s]?(\d+)\s*(.*)$/);
  if (ref) {
    const n = sectionNumber(ref[1]);
    const section = n ? loaded.flow.sections[n - 1] : undefined;
    if (section) {
      const words = norm(ref[3]);
      const head = `${section.ref}${ref[2]}`;
      // 【一】15 is the head of several references (【一】15 占地面积, 【一】15 建筑面积 …): words narrow them down.
      const byRef = section.questions.filter((q) => q.ref === head || (q.ref.startsWith(head) && !/\d/.test(q.ref.charAt(head.length))));
      const exactRef = byRef.filter((q) => q.ref === head);
      if (words) {
        const narrowed = byRef.filter((q) => norm(q.label).includes(words) || norm(q.ref).includes(words));
        if (narrowed.length) return many(narrowed);
      } else if (byRef.length) {
        return many(exactRef.length === 1 ? exactRef : byRef);
      } else {
        // A section whose references carry no numbers (【五】单位简介, Hebei 四、服务成效 …): the Nth question as listed.
        return one(reviewOrder(loaded, section, scope)[Number(ref[2]) - 1]);
      }
    }
  }
  // 四（一）10 and other references as shown, then labels or parts of them.
  const byRefPrefix = all.filter((q) => norm(q.ref).startsWith(wanted) && !/\d/.test(norm(q.ref).charAt(wanted.length)));
  if (byRefPrefix.length) return many(byRefPrefix);
  const byLabel = all.filter((q) => norm(q.label).includes(wanted) || norm(questionTitle(q)).includes(wanted));
  return many(byLabel);
}
