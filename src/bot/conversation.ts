import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import { formatDerived, formatStored, questionTitle } from '../engine/format.ts';
import { buildScope, orgScope, type Env } from '../engine/scope.ts';
import { positionOf, type SectionEvent } from '../engine/section-machine.ts';
import { sectionProgress, type SectionProgressLine } from '../engine/progress.ts';
import { runTurn, sectionById, type TurnResult } from '../engine/session.ts';
import { stepSection } from '../engine/section-step.ts';
import type { MatrixValue } from '../engine/values.ts';
import type { DeclarationState } from '../store/declaration-state.ts';
import { evaluateThresholds } from '../rules/thresholds.ts';
import type { TurnContext } from './context.ts';
import { lastYearOf } from '../engine/last-year.ts';
import { lastYearEcho } from './last-year.ts';
import { assignedToColleague } from './assigned-section.ts';
import {
  renderCarryOffer,
  renderEcho,
  renderExplain,
  renderMatrixConfirm,
  renderMoreRows,
  renderQuestion,
  renderReview,
  renderSections,
  renderVerdictChanges,
  renderVerdicts,
  sectionLabel,
  sectionRef,
} from './render.ts';
import { feedback, say, type OverviewView, type View } from './views.ts';

/**
 * The declaration an operator has open, as the handlers use it: run a turn of the engine on the state read for this
 * message, and compose the reply to it as views. One per message (`Conversation.of(ctx)`).
 */
export class Conversation {
  private static readonly cache = new WeakMap<TurnContext, Conversation>();

  /** The conversation of the declaration the message's chat has open (the caller checked there is one). */
  static of(ctx: TurnContext): Conversation {
    let c = Conversation.cache.get(ctx);
    if (!c) {
      c = new Conversation(ctx, ctx.declaration!, ctx.flows.get(ctx.declaration!.flowId)!);
      Conversation.cache.set(ctx, c);
    }
    return c;
  }

  readonly env: Env;
  /** The section the operator was in when the message arrived. */
  readonly current: Section;

  private constructor(
    private readonly ctx: TurnContext,
    readonly state: DeclarationState,
    readonly loaded: LoadedFlow,
  ) {
    this.env = { today: ctx.today, org: orgScope(state.orgExtra), lastYear: lastYearOf(loaded, state.lastYear, ctx.flows) };
    this.current = sectionById(loaded, state.sectionId);
  }

  get answers() {
    return this.state.answers;
  }

  scope() {
    return buildScope(this.loaded, this.state.answers, this.env);
  }

  /** One event to the operator's machine of a section (the current one by default). */
  turn(event?: SectionEvent, sectionId?: string): TurnResult {
    const author = { userId: this.ctx.person.userId, channel: this.ctx.person.channel };
    return runTurn(this.loaded, this.state, { event, sectionId: sectionId ?? this.current.id, author, env: this.env });
  }

  /** Where the operator is in the current section, without changing anything. */
  position() {
    return stepSection(this.loaded, this.current, this.state.snapshots[this.current.id] ?? null, this.state.answers, this.env).position;
  }

  /**
   * Said before anything else when someone else changed the answer to the question this operator is at since they
   * last wrote: two people fill one declaration, and neither should overwrite the other unknowingly.
   */
  changedByOthers(): View[] {
    // Where the snapshot says the operator is: no actor is needed to know that.
    const { questionId } = positionOf((this.state.snapshots[this.current.id] as { value?: unknown } | undefined)?.value);
    const who = questionId ? this.state.authors[questionId] : undefined;
    const since = this.state.cursorUpdatedAt;
    if (!questionId || !who || !since || who.userId === this.ctx.person.userId || who.at <= since) return [];
    const q = this.loaded.questions.get(questionId)!;
    const answer = this.state.answers[questionId];
    const shown = answer ? formatStored(this.loaded, q, answer, this.scope()) : '（已清空）';
    return [feedback('notice', `注意：${who.name ?? '另一位填报人'} 刚刚修改了本题（${questionTitle(q)}），当前答案：${shown}。`)];
  }

  /**
   * The reply to a turn: what was saved (echoed where it differs from what was typed), refusals and notices, derived
   * values, threshold changes, reopened sections, then where the operator now is.
   */
  respond(result: TurnResult, before: View[] = [], after?: string, again = false): View[] {
    const { loaded, env } = this;
    const views: View[] = [...before];
    const scopeBefore = buildScope(loaded, result.answersBefore, env);
    const scopeAfter = buildScope(loaded, result.answersAfter, env);
    let warned = false;
    let refused = again;
    let carried: string | undefined;
    let confirmedWithCarry = false;
    for (const e of result.emitted) {
      if (e.type === 'error') {
        views.push(feedback('refused', carried !== undefined ? `“${carried.slice(0, 20)}”没有保存：${e.message}` : e.message));
        carried = undefined;
        refused = true;
      }
      if (e.type === 'notice' && e.message) views.push(feedback('notice', e.message));
      if (e.type === 'warning') {
        views.push(feedback('warning', renderExplain(e.messages)));
        warned = true;
      }
      if (e.type === 'carryOffer') views.push(feedback('notice', renderCarryOffer(result.section, e.text)));
      if (e.type === 'carry') carried = e.text;
      if (e.type === 'answer') {
        const q = loaded.questions.get(e.questionId)!;
        const yearly = lastYearEcho(loaded, q, e, env);
        if (carried !== undefined && result.completed) {
          views.push(feedback('completed', `已确认${sectionLabel(result.completed)}；“${carried.slice(0, 20)}”已作为${questionTitle(q)}保存。`));
          confirmedWithCarry = true;
          carried = undefined;
        } else if (yearly) views.push(feedback('saved', yearly));
        else if (e.note) views.push(feedback('saved', '已记录答案和情况说明。'));
        else {
          const echo = renderEcho(loaded, q, e.value, e.typed, e.parserNote);
          if (echo) views.push(feedback('saved', echo));
        }
      }
    }
    for (const q of loaded.questions.values()) {
      if (q.type !== 'derived' || q.confirm) continue;
      const [a, b] = [scopeBefore[q.id], scopeAfter[q.id]];
      if (b !== null && b !== a) views.push(feedback('computed', `已自动计算：${questionTitle(q)} = ${formatDerived(q, b as number)}${q.explain ? `（${q.explain}）` : ''}`));
    }
    const verdictsAfter = evaluateThresholds(loaded, result.answersAfter, scopeAfter);
    for (const change of renderVerdictChanges(evaluateThresholds(loaded, result.answersBefore, scopeBefore), verdictsAfter)) views.push(feedback('verdict', change));
    for (const r of result.reopened) {
      views.push(feedback('reopened', `因答案变化，${sectionLabel(r.section)} 新增 ${r.open} 个必填题目，已重新打开；填完后请再次确认该部分。`));
    }
    if (result.completed && !confirmedWithCarry) views.push(feedback('completed', `✅ ${sectionLabel(result.completed)} 已完成。`));
    if (result.allDone) {
      views.push(feedback('completed', `🎉 全部 ${loaded.flow.sections.length} 个部分已填写完成。\n${renderVerdicts(verdictsAfter)}\n如需更正，回复“目录”选择部分，或“修改 题号”。`));
      return views;
    }
    if (after) views.push(say(after));
    views.push(...assignedToColleague(this.ctx, this.state, result.section));
    views.push(...this.prompt(result.section, result, warned, refused));
    return views;
  }

  /** Where the operator now is: the question, the explanation asked for, the matrix to confirm, the review. */
  private prompt(section: Section, result: TurnResult, warned: boolean, refused: boolean): View[] {
    const { loaded, env } = this;
    const answers = result.answersAfter;
    const scope = buildScope(loaded, answers, env);
    const { position, snapshot } = result.step;
    const pending = (snapshot.context as { pending?: { questionId: string; value: unknown; warnings: string[] } }).pending;
    switch (position.phase) {
      case 'explaining':
        return warned ? [] : [feedback('warning', renderExplain(pending?.warnings ?? []))];
      case 'confirming':
        return [renderMatrixConfirm(loaded, loaded.questions.get(position.questionId!)!, pending?.value as MatrixValue)];
      case 'adding':
        return [renderMoreRows(loaded.questions.get(position.questionId!)!, answers[position.questionId!]?.value)];
      case 'carrying':
        return [say('', [{ label: '是，确认并保存', value: '是' }, { label: '否，不保存', value: '否' }])];
      case 'review': {
        const review = renderReview(loaded, section, answers, scope, env, true, 1);
        return [{ kind: 'review', section: sectionRef(loaded, section), text: review.text, choices: review.choices }];
      }
      case 'done':
        return [say(`${sectionLabel(section)} 已完成。回复“目录”选择其他部分，或“修改 序号”更正本节答案。`)];
      default: {
        const question = position.questionId ? loaded.questions.get(position.questionId) : undefined;
        const collected = pending?.questionId === question?.id ? (pending?.value as MatrixValue) : undefined;
        return question ? [renderQuestion(loaded, section, question, answers, scope, env, collected, refused)] : [];
      }
    }
  }

  /** Each section with its state, from the statuses read with the message and the answers as they are now. */
  sectionLines(): SectionProgressLine[] {
    return sectionProgress(this.loaded, this.state.answers, this.state.statuses, this.env);
  }

  overview(lines = this.sectionLines()): OverviewView {
    const assignees = this.state.assignments;
    const shown = renderSections(lines, this.state.sectionId ?? this.loaded.flow.sections[0].id, assignees);
    return {
      kind: 'overview',
      text: shown.text,
      choices: shown.choices,
      sections: lines.map((l) => ({ id: l.section.id, title: sectionLabel(l.section), status: l.status, answered: l.answered, total: l.total, assignee: assignees[l.section.id]?.name })),
    };
  }
}
