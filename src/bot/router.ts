import type { Database } from '../store/database.ts';
import type { Tx } from '../store/declaration-repository.ts';
import { loadAnswers, lockDeclaration, sectionStatuses } from '../store/declaration-repository.ts';
import { isRetryableConflict } from '../store/errors.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import { formatDerived, questionTitle } from '../engine/format.ts';
import { buildScope, orgScope, type Env } from '../engine/scope.ts';
import { isPending, openRequired, questionsCounted, type SectionEvent } from '../engine/section-machine.ts';
import { runTurn, sectionById, type TurnResult } from '../engine/session.ts';
import { stepSection } from '../engine/section-step.ts';
import { isoDateInChina } from '../engine/today.ts';
import type { Answers, MatrixValue } from '../engine/values.ts';
import { loadSectionSnapshot } from '../store/declaration-repository.ts';
import { isRelevant } from '../rules/relevance.ts';
import { evaluateThresholds } from '../rules/thresholds.ts';
import { evidenceChecklist } from '../rules/evidence.ts';
import { COMMAND_HELP, parseCommand, type Command } from './commands.ts';
import { InboundSchema, MAX_MESSAGE_CHARS, type Inbound, type Outbound } from './messages.ts';
import { ChatStateSchema, describeMatch, findOrganisations, welcomeText, type ChatState, type Match } from './onboarding.ts';
import { INTRO_SHOWN, renderCarryOffer, renderEcho, renderEvidence, renderExplain, renderMatrixConfirm, renderQuestion, sectionLabel, renderReview, renderSections, renderVerdictChanges, renderVerdicts, type SectionProgressLine } from './render.ts';
import { prefillOf } from '../engine/assess-answer.ts';
import { normalise } from '../engine/parse-answer.ts';
import { resolveQuestion, resolveSection } from './targets.ts';

/**
 * The one entry point every channel calls: who is this, is it a command or an answer, run it through the engine in a
 * single transaction together with the message's idempotency key, and say what happened in Chinese.
 */

export interface RouterOptions {
  db: Database;
  flows: LoadedFlow[];
  /** The clock, replaceable in tests. */
  now?: () => Date;
}

/** How often a message is run again after clashing with a concurrent transaction before the error is raised. */
const MAX_ATTEMPTS = 5;

type Identity = { id: string; userId: string; channel: string; chatState: unknown; activeDeclarationId: string | null };
type DeclarationRow = { id: string; flowId: string; currentSectionId: string | null; organisationId: string };


export class Router {
  private readonly flows: Map<string, LoadedFlow>;

  constructor(private readonly options: RouterOptions) {
    this.flows = new Map(options.flows.map((f) => [f.flow.id, f]));
  }

  /**
   * Handle one inbound message. A redelivered message (same idempotency key) changes nothing and gets no reply. Only a
   * duplicate of the same message counts as one: any other clash with a concurrent transaction (two operators opening
   * the same organisation, a serialization failure, a deadlock) runs the message again, so it is never lost.
   */
  async handle(raw: Inbound): Promise<Outbound[]> {
    const inbound = InboundSchema.parse(raw);
    const today = isoDateInChina(this.options.now?.() ?? new Date());
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.db.prisma.$transaction(
          async (tx) => {
            if (await tx.processedMessage.findUnique({ where: { key: inbound.idempotencyKey } })) return [];
            const identity = await this.identify(tx, inbound);
            const reply = await this.dispatch(tx, identity, inbound, today);
            const declarationId = (await tx.chatIdentity.findUnique({ where: { id: identity.id } }))?.activeDeclarationId ?? null;
            await tx.processedMessage.create({ data: { key: inbound.idempotencyKey, channel: inbound.channel, declarationId, reply } });
            return [reply];
          },
          { timeout: 60_000, maxWait: 30_000 },
        );
      } catch (err) {
        if (!isRetryableConflict(err)) throw err;
        // The same message handled at once by another delivery: its key is in, and it has had its reply.
        if (await this.options.db.prisma.processedMessage.findUnique({ where: { key: inbound.idempotencyKey } })) return [];
        if (attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  private async identify(tx: Tx, inbound: Inbound): Promise<Identity> {
    const where = { channel_externalId: { channel: inbound.channel, externalId: inbound.userId } };
    const found = await tx.chatIdentity.findUnique({ where });
    if (found) return found;
    const user = await tx.user.create({ data: { displayName: inbound.userName ?? inbound.userId } });
    return tx.chatIdentity.create({ data: { channel: inbound.channel, externalId: inbound.userId, userId: user.id } });
  }

  private async dispatch(tx: Tx, identity: Identity, inbound: Inbound, today: string): Promise<Outbound> {
    const text = inbound.choice ?? inbound.text ?? '';
    if ([...text].length > MAX_MESSAGE_CHARS) {
      const notice = `消息过长（共 ${[...text].length} 字），单条消息请不要超过 ${MAX_MESSAGE_CHARS} 字。本条未保存，之前的答案都在。`;
      return this.withCurrent(tx, identity, today, notice);
    }
    const command = parseCommand(text);
    if (command?.kind === 'switch') {
      await tx.chatIdentity.update({ where: { id: identity.id }, data: { activeDeclarationId: null, chatState: { step: 'await_unit' } } });
      return { text: '好的。请发送要填写的单位名称（与名录一致的全称）。' };
    }
    // Locked before it is read: a 确认 and an answer arriving together are decided one after the other.
    if (identity.activeDeclarationId) await lockDeclaration(tx, identity.activeDeclarationId);
    const declaration = identity.activeDeclarationId ? await tx.declaration.findUnique({ where: { id: identity.activeDeclarationId } }) : null;
    if (!declaration || !this.flows.has(declaration.flowId)) return this.onboard(tx, identity, text, command, today);
    return this.converse(tx, identity, declaration, text, command, today);
  }

  /** Reply with a notice followed by wherever the operator currently is. */
  private async withCurrent(tx: Tx, identity: Identity, today: string, notice: string): Promise<Outbound> {
    const declaration = identity.activeDeclarationId ? await tx.declaration.findUnique({ where: { id: identity.activeDeclarationId } }) : null;
    if (!declaration || !this.flows.has(declaration.flowId)) return { text: `${notice}\n请发送贵单位名称（与名录一致的全称）。` };
    const current = await this.converse(tx, identity, declaration, '', { kind: 'start' }, today, true);
    return { ...current, text: `${notice}\n\n${current.text}` };
  }

  // —— onboarding ——

  private async onboard(tx: Tx, identity: Identity, text: string, command: Command | null, today: string): Promise<Outbound> {
    const flows = [...this.flows.values()];
    const state: ChatState = ChatStateSchema.safeParse(identity.chatState).data ?? {};
    const trimmed = text.trim();
    if (command || trimmed === '') {
      await tx.chatIdentity.update({ where: { id: identity.id }, data: { chatState: { step: 'await_unit' } } });
      return { text: welcomeText(flows) };
    }
    if (state.step === 'choose_candidate' && state.candidates && /^\d+$/.test(trimmed.normalize('NFKC'))) {
      const pick = state.candidates[Number(trimmed.normalize('NFKC')) - 1];
      const loaded = pick && this.flows.get(pick.flowId);
      const entry = loaded?.directory.find((e) => e.seq === pick.seq);
      if (loaded && entry) return this.begin(tx, identity, { loaded, entry }, today);
      return { text: `请回复 1 到 ${state.candidates.length} 之间的序号，或重新发送单位名称。` };
    }
    const matches = findOrganisations(flows, trimmed);
    if (matches.length === 1) return this.begin(tx, identity, matches[0], today);
    if (matches.length === 0) {
      await tx.chatIdentity.update({ where: { id: identity.id }, data: { chatState: { step: 'await_unit' } } });
      return {
        text: `名录中没有找到“${trimmed.slice(0, 40)}”。请发送与名录一致的单位全称（可以只写其中一段，例如“首冶新元”），我会列出相近的单位供您选择。`,
      };
    }
    const shown = matches.slice(0, 10);
    await tx.chatIdentity.update({
      where: { id: identity.id },
      data: { chatState: { step: 'choose_candidate', candidates: shown.map((m) => ({ flowId: m.loaded.flow.id, seq: m.entry.seq })) } },
    });
    const more = matches.length > shown.length ? `\n（共 ${matches.length} 个结果，只列出前 ${shown.length} 个；请写得更完整些以缩小范围）` : '';
    return {
      text: `找到 ${matches.length} 个相符的名录条目，请回复序号选择：\n${shown.map((m, i) => `${i + 1}. ${describeMatch(m)}`).join('\n')}${more}`,
      choices: shown.map((m, i) => ({ label: m.entry.unit, value: String(i + 1) })),
    };
  }

  /** Open (or join) the organisation's declaration and ask the first pending question. */
  private async begin(tx: Tx, identity: Identity, match: Match, today: string): Promise<Outbound> {
    const { loaded, entry } = match;
    const flowId = loaded.flow.id;
    const roles = loaded.flow.directory;
    const column = (name: string | undefined) => (name && entry[name] !== undefined && entry[name] !== '' ? String(entry[name]) : null);
    const org = await tx.organisation.upsert({
      where: { flowId_seq: { flowId, seq: entry.seq } },
      create: {
        flowId,
        seq: entry.seq,
        unitName: entry.unit,
        name: column(roles.name),
        district: column(roles.region),
        category: column(roles.category),
        extra: entry,
      },
      update: {},
    });
    const existing = await tx.declaration.findUnique({ where: { organisationId_flowId: { organisationId: org.id, flowId } } });
    const declaration = existing ?? (await tx.declaration.create({ data: { organisationId: org.id, flowId, createdById: identity.userId } }));
    await tx.chatIdentity.update({ where: { id: identity.id }, data: { activeDeclarationId: declaration.id, chatState: {} } });
    const intro = [
      `已确认：${describeMatch(match)}。`,
      existing ? '贵单位的申报已经开始过，我们从上次停下的地方继续。' : `申报表共 ${loaded.flow.sections.length} 个部分，我们从第一部分开始。随时可回复“帮助”查看可用的说法。`,
    ].join('\n');
    const current = await this.converse(tx, { ...identity, activeDeclarationId: declaration.id }, declaration, '', { kind: 'start' }, today, true);
    return { ...current, text: `${intro}\n\n${current.text}` };
  }

  // —— the declaration conversation ——

  private async converse(
    tx: Tx,
    identity: Identity,
    declaration: DeclarationRow,
    text: string,
    command: Command | null,
    today: string,
    quiet = false,
  ): Promise<Outbound> {
    const loaded = this.flows.get(declaration.flowId)!;
    const organisation = await tx.organisation.findUnique({ where: { id: declaration.organisationId } });
    const env: Env = { today, org: orgScope(organisation?.extra as Record<string, unknown>) };
    const author = { userId: identity.userId, channel: identity.channel };
    let answers = await loadAnswers(tx, declaration.id);
    const current = sectionById(loaded, declaration.currentSectionId);
    const state: ChatState = ChatStateSchema.safeParse(identity.chatState).data ?? {};
    const setState = async (next: ChatState) => {
      await tx.chatIdentity.update({ where: { id: identity.id }, data: { chatState: next } });
      identity.chatState = next;
    };
    // Answers read once per message and carried from turn to turn, not read again by each.
    const turn = async (event?: SectionEvent, sectionId?: string) => {
      const result = await runTurn(tx, loaded, declaration, { event, sectionId: sectionId ?? current.id, author, env, answers });
      answers = result.answersAfter;
      return result;
    };
    /** Where the operator is in the current section, without changing anything. */
    const position = async () => stepSection(loaded, current, await loadSectionSnapshot(tx, declaration.id, current.id), answers, env).position;
    const before: string[] = [];

    // A pick from the list “修改” offered, or the target “修改” alone asked for.
    if (!command && (state.editCandidates || state.awaitEdit)) {
      const t = normalise(text);
      const picked = state.editCandidates && /^\d+$/.test(t) ? state.editCandidates[Number(t) - 1] : undefined;
      await setState({ ...state, editCandidates: undefined, awaitEdit: undefined });
      if (picked) command = { kind: 'edit', target: picked };
      else if (state.awaitEdit && resolveQuestion(loaded, current, text, buildScope(loaded, answers, env))) command = { kind: 'edit', target: text };
    }
    if (command && command.kind !== 'edit' && state.editReturn) await setState({ ...state, editReturn: undefined });

    switch (command?.kind) {
      case undefined: {
        if (text.trim() === '') return this.respond(loaded, await turn(), env, ['没有收到内容。请直接回复答案，或回复“帮助”查看可用的说法。']);
        const result = await turn({ type: 'ANSWER', text });
        // An answer given through “修改” in another section: back to where the operator was.
        const back = state.editReturn;
        if (back && result.emitted.some((e) => e.type === 'answer' && e.questionId === back.questionId)) {
          await setState({ ...state, editReturn: undefined });
          const there = await turn(undefined, back.sectionId);
          // The corrected answer may have opened new questions where it was given: the operator is told, not kept there.
          const open = openRequired(loaded, result.section, answers, env).length;
          const reopened = [...result.reopened, ...(open ? [{ section: result.section, open }] : [])];
          return this.respond(loaded, { ...there, emitted: result.emitted, answersBefore: result.answersBefore, completed: result.completed, reopened }, env, [], `已回到${sectionLabel(there.section)}。`);
        }
        return this.respond(loaded, result, env);
      }
      case 'start':
        return this.respond(loaded, await turn(), env, quiet ? [] : ['欢迎回来，我们继续。']);
      case 'back':
        return this.respond(loaded, await turn({ type: 'BACK' }), env);
      case 'skip':
        return this.respond(loaded, await turn({ type: 'SKIP' }), env);
      case 'keep':
        return this.respond(loaded, await turn({ type: 'KEEP' }), env);
      case 'confirm': {
        const { phase, questionId } = await position();
        if (phase === 'review' || phase === 'done' || phase === 'carrying') return this.respond(loaded, await turn({ type: 'CONFIRM' }), env);
        const question = questionId ? loaded.questions.get(questionId) : undefined;
        // 确认 confirms what is waiting for it (a computed value, a matrix, a yes/no, the directory's value); it is never a text answer.
        if (phase === 'explaining' || phase === 'confirming' || (question && question.type !== 'text') || (question && prefillOf(question, env))) {
          return this.respond(loaded, await turn({ type: 'ANSWER', text }), env);
        }
        const open = openRequired(loaded, current, answers, env);
        before.push(
          `本节还有 ${open.length} 个必填项没有回答：${open.slice(0, 5).map(questionTitle).join('；')}${open.length > 5 ? ' 等' : ''}。` +
            '“确认”不能作为本题的答案，请直接填写；本节填完后会列出答案请您确认。',
        );
        return this.respond(loaded, await turn(), env, before, undefined, true);
      }
      case 'review': {
        const { phase } = await position();
        const scope = buildScope(loaded, answers, env);
        // At the review the list is the prompt itself: said once.
        if (phase === 'review' && !command.page && !command.all) return this.respond(loaded, await turn(), env);
        const list = renderReview(loaded, current, answers, scope, env, false, command.all ? 'all' : (command.page ?? 1));
        return this.respond(loaded, await turn(), env, [list.text]);
      }
      case 'sections':
        return { ...(await this.sectionsOverview(tx, loaded, declaration, answers, env)) };
      case 'section': {
        const target = resolveSection(loaded, command.target);
        if (!target) before.push(`没有找到“${command.target}”这一部分。请回复“目录”查看各部分及序号。`);
        return this.respond(loaded, await turn(undefined, target?.id), env, before);
      }
      case 'edit': {
        const scope = buildScope(loaded, answers, env);
        if (command.target === '') {
          await setState({ ...state, awaitEdit: true });
          const list = renderReview(loaded, current, answers, scope, env, false, 1);
          return { text: `要修改哪一题？请回复序号（如“2”）、题号（如“【三】1”）或题目名称。\n\n${list.text}` };
        }
        const found = resolveQuestion(loaded, current, command.target, scope);
        if (found && 'candidates' in found) {
          await setState({ ...state, editCandidates: found.candidates.map((q) => q.id) });
          return {
            text: `“${command.target.slice(0, 20)}”对应多个题目，请回复序号选择：\n${found.candidates.map((q, i) => `${i + 1}. ${questionTitle(q)}`).join('\n')}`,
            choices: found.candidates.map((q, i) => ({ label: questionTitle(q).slice(0, 30), value: String(i + 1) })),
          };
        }
        const question = found?.question;
        if (!question) {
          before.push(`没有找到“${command.target.slice(0, 30)}”。请写本节答案一览中的序号（如“修改 2”）、题号（如“修改 【三】1”）或题目名称；回复“查看”列出本节答案。`);
          return this.respond(loaded, await turn(), env, before);
        }
        if (question.type === 'derived' && !question.confirm) {
          before.push(`“${question.label}”由系统根据其他数据计算（${question.explain ?? question.formula}），请修改它所依据的题目。`);
          return this.respond(loaded, await turn(), env, before);
        }
        if (!isRelevant(loaded, question, scope)) {
          before.push(`按您之前的回答，${questionTitle(question)} 不需要填写。`);
          return this.respond(loaded, await turn(), env, before);
        }
        const section = loaded.sectionOf.get(question.id)!;
        // From another section: once the answer is given, the operator is taken back to where they were.
        if (section.id !== current.id) await setState({ ...state, editReturn: { sectionId: state.editReturn?.sectionId ?? current.id, questionId: question.id } });
        return this.respond(loaded, await turn({ type: 'JUMP', questionId: question.id }, section.id), env);
      }
      case 'progress':
        return this.progress(tx, loaded, declaration, answers, env);
      case 'thresholds':
        return { text: renderVerdicts(evaluateThresholds(loaded, answers, buildScope(loaded, answers, env))) };
      case 'evidence':
        return { text: renderEvidence(evidenceChecklist(loaded, answers, buildScope(loaded, answers, env)), command.page ?? 1) };
      case 'help': {
        const { questionId } = await position();
        const q = questionId ? loaded.questions.get(questionId) : undefined;
        const lines = [
          current.intro && [...current.intro].length > INTRO_SHOWN ? `${sectionLabel(current)}说明：${current.intro}` : '',
          q?.help ? `本题说明（${q.ref}）：${q.help}` : '',
          '可用的说法：',
          COMMAND_HELP,
        ].filter(Boolean);
        return this.respond(loaded, await turn(), env, [lines.join('\n')]);
      }
      case 'unknown':
        return this.respond(loaded, await turn(), env, [`无法识别“${command.word.slice(0, 30)}”。可用的说法：\n${COMMAND_HELP}`]);
      case 'switch':
        return { text: '' };
    }
  }

  private async sectionProgressLines(tx: Tx, loaded: LoadedFlow, declarationId: string, answers: Answers, env: Env): Promise<SectionProgressLine[]> {
    const statuses = await sectionStatuses(tx, declarationId);
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

  private async sectionsOverview(tx: Tx, loaded: LoadedFlow, declaration: DeclarationRow, answers: Answers, env: Env): Promise<Outbound> {
    return renderSections(await this.sectionProgressLines(tx, loaded, declaration.id, answers, env), declaration.currentSectionId ?? loaded.flow.sections[0].id);
  }

  private async progress(tx: Tx, loaded: LoadedFlow, declaration: DeclarationRow, answers: Answers, env: Env): Promise<Outbound> {
    const lines = await this.sectionProgressLines(tx, loaded, declaration.id, answers, env);
    const done = lines.filter((l) => l.status === 'done').length;
    const answered = lines.reduce((a, l) => a + l.answered, 0);
    const total = lines.reduce((a, l) => a + l.total, 0);
    const overview = renderSections(lines, declaration.currentSectionId ?? loaded.flow.sections[0].id);
    const verdicts = renderVerdicts(evaluateThresholds(loaded, answers, buildScope(loaded, answers, env)));
    return { text: `填写进度：已完成 ${done}/${lines.length} 个部分，已回答 ${answered}/${total} 题。\n\n${overview.text}\n\n${verdicts}`, choices: overview.choices };
  }

  /**
   * Compose the reply to a turn: what was saved (echoed where it differs from what was typed), refusals and notices,
   * derived values, threshold changes, reopened sections, then where the operator now is.
   */
  private respond(loaded: LoadedFlow, result: TurnResult, env: Env, before: string[] = [], after?: string, again = false): Outbound {
    const parts = [...before];
    const scopeBefore = buildScope(loaded, result.answersBefore, env);
    const scopeAfter = buildScope(loaded, result.answersAfter, env);
    let warned = false;
    let refused = again;
    let carried: string | undefined;
    for (const e of result.emitted) {
      if (e.type === 'error') {
        parts.push(carried !== undefined ? `“${carried.slice(0, 20)}”没有保存：${e.message}` : e.message);
        carried = undefined;
        refused = true;
      }
      if (e.type === 'notice' && e.message) parts.push(e.message);
      if (e.type === 'warning') {
        parts.push(renderExplain(e.messages));
        warned = true;
      }
      if (e.type === 'carryOffer') parts.push(renderCarryOffer(loaded, result.section, e.text));
      if (e.type === 'carry') carried = e.text;
      if (e.type === 'answer') {
        const q = loaded.questions.get(e.questionId)!;
        if (carried !== undefined && result.completed) {
          parts.push(`已确认${sectionLabel(result.completed)}；“${carried.slice(0, 20)}”已作为${questionTitle(q)}保存。`);
          carried = undefined;
        } else if (e.note) parts.push('已记录答案和情况说明。');
        else {
          const echo = renderEcho(loaded, q, e.value, e.typed, e.parserNote);
          if (echo) parts.push(echo);
        }
      }
    }
    for (const q of loaded.questions.values()) {
      if (q.type !== 'derived' || q.confirm) continue;
      const [a, b] = [scopeBefore[q.id], scopeAfter[q.id]];
      if (b !== null && b !== a) parts.push(`已自动计算：${questionTitle(q)} = ${formatDerived(q, b as number)}${q.explain ? `（${q.explain}）` : ''}`);
    }
    parts.push(
      ...renderVerdictChanges(
        evaluateThresholds(loaded, result.answersBefore, scopeBefore),
        evaluateThresholds(loaded, result.answersAfter, scopeAfter),
      ),
    );
    for (const r of result.reopened) {
      parts.push(`因答案变化，${sectionLabel(r.section)} 新增 ${r.open} 个必填题目，已重新打开；填完后请再次确认该部分。`);
    }
    if (result.completed && !parts.some((p) => p.startsWith(`已确认${sectionLabel(result.completed!)}`))) parts.push(`✅ ${sectionLabel(result.completed)} 已完成。`);
    if (result.allDone) {
      parts.push(`🎉 全部 ${loaded.flow.sections.length} 个部分已填写完成。\n${renderVerdicts(evaluateThresholds(loaded, result.answersAfter, scopeAfter))}\n如需更正，回复“目录”选择部分，或“修改 题号”。`);
      return { text: parts.join('\n\n') };
    }
    if (after) parts.push(after);
    const prompt = this.prompt(loaded, result.section, result, env, warned, refused);
    if (prompt.text) parts.push(prompt.text);
    return { text: parts.join('\n\n'), choices: prompt.choices };
  }

  private prompt(loaded: LoadedFlow, section: Section, result: TurnResult, env: Env, warned: boolean, refused = false): Outbound {
    const answers = result.answersAfter;
    const scope = buildScope(loaded, answers, env);
    const { position, snapshot } = result.step;
    const pending = (snapshot.context as { pending?: { questionId: string; value: unknown; warnings: string[] } }).pending;
    switch (position.phase) {
      case 'explaining':
        return { text: warned ? '' : renderExplain(pending?.warnings ?? []) };
      case 'confirming':
        return renderMatrixConfirm(loaded, loaded.questions.get(position.questionId!)!, pending?.value as MatrixValue);
      case 'carrying':
        return { text: '', choices: [{ label: '是，确认并保存', value: '是' }, { label: '否，不保存', value: '否' }] };
      case 'review':
        return renderReview(loaded, section, answers, scope, env, true, 1);
      case 'done':
        return { text: `${sectionLabel(section)} 已完成。回复“目录”选择其他部分，或“修改 序号”更正本节答案。` };
      default: {
        const question = position.questionId ? loaded.questions.get(position.questionId) : undefined;
        const collected = pending?.questionId === question?.id ? (pending?.value as MatrixValue) : undefined;
        return question ? renderQuestion(loaded, section, question, answers, scope, env, collected, refused) : { text: '' };
      }
    }
  }
}
