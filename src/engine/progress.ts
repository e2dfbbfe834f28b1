import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import { isRelevant } from '../rules/relevance.ts';
import { buildScope, type Env } from './scope.ts';
import { isPending, openRequired, questionsCounted } from './section-machine.ts';
import type { Answers } from './values.ts';

/**
 * How far each section of a declaration is: what an operator's 进度 shows, what 提交审核 requires (every section done)
 * and what a coordinator's 进度汇总 counts — one rule for all three. Pure: the flow, the answers and the section
 * statuses stored for the declaration (SectionProgress) in.
 */

/** A section's state: done, reopened (done, but an answer since made new required questions), in_progress, not_started. */
export interface SectionProgressLine { section: Section; status: string; answered: number; total: number }

export function sectionProgress(loaded: LoadedFlow, answers: Answers, statuses: Readonly<Record<string, string>>, env: Env): SectionProgressLine[] {
  const scope = buildScope(loaded, answers, env);
  return loaded.flow.sections.map((section) => {
    const counted = questionsCounted(loaded, section, scope);
    // A computed value waiting for its inputs is not yet answered, though nothing can be asked about it.
    const answered = counted.filter((q) => isRelevant(loaded, q, scope) && !isPending(loaded, q, answers, env, scope) && (q.type !== 'derived' || scope[q.id] !== null)).length;
    const open = openRequired(loaded, section, answers, env, scope).length;
    // A section counts as done only while nothing required is open in it.
    const stored = statuses[section.id] ?? 'not_started';
    const status = stored === 'done' ? (open === 0 ? 'done' : 'reopened') : stored;
    return { section, status, answered, total: counted.length };
  });
}
