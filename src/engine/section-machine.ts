import { and, assign, emit, setup } from 'xstate';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import { isAsked, isRelevant, relevance } from '../rules/relevance.ts';
import { questionTitle } from './format.ts';
import { assessAnswer, assessMoreRows, type Assessment } from './assess-answer.ts';
import { buildScope, withAnswer, type Env, type OrgValues } from './scope.ts';
import { takenFromLastYear, type LastYear } from './last-year.ts';
import type { AnswerValue, Answers, MatrixValue } from './values.ts';
import { collectMatrix } from './matrix-entry.ts';
import { bareReply, normalise, parseAnswer, parseYesNo, saysNone } from './parse-answer.ts';

/**
 * One XState machine per section, built from the section's definition: a state per question (asking, or explaining
 * a warning), a review, and done. The machine is pure: answers come in through the context (refreshed from the
 * store before each event) and every change goes out as an emitted event that the session persists.
 */

export interface SectionContext {
  flowId: string;
  sectionId: string;
  /** The declaration's answers, refreshed from the store before each event; not authoritative in the snapshot. */
  answers: Answers;
  /** ISO date of today, passed in so that tests are deterministic. */
  today: string;
  /** The organisation's directory entry as `org_<column>`. */
  org: OrgValues;
  /** Last year's answers, put in before each event like the answers; never kept in the snapshot. */
  lastYear?: LastYear;
  /** An answer that raised warnings, held until the operator gives a 情况说明. */
  pending?: { questionId: string; value: AnswerValue; warnings: string[] };
  /** A message that arrived while the section waited for 确认: kept until the operator says whether to carry it on. */
  carry?: string;
  /** Entered from a completed section to correct one answer: once nothing is left to answer, it is complete again. */
  afterEdit?: boolean;
}

export type SectionEvent =
  | { type: 'ANSWER'; text: string }
  | { type: 'SKIP' }
  | { type: 'BACK' }
  | { type: 'JUMP'; questionId: string }
  | { type: 'REVIEW' }
  | { type: 'CONFIRM' }
  | { type: 'KEEP' }
  | { type: 'RESUME' };

export type SectionEmitted =
  | { type: 'answer'; questionId: string; value: AnswerValue | null; skipped: boolean; note?: string; typed?: string; parserNote?: string }
  | { type: 'error'; message: string }
  /** A message held at the review: the operator is asked whether to confirm the section and carry it on. */
  | { type: 'carryOffer'; text: string }
  /** The section was confirmed with a held message: the session gives it to the next section. */
  | { type: 'carry'; text: string }
  | { type: 'warning'; questionId: string; messages: string[] }
  | { type: 'notice'; message: string }
  | { type: 'collected'; questionId: string }
  | { type: 'completed' };

const NOTE_MAX = 500;
/** What ends the rows of a small table sent one message at a time. */
const NO_MORE_ROWS = /^(完成|好了|好|没了|没有了|没有啦|就这些|就这么多|就这些了|结束|没有其他|没有别的|没有其他的了|无其他|确认|确定|行了|可以了|ok)$/i;
/** What an operator says to a warning when they mean “the value stands” but have not yet said why. */
const BARE_CONFIRMATION = /^(确认|确定|无误|没错|数据无误|核实无误|就是这样|对的?|是的?|好的?)[。.!！]?$/;

/** Words that confirm: at a review, a held message, a matrix or a computed value. */
export function saysYes(text: string): boolean {
  const r = parseYesNo(text);
  return r.ok && r.value;
}
const saysNo = (text: string) => {
  const r = parseYesNo(text);
  return r.ok && !r.value;
};

/** Questions the operator is asked in this section, in order. */
export function askedQuestions(section: Section): Question[] {
  return section.questions.filter(isAsked);
}

/**
 * The questions the operator is asked given the answers so far: relevant ones, and a computed value to confirm only
 * once it can be computed. What progress counts and what “第 3/17 题” numbers.
 */
export function questionsAskedNow(loaded: LoadedFlow, section: Section, scope: Record<string, unknown>): Question[] {
  return askedQuestions(section).filter((q) => isRelevant(loaded, q, scope) && (q.type !== 'derived' || scope[q.id] !== null));
}

/**
 * The questions “第 3/17 题” counts: every question the answers so far do not rule out — relevant ones, those whose
 * condition cannot be decided yet, and computed values still waiting for their inputs — so that the total does not
 * grow as the operator answers.
 */
export function questionsCounted(loaded: LoadedFlow, section: Section, scope: Record<string, unknown>): Question[] {
  return askedQuestions(section).filter((q) => relevance(loaded, q, scope) !== false);
}

/** Required questions of a section still waiting for an answer. */
export function openRequired(loaded: LoadedFlow, section: Section, answers: Answers, env: Env, scope = buildScope(loaded, answers, env)): Question[] {
  return askedQuestions(section).filter((q) => q.required && isPending(loaded, q, answers, env, scope));
}

/** Whether a question still needs an answer: relevant and unanswered (a derived value needs a fresh confirmation). */
export function isPending(loaded: LoadedFlow, question: Question, answers: Answers, env: Env, scope = buildScope(loaded, answers, env)): boolean {
  if (!isRelevant(loaded, question, scope)) return false;
  const stored = answers[question.id];
  if (question.type === 'derived') {
    const current = scope[question.id];
    if (current === null) return false;
    return !stored || (stored.value as { confirmed?: unknown } | null)?.confirmed !== current;
  }
  return !stored;
}

export function buildSectionMachine(loaded: LoadedFlow, section: Section) {
  const questions = askedQuestions(section);
  const assessments = new WeakMap<object, Assessment>();
  // The `next` state asks every question whether it is pending: buildScope remembers the scope of each answers object.
  const scopeOf = (context: SectionContext) => buildScope(loaded, context.answers, context);

  const assess = (context: SectionContext, questionId: string, event: { type: 'ANSWER'; text: string }): Assessment => {
    let result = assessments.get(event);
    if (!result) {
      result = assessAnswer(loaded, loaded.questions.get(questionId)!, event.text, context.answers, context);
      assessments.set(event, result);
    }
    return result;
  };
  /** Rows of a matrix collected so far: this entry's, or the saved answer being corrected. */
  const collected = (context: SectionContext, questionId: string): MatrixValue | undefined =>
    context.pending?.questionId === questionId
      ? (context.pending.value as MatrixValue)
      : ((context.answers[questionId]?.value as MatrixValue | null) ?? undefined);
  const collect = (context: SectionContext, questionId: string, event: SectionEvent) => {
    const q = loaded.questions.get(questionId) as Extract<Question, { type: 'matrix' }>;
    return collectMatrix(loaded, q, collected(context, questionId), event.type === 'ANSWER' ? event.text : '');
  };
  const moreAssessments = new WeakMap<object, Assessment>();
  /** More rows for a small table already answered in part (the `adding` state). */
  const assessMore = (context: SectionContext, questionId: string, event: { type: 'ANSWER'; text: string }): Assessment => {
    let result = moreAssessments.get(event);
    if (!result) {
      const q = loaded.questions.get(questionId) as Extract<Question, { type: 'table' }>;
      result = assessMoreRows(loaded, q, event.text, context.answers, context);
      moreAssessments.set(event, result);
    }
    return result;
  };
  /** Whether a small table holding `rows` rows can take more (one row at least, fewer than its most). */
  const roomFor = (questionId: string, rows: number) => {
    const q = loaded.questions.get(questionId)!;
    return q.type === 'table' && rows >= 1 && rows < (q.maxRows ?? Infinity);
  };
  /** Which question an event answers, and whether as more rows of a table already answered in part (`adding`). */
  type Answering = { questionId: string; more?: boolean };
  const judged = (context: SectionContext, p: Answering, event: { type: 'ANSWER'; text: string }): Assessment =>
    p.more ? assessMore(context, p.questionId, event) : assess(context, p.questionId, event);
  const relevant = (context: SectionContext, questionId: string) =>
    isRelevant(loaded, loaded.questions.get(questionId)!, scopeOf(context));
  const answeredWith = (context: SectionContext, questionId: string, value: AnswerValue | null, skipped: boolean, note?: string): Answers =>
    withAnswer(context.answers, questionId, { value, skipped, note });

  const machine = setup({
    types: {
      context: {} as SectionContext,
      events: {} as SectionEvent,
      input: {} as { flowId: string; sectionId: string; answers: Answers; today: string; org: OrgValues; lastYear?: LastYear },
      emitted: {} as SectionEmitted,
    },
    guards: {
      isPending: ({ context }, p: { questionId: string }) => isPending(loaded, loaded.questions.get(p.questionId)!, context.answers, context, scopeOf(context)),
      isRelevant: ({ context }, p: { questionId: string }) => relevant(context, p.questionId),
      answerInvalid: ({ context, event }, p: Answering) => event.type === 'ANSWER' && judged(context, p, event).kind === 'invalid',
      answerWarns: ({ context, event }, p: Answering) => event.type === 'ANSWER' && judged(context, p, event).kind === 'warn',
      isRequiredUnanswered: ({ context }, p: { questionId: string }) =>
        loaded.questions.get(p.questionId)!.required && !context.answers[p.questionId],
      isUnanswered: ({ context }, p: { questionId: string }) => !context.answers[p.questionId],
      matrixInvalid: ({ context, event }, p: { questionId: string }) => !collect(context, p.questionId, event).ok,
      matrixIncomplete: ({ context, event }, p: { questionId: string }) => {
        const r = collect(context, p.questionId, event);
        return r.ok && r.value.missing.length > 0;
      },
      saidNone: ({ event }) => event.type === 'ANSWER' && saysNone(event.text),
      /**
       * A table answered with one row where it may have more: the others may follow one message at a time. Several
       * rows in one message are the whole table.
       */
      roomForMore: ({ context, event }, p: { questionId: string }) => {
        if (event.type !== 'ANSWER') return false;
        const a = assess(context, p.questionId, event);
        return a.kind === 'ok' && Array.isArray(a.value) && a.value.length === 1 && roomFor(p.questionId, 1);
      },
      saidNoMoreRows: ({ event }) => event.type === 'ANSWER' && (NO_MORE_ROWS.test(bareReply(event.text)) || saysNone(event.text) || saysNo(event.text)),
      moreFills: ({ context, event }, p: { questionId: string }) => {
        if (event.type !== 'ANSWER') return false;
        const a = assessMore(context, p.questionId, event);
        return a.kind === 'ok' && Array.isArray(a.value) && !roomFor(p.questionId, a.value.length);
      },
      saidYes: ({ event }) => event.type === 'ANSWER' && saysYes(event.text),
      saidNo: ({ event }) => event.type === 'ANSWER' && saysNo(event.text),
      noteInvalid: ({ event }) => event.type === 'ANSWER' && (event.text.trim().length < 2 || [...event.text.trim()].length > NOTE_MAX),
      /** After a warning: a bare 是/确认 is neither a note nor a new value. */
      bareConfirmation: ({ event }) =>
        // Only a word or two: “已核实”, “没有材料” are short notes, not bare confirmations.
        event.type === 'ANSWER' && (BARE_CONFIRMATION.test(normalise(event.text)) || (parseYesNo(event.text).ok && [...normalise(event.text)].length <= 2)),
      /**
       * After a warning: a message that reads as a different answer to the same question replaces the warned value
       * (a text question's answer could be anything, so there the message is the note).
       */
      isCorrection: ({ context, event }, p: { questionId: string }) => {
        const q = loaded.questions.get(p.questionId)!;
        if (event.type !== 'ANSWER' || q.type === 'text' || !context.pending) return false;
        // 沿用 there takes last year's answer instead (a bare 是 still means the warned value stands).
        const text = takenFromLastYear(loaded, q, event.text, context, true)?.typed ?? event.text;
        const parsed = parseAnswer(q, text, loaded, context.today);
        return parsed.ok && JSON.stringify(parsed.value) !== JSON.stringify(context.pending.value);
      },
      returnsToDone: ({ context }) =>
        Boolean(context.afterEdit) && questions.every((q) => !isPending(loaded, q, context.answers, context, scopeOf(context))),
      jumpTarget: ({ context, event }, p: { questionId: string }) =>
        event.type === 'JUMP' && event.questionId === p.questionId && relevant(context, p.questionId),
      allAnswered: ({ context }) => questions.every((q) => !isPending(loaded, q, context.answers, context, scopeOf(context)) || !q.required),
    },
    actions: {
      reportInvalid: emit(({ context, event }, p: Answering) => ({
        type: 'error' as const,
        message: event.type === 'ANSWER' ? (judged(context, p, event) as { message: string }).message : '',
      })),
      holdPending: assign(({ context, event }, p: Answering) => {
        const a = judged(context, p, event as { type: 'ANSWER'; text: string }) as Extract<Assessment, { kind: 'warn' }>;
        return { pending: { questionId: p.questionId, value: a.value, warnings: a.warnings } };
      }),
      announceWarnings: emit(({ context }) => ({
        type: 'warning' as const,
        questionId: context.pending!.questionId,
        messages: context.pending!.warnings,
      })),
      saveAnswer: assign(({ context, event }, p: Answering) => {
        const a = judged(context, p, event as { type: 'ANSWER'; text: string }) as Extract<Assessment, { kind: 'ok' }>;
        return { answers: answeredWith(context, p.questionId, a.value, false) };
      }),
      emitAnswer: emit(({ context, event }, p: { questionId: string }) => {
        const stored = context.answers[p.questionId];
        const typed = event.type === 'ANSWER' && !stored.note ? event.text : undefined;
        const assessed = event.type === 'ANSWER' && typed !== undefined ? assessments.get(event) : undefined;
        const parserNote = assessed && assessed.kind !== 'invalid' ? assessed.note : undefined;
        return { type: 'answer' as const, questionId: p.questionId, value: stored.value, skipped: stored.skipped, note: stored.note ?? undefined, typed, parserNote };
      }),
      /** Cross-checks this answer completed, about other questions: said, not held against this answer. */
      reportNotices: emit(({ context, event }, p: Answering) => {
        const a = event.type === 'ANSWER' ? judged(context, p, event) : undefined;
        const notices = a && a.kind !== 'invalid' ? a.notices : [];
        return { type: 'notice' as const, message: notices.join('\n') };
      }),
      saveExplained: assign(({ context, event }) => {
        const { questionId, value } = context.pending!;
        const note = (event as { text: string }).text.trim();
        return { answers: answeredWith(context, questionId, value, false, note), pending: undefined };
      }),
      reportMatrixInvalid: emit(({ context, event }, p: { questionId: string }) => ({
        type: 'error' as const,
        message: (collect(context, p.questionId, event) as { message: string }).message,
      })),
      collectRows: assign(({ context, event }, p: { questionId: string }) => {
        const r = collect(context, p.questionId, event) as { value: { value: MatrixValue } };
        return { pending: { questionId: p.questionId, value: r.value.value, warnings: [] } };
      }),
      reportCollected: emit((_, p: { questionId: string }) => ({ type: 'collected' as const, questionId: p.questionId })),
      saveConfirmed: assign(({ context }) => {
        const { questionId, value } = context.pending!;
        return { answers: answeredWith(context, questionId, value, false), pending: undefined };
      }),
      reportRestart: emit({ type: 'notice' as const, message: '好的，请重新逐行填写。' }),
      reportYesNo: emit({ type: 'error' as const, message: '请回答“是”确认以上数据，或“否”重新填写。' }),
      saveSkipped: assign(({ context }, p: { questionId: string }) => ({ answers: answeredWith(context, p.questionId, null, true) })),
      clearPending: assign({ pending: undefined }),
      reportRequired: emit({ type: 'error' as const, message: '此题为必填项，不能跳过。请填写后继续；如暂时没有数据，可先回复“目录”去填写其他部分。' }),
      reportNoteInvalid: emit({ type: 'error' as const, message: `请用一两句话说明原因（2–${NOTE_MAX} 字），例如“本年度合同已续签，补充材料随后上传”。如要改填数值，请回复“返回”。` }),
      reportFirst: emit({ type: 'notice' as const, message: '已经是本节第一题。可回复“目录”切换到其他部分。' }),
      reportJumpFailed: emit(({ event }) => ({
        type: 'error' as const,
        message: `本节没有可修改的“${event.type === 'JUMP' ? event.questionId : ''}”（该题不存在，或按您之前的回答不需要填写）。请回复“查看”列出本节题号。`,
      })),
      reportIncomplete: emit(({ context }) => {
        const open = openRequired(loaded, section, context.answers, context, scopeOf(context));
        return {
          type: 'error' as const,
          message: `本节还有 ${open.length} 个必填项没有回答：${open.map(questionTitle).join('；')}。已为您转到第一个未答的题目。`,
        };
      }),
      holdCarry: assign(({ event }) => ({ carry: event.type === 'ANSWER' ? event.text : undefined })),
      offerCarry: emit(({ context }) => ({ type: 'carryOffer' as const, text: context.carry ?? '' })),
      emitCarry: emit(({ context }) => ({ type: 'carry' as const, text: context.carry ?? '' })),
      clearCarry: assign({ carry: undefined }),
      reportKept: emit(({ context }) => ({
        type: 'notice' as const,
        message: `好的，“${(context.carry ?? '').slice(0, 20)}”没有保存，本节等您核对后回复“确认”。`,
      })),
      reportCarryChoice: emit({ type: 'error' as const, message: '请回复“是”确认本节并保存刚才的消息，或回复“否”不保存、继续核对本节。' }),
      reportDone: emit({
        type: 'error' as const,
        message: '本节已经完成，这条消息没有保存。要更正本节的答案，请回复“修改 序号”（例如“修改 2”）；回复“目录”去其他部分。',
      }),
      askNote: emit({
        type: 'error' as const,
        message: '请用一两句话写明情况说明（例如为什么数据如此），将随答案一并保存；如要改填，直接回复新的答案。',
      }),
      markAfterEdit: assign({ afterEdit: true }),
      clearAfterEdit: assign({ afterEdit: undefined }),
      emitCompleted: emit({ type: 'completed' as const }),
    },
  });

  const id = (qid: string) => `#${section.id}.${qid}`;
  /** 确认 at the review: complete when nothing required is open, else list what is and go to the first. */
  const confirmTransitions = [
    { guard: 'allAnswered' as const, target: 'done', actions: 'emitCompleted' as const },
    { target: 'next', actions: 'reportIncomplete' as const },
  ];
  const carryTransitions = [
    { guard: 'allAnswered' as const, target: 'done', actions: ['emitCompleted' as const, 'emitCarry' as const, 'clearCarry' as const] },
    { target: 'next', actions: ['reportIncomplete' as const, 'reportKept' as const, 'clearCarry' as const] },
  ];

  /** Transitions to the nearest relevant question before index `k`, nearest first. */
  const backTransitions = (k: number) => [
    ...questions
      .slice(0, k)
      .reverse()
      .map((q) => ({ guard: { type: 'isRelevant' as const, params: { questionId: q.id } }, target: id(q.id) })),
    { actions: 'reportFirst' as const },
  ];

  const questionStates = Object.fromEntries(
    questions.map((q, k) => {
      const p = { questionId: q.id };
      const more = { questionId: q.id, more: true };
      return [
        q.id,
        {
          initial: 'asking',
          meta: { questionId: q.id },
          states: {
            asking: {
              on: {
                ANSWER: q.type === 'matrix' ? [
                  { guard: { type: 'matrixInvalid' as const, params: p }, actions: { type: 'reportMatrixInvalid' as const, params: p } },
                  { guard: { type: 'matrixIncomplete' as const, params: p }, actions: [{ type: 'collectRows' as const, params: p }, { type: 'reportCollected' as const, params: p }] },
                  { target: 'confirming', actions: { type: 'collectRows' as const, params: p } },
                ] : [
                  // 没有 to an optional text question leaves it empty (a skip), instead of saving the words.
                  ...(q.type === 'text' && !q.required ? [{ guard: 'saidNone' as const, target: `#${section.id}.next`, actions: [{ type: 'saveSkipped' as const, params: p }, { type: 'emitAnswer' as const, params: p }] }] : []),
                  { guard: { type: 'answerInvalid' as const, params: p }, actions: { type: 'reportInvalid' as const, params: p } },
                  { guard: { type: 'answerWarns' as const, params: p }, target: 'explaining', actions: [{ type: 'holdPending' as const, params: p }, { type: 'reportNotices' as const, params: p }, 'announceWarnings' as const] },
                  ...(q.type === 'table' ? [{ guard: { type: 'roomForMore' as const, params: p }, target: 'adding', actions: [{ type: 'saveAnswer' as const, params: p }, { type: 'emitAnswer' as const, params: p }, { type: 'reportNotices' as const, params: p }] }] : []),
                  { target: `#${section.id}.next`, actions: [{ type: 'saveAnswer' as const, params: p }, { type: 'emitAnswer' as const, params: p }, { type: 'reportNotices' as const, params: p }] },
                ],
                SKIP: [
                  { guard: { type: 'isRequiredUnanswered' as const, params: p }, actions: 'reportRequired' as const },
                  // Skipping an answered question keeps its answer; skipping an optional one records the skip.
                  ...(q.required ? [] : [{ guard: { type: 'isUnanswered' as const, params: p }, target: `#${section.id}.next`, actions: [{ type: 'saveSkipped' as const, params: p }, { type: 'emitAnswer' as const, params: p }] }]),
                  { target: `#${section.id}.next` },
                ],
                BACK: backTransitions(k),
              },
            },
            /** A small table with rows saved and room for more: each message adds rows until 没有了. */
            ...(q.type === 'table' ? { adding: {
              on: {
                ANSWER: [
                  { guard: 'saidNoMoreRows' as const, target: `#${section.id}.next` },
                  { guard: { type: 'answerInvalid' as const, params: more }, actions: { type: 'reportInvalid' as const, params: more } },
                  { guard: { type: 'answerWarns' as const, params: more }, target: 'explaining', actions: [{ type: 'holdPending' as const, params: more }, { type: 'reportNotices' as const, params: more }, 'announceWarnings' as const] },
                  { guard: { type: 'moreFills' as const, params: p }, target: `#${section.id}.next`, actions: [{ type: 'saveAnswer' as const, params: more }, { type: 'emitAnswer' as const, params: p }, { type: 'reportNotices' as const, params: more }] },
                  { target: 'adding', reenter: true, actions: [{ type: 'saveAnswer' as const, params: more }, { type: 'emitAnswer' as const, params: p }, { type: 'reportNotices' as const, params: more }] },
                ],
                SKIP: { target: `#${section.id}.next` },
                BACK: { target: 'asking' },
              },
            } } : {}),
            /** A matrix shown back with its totals, waiting for 是 / 否. */
            ...(q.type === 'matrix' ? { confirming: {
              on: {
                ANSWER: [
                  { guard: 'saidYes' as const, target: `#${section.id}.next`, actions: ['saveConfirmed' as const, { type: 'emitAnswer' as const, params: p }] },
                  { guard: 'saidNo' as const, target: 'asking', actions: ['clearPending' as const, 'reportRestart' as const] },
                  { actions: 'reportYesNo' as const },
                ],
                BACK: { target: 'asking', actions: 'clearPending' as const },
                SKIP: { actions: 'reportYesNo' as const },
              },
            } } : {}),
            explaining: {
              on: {
                ANSWER: [
                  // A corrected value replaces the warned one: refused, warned again, or saved as any answer.
                  {
                    guard: and([{ type: 'isCorrection', params: p }, { type: 'answerInvalid', params: p }]),
                    actions: { type: 'reportInvalid' as const, params: p },
                  },
                  {
                    guard: and([{ type: 'isCorrection', params: p }, { type: 'answerWarns', params: p }]),
                    target: 'explaining',
                    reenter: true,
                    actions: [{ type: 'holdPending' as const, params: p }, { type: 'reportNotices' as const, params: p }, 'announceWarnings' as const],
                  },
                  {
                    guard: { type: 'isCorrection' as const, params: p },
                    target: `#${section.id}.next`,
                    actions: ['clearPending' as const, { type: 'saveAnswer' as const, params: p }, { type: 'emitAnswer' as const, params: p }, { type: 'reportNotices' as const, params: p }],
                  },
                  { guard: 'bareConfirmation' as const, actions: 'askNote' as const },
                  { guard: 'noteInvalid' as const, actions: 'reportNoteInvalid' as const },
                  { target: `#${section.id}.next`, actions: ['saveExplained' as const, { type: 'emitAnswer' as const, params: p }] },
                ],
                BACK: { target: 'asking', actions: 'clearPending' as const },
                SKIP: { target: 'asking', actions: ['clearPending' as const, 'reportRequired' as const] },
              },
            },
          },
        },
      ];
    }),
  );

  return machine.createMachine({
    id: section.id,
    context: ({ input }) => ({ ...input, pending: undefined, carry: undefined, afterEdit: undefined }),
    initial: 'next',
    on: {
      JUMP: [
        ...questions.map((q) => ({ guard: { type: 'jumpTarget' as const, params: { questionId: q.id } }, target: `.${q.id}`, actions: 'clearPending' as const })),
        { actions: 'reportJumpFailed' as const },
      ],
      REVIEW: { target: '.review', actions: 'clearPending' as const },
      RESUME: { target: '.next', actions: 'clearPending' as const },
    },
    states: {
      /** Transient: go to the first question still pending, or to the review. */
      next: {
        always: [
          { guard: 'returnsToDone' as const, target: 'done', actions: 'clearAfterEdit' as const },
          ...questions.map((q) => ({ guard: { type: 'isPending' as const, params: { questionId: q.id } }, target: q.id })),
          { target: 'review' },
        ],
      },
      ...questionStates,
      review: {
        on: {
          CONFIRM: confirmTransitions,
          // “是”, “好的” confirm; anything else is not thrown away: it is held, and the operator asked what to do.
          ANSWER: [
            { guard: and(['saidYes', 'allAnswered']), target: 'done', actions: 'emitCompleted' as const },
            { guard: 'saidYes' as const, target: 'next', actions: 'reportIncomplete' as const },
            { target: 'carrying', actions: ['holdCarry' as const, 'offerCarry' as const] },
          ],
          BACK: backTransitions(questions.length),
        },
      },
      /** A message held at the review: 是 confirms the section and carries the message on; 否 keeps it out. */
      carrying: {
        on: {
          CONFIRM: carryTransitions,
          ANSWER: [
            { guard: and(['saidYes', 'allAnswered']), target: 'done', actions: ['emitCompleted' as const, 'emitCarry' as const, 'clearCarry' as const] },
            { guard: 'saidYes' as const, target: 'next', actions: ['reportIncomplete' as const, 'reportKept' as const, 'clearCarry' as const] },
            { guard: 'saidNo' as const, target: 'review', actions: ['reportKept' as const, 'clearCarry' as const] },
            { actions: 'reportCarryChoice' as const },
          ],
          KEEP: { target: 'review', actions: ['reportKept' as const, 'clearCarry' as const] },
          BACK: { target: 'review', actions: ['reportKept' as const, 'clearCarry' as const] },
        },
      },
      done: {
        on: {
          BACK: backTransitions(questions.length),
          CONFIRM: { actions: 'emitCompleted' as const },
          ANSWER: { actions: 'reportDone' as const },
          // Correcting one answer of a completed section: it is complete again once nothing is left to answer.
          JUMP: [
            ...questions.map((q) => ({ guard: { type: 'jumpTarget' as const, params: { questionId: q.id } }, target: `#${section.id}.${q.id}`, actions: ['clearPending' as const, 'markAfterEdit' as const] })),
            { actions: 'reportJumpFailed' as const },
          ],
        },
      },
    },
  });
}

export type SectionMachine = ReturnType<typeof buildSectionMachine>;

const machines = new Map<string, SectionMachine>();

/** Machines are built once per flow and section; building is pure. */
export function sectionMachine(loaded: LoadedFlow, section: Section): SectionMachine {
  const key = `${loaded.flow.id}/${loaded.flow.year}/${section.id}`;
  let m = machines.get(key);
  if (!m) {
    m = buildSectionMachine(loaded, section);
    machines.set(key, m);
  }
  return m;
}

/** The question a snapshot value is at, or the section's phase. */
export type Phase = 'asking' | 'explaining' | 'confirming' | 'adding' | 'review' | 'carrying' | 'done' | 'next';

export function positionOf(value: unknown): { questionId?: string; phase: Phase } {
  if (typeof value === 'string') return { phase: value as 'review' | 'carrying' | 'done' | 'next' };
  if (value && typeof value === 'object') {
    const [questionId, sub] = Object.entries(value)[0] as [string, string];
    return { questionId, phase: sub === 'explaining' || sub === 'confirming' || sub === 'adding' ? sub : 'asking' };
  }
  return { phase: 'next' };
}
