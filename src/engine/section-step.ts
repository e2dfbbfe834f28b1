import { createActor } from 'xstate';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import { isRelevant } from '../rules/relevance.ts';
import { buildScope, type Env } from './scope.ts';
import { askedQuestions, isPending, positionOf, sectionMachine, type SectionEmitted, type SectionEvent } from './section-machine.ts';
import type { Answers } from './values.ts';

/**
 * One message's worth of a section: restore the actor from its persisted snapshot (with the declaration's current
 * answers put back into its context), send the event, and hand back the new snapshot and what it emitted.
 * Nothing is kept in memory afterwards.
 */

export interface SectionStep {
  snapshot: Record<string, unknown>;
  emitted: SectionEmitted[];
  answers: Answers;
  position: ReturnType<typeof positionOf>;
  status: 'in_progress' | 'review' | 'done';
}

/** Whether any question of the section is relevant and still unanswered. */
export function hasPending(loaded: LoadedFlow, section: Section, answers: Answers, env: Env, scope = buildScope(loaded, answers, env)): boolean {
  return askedQuestions(section).some((q) => isPending(loaded, q, answers, env, scope));
}

export function stepSection(
  loaded: LoadedFlow,
  section: Section,
  persisted: unknown,
  answers: Answers,
  env: Env,
  event?: SectionEvent,
): SectionStep {
  const machine = sectionMachine(loaded, section);
  const input = { flowId: loaded.flow.id, sectionId: section.id, answers, today: env.today, org: env.org ?? {}, lastYear: env.lastYear };
  const emitted: SectionEmitted[] = [];

  let actor = null;
  let restored = false;
  const snap = persisted as { status?: string; value?: unknown; context?: Record<string, unknown> } | null;
  if (snap && snap.status === 'active' && snap.context) {
    const { questionId } = positionOf(snap.value);
    // A snapshot from an older version of the flow (question removed) cannot be restored: start afresh, answers are safe.
    if (!questionId || loaded.questions.has(questionId)) {
      try {
        actor = createActor(machine, { snapshot: { ...snap, context: { ...snap.context, answers, today: env.today, org: env.org ?? {}, lastYear: env.lastYear } } as unknown as never, input });
        restored = true;
      } catch {
        actor = null;
      }
    }
  }
  actor ??= createActor(machine, { input });
  actor.on('*', (e) => emitted.push(e as SectionEmitted));
  actor.start();

  if (restored) {
    const { questionId, phase } = positionOf(actor.getSnapshot().value);
    const question = questionId ? loaded.questions.get(questionId) : undefined;
    const scope = buildScope(loaded, answers, env);
    // Answers elsewhere may have made the current question irrelevant since the snapshot was taken, or given a
    // reviewed or completed section new questions to answer (a category switch): completeness is computed, never kept.
    const stale = question ? !isRelevant(loaded, question, scope) : (phase === 'review' || phase === 'done' || phase === 'carrying') && hasPending(loaded, section, answers, env, scope);
    if (stale) actor.send({ type: 'RESUME' });
  }
  if (event) actor.send(event);

  const after = actor.getSnapshot();
  const persistedAfter = actor.getPersistedSnapshot() as unknown as Record<string, unknown>;
  actor.stop();
  const position = positionOf(after.value);
  // The answers live in the Answer table (last year's in last year's declaration); the snapshot keeps only the position.
  const snapshot = { ...persistedAfter, context: { ...(persistedAfter.context as object), answers: {}, lastYear: undefined } };
  const status = position.phase === 'done' ? 'done' : position.phase === 'review' || position.phase === 'carrying' ? 'review' : 'in_progress';
  return { snapshot, emitted, answers: after.context.answers, position, status };
}
