import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import type { Author, DeclarationState } from '../store/declaration-state.ts';
import type { SectionEvent } from './section-machine.ts';
import { hasPending, stepSection, type SectionStep } from './section-step.ts';
import { openRequired } from './section-machine.ts';
import { buildScope } from './scope.ts';
import type { Answers } from './values.ts';
import type { Env } from './scope.ts';

/**
 * A declaration's turn, in memory: restore the operator's actor for the section from their snapshot, apply one event,
 * record the answers it changed (with history) and the new snapshot in the declaration's state, and move to the next
 * section when one completes. The caller reads the state before and writes it after, once each.
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

function stepAndSave(loaded: LoadedFlow, state: DeclarationState, section: Section, env: Env, author: Author, event?: SectionEvent) {
  const arriving = !state.snapshots[section.id] && !event;
  const step = stepSection(loaded, section, state.snapshots[section.id] ?? null, state.answers, env, event);
  for (const e of step.emitted) {
    if (e.type === 'answer') state.saveAnswer({ questionId: e.questionId, value: e.value, skipped: e.skipped, note: e.note }, author);
  }
  state.saveSnapshot(section.id, step.snapshot);
  // Someone arriving at a finished section (another operator, a coordinator reading) does not reopen it by looking.
  if (!(arriving && state.statuses[section.id] === 'done')) state.markStatus(section.id, step.status);
  return step;
}

export function runTurn(
  loaded: LoadedFlow,
  state: DeclarationState,
  options: { sectionId?: string; event?: SectionEvent; author: Author; env: Env },
): TurnResult {
  const answersBefore = state.answers;
  const statusesBefore = state.statuses;
  let section = sectionById(loaded, options.sectionId ?? state.sectionId);
  let step = stepAndSave(loaded, state, section, options.env, options.author, options.event);
  const emitted = [...step.emitted];
  let completed: Section | undefined;
  let allDone = false;

  if (step.emitted.some((e) => e.type === 'completed')) {
    completed = section;
    const order = loaded.flow.sections;
    const from = order.indexOf(section);
    // The next unfinished section after this one, wrapping round to any earlier one left unfinished.
    const next = [...order.slice(from + 1), ...order.slice(0, from)].find((s) => state.statuses[s.id] !== 'done' || hasPending(loaded, s, state.answers, options.env));
    if (next) {
      section = next;
      // A message held at the review was meant for what comes next: it is that section's first answer.
      const carried = step.emitted.find((e) => e.type === 'carry');
      step = stepAndSave(loaded, state, section, options.env, options.author, carried ? { type: 'ANSWER', text: carried.text } : undefined);
      emitted.push(...step.emitted);
    } else {
      allDone = true;
    }
  }

  const reopened = reopenSections(loaded, state, statusesBefore, section, options.env);
  if (reopened.length) allDone = false;
  state.moveTo(section.id, allDone ? 'completed' : 'in_progress');
  return { section, step, emitted, answersBefore, answersAfter: state.answers, completed, reopened, allDone };
}

/**
 * Sections completed before this turn whose required questions are no longer all answered (an answer made new ones
 * relevant) are in progress again: the section machine resumes at the first open question when the operator gets
 * there, and the operator is told. The section the operator is in is asked its open questions at once instead.
 */
function reopenSections(loaded: LoadedFlow, state: DeclarationState, before: Record<string, string>, current: Section, env: Env) {
  const scope = buildScope(loaded, state.answers, env);
  const reopened: { section: Section; open: number }[] = [];
  for (const section of loaded.flow.sections) {
    if (section === current || before[section.id] !== 'done') continue;
    const open = openRequired(loaded, section, state.answers, env, scope).length;
    if (open === 0) continue;
    if (state.statuses[section.id] === 'done') state.markStatus(section.id, 'in_progress');
    reopened.push({ section, open });
  }
  return reopened;
}
