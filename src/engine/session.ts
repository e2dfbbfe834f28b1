import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import {
  loadAnswers,
  loadSectionSnapshot,
  saveAnswer,
  saveSectionProgress,
  sectionStatuses,
  markSectionStatus,
  type Author,
  type Tx,
} from '../store/declaration-repository.ts';
import type { SectionEvent } from './section-machine.ts';
import { hasPending, stepSection, type SectionStep } from './section-step.ts';
import { openRequired } from './section-machine.ts';
import { buildScope } from './scope.ts';
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
  /** Completed sections that this turn's answers gave new required questions: open again, with how many. */
  reopened: { section: Section; open: number }[];
  /** True once every section is done and no relevant required question is open anywhere. */
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
  const statusesBefore = await sectionStatuses(tx, declaration.id);
  let section = sectionById(loaded, options.sectionId ?? declaration.currentSectionId);
  let step = await stepAndSave(tx, loaded, declaration.id, section, answersBefore, options.env, options.author, options.event);
  // Read once; this turn's own changes are applied as they are made rather than read back.
  const statuses = { ...statusesBefore, [section.id]: step.status };
  const emitted = [...step.emitted];
  let completed: Section | undefined;
  let allDone = false;

  if (step.emitted.some((e) => e.type === 'completed')) {
    completed = section;
    const order = loaded.flow.sections;
    const from = order.indexOf(section);
    // The next unfinished section after this one, wrapping round to any earlier one left unfinished.
    const next = [...order.slice(from + 1), ...order.slice(0, from)].find((s) => statuses[s.id] !== 'done' || hasPending(loaded, s, step.answers, options.env));
    if (next) {
      section = next;
      // A message held at the review was meant for what comes next: it is that section's first answer.
      const carried = step.emitted.find((e) => e.type === 'carry');
      step = await stepAndSave(tx, loaded, declaration.id, section, step.answers, options.env, options.author, carried ? { type: 'ANSWER', text: carried.text } : undefined);
      statuses[section.id] = step.status;
      emitted.push(...step.emitted);
    } else {
      allDone = true;
    }
  }

  const reopened = await reopenSections(tx, loaded, declaration.id, statusesBefore, statuses, section, step.answers, options.env);
  if (reopened.length) allDone = false;
  await tx.declaration.update({
    where: { id: declaration.id },
    data: { currentSectionId: section.id, status: allDone ? 'completed' : 'in_progress' },
  });
  return { section, step, emitted, answersBefore, answersAfter: step.answers, completed, reopened, allDone };
}

/**
 * Sections completed before this turn whose required questions are no longer all answered (an answer made new ones
 * relevant) are in progress again: the section machine resumes at the first open question when the operator gets
 * there, and the operator is told. The section the operator is in is asked its open questions at once instead.
 */
async function reopenSections(
  tx: Tx,
  loaded: LoadedFlow,
  declarationId: string,
  before: Record<string, string>,
  now: Record<string, string>,
  current: Section,
  answers: Answers,
  env: Env,
) {
  const scope = buildScope(loaded, answers, env);
  const reopened: { section: Section; open: number }[] = [];
  for (const section of loaded.flow.sections) {
    if (section === current || before[section.id] !== 'done') continue;
    const open = openRequired(loaded, section, answers, env, scope).length;
    if (open === 0) continue;
    if (now[section.id] === 'done') await markSectionStatus(tx, declarationId, section.id, 'in_progress');
    reopened.push({ section, open });
  }
  return reopened;
}
