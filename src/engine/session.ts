import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import {
  loadAnswers,
  loadSectionSnapshot,
  saveAnswer,
  saveSectionProgress,
  sectionStatuses,
  type Author,
  type Tx,
} from '../store/declaration-repository.ts';
import type { SectionEvent } from './section-machine.ts';
import { stepSection, type SectionStep } from './section-step.ts';
import type { Answers } from './values.ts';
import type { Env } from './scope.ts';

/**
 * A declaration's turn: within the caller's transaction, restore the current section's actor, apply one event,
 * persist the answers it changed (with history) and its snapshot, and move to the next section when one completes.
 */

export interface TurnResult {
  /** The section the operator is now in. */
  section: Section;
  step: SectionStep;
  /** Everything the machines emitted during the turn, including the completed section's. */
  emitted: SectionStep['emitted'];
  answersBefore: Answers;
  answersAfter: Answers;
  /** The section that this event completed, if any. */
  completed?: Section;
  /** True once every section is done. */
  allDone: boolean;
}

export function sectionById(loaded: LoadedFlow, sectionId: string | null | undefined): Section {
  return loaded.flow.sections.find((s) => s.id === sectionId) ?? loaded.flow.sections[0];
}

async function stepAndSave(tx: Tx, loaded: LoadedFlow, declarationId: string, section: Section, answers: Answers, env: Env, author: Author, event?: SectionEvent) {
  const persisted = await loadSectionSnapshot(tx, declarationId, section.id);
  const step = stepSection(loaded, section, persisted, answers, env, event);
  for (const e of step.emitted) {
    if (e.type === 'answer') await saveAnswer(tx, declarationId, { questionId: e.questionId, value: e.value, skipped: e.skipped, note: e.note }, author);
  }
  await saveSectionProgress(tx, declarationId, section.id, step.status, step.snapshot);
  return step;
}

export async function runTurn(
  tx: Tx,
  loaded: LoadedFlow,
  declaration: { id: string; currentSectionId: string | null },
  /** `answers`: the declaration's answers when the caller has just read them in this transaction. */
  options: { sectionId?: string; event?: SectionEvent; author: Author; env: Env; answers?: Answers },
): Promise<TurnResult> {
  const answersBefore = options.answers ?? (await loadAnswers(tx, declaration.id));
  let section = sectionById(loaded, options.sectionId ?? declaration.currentSectionId);
  let step = await stepAndSave(tx, loaded, declaration.id, section, answersBefore, options.env, options.author, options.event);
  const emitted = [...step.emitted];
  let completed: Section | undefined;
  let allDone = false;

  if (step.emitted.some((e) => e.type === 'completed')) {
    completed = section;
    const statuses = await sectionStatuses(tx, declaration.id);
    const order = loaded.flow.sections;
    const from = order.indexOf(section);
    // The next unfinished section after this one, wrapping round to any earlier one left unfinished.
    const next = [...order.slice(from + 1), ...order.slice(0, from)].find((s) => statuses[s.id] !== 'done');
    if (next) {
      section = next;
      step = await stepAndSave(tx, loaded, declaration.id, section, step.answers, options.env, options.author);
      emitted.push(...step.emitted);
    } else {
      allDone = true;
    }
  }

  await tx.declaration.update({
    where: { id: declaration.id },
    data: { currentSectionId: section.id, status: allDone ? 'completed' : 'in_progress' },
  });
  return { section, step, emitted, answersBefore, answersAfter: step.answers, completed, allDone };
}
