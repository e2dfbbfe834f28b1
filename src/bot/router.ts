import type { Database } from '../store/database.ts';
import { isConnectionLost, isRetryableConflict } from '../store/errors.ts';
import { DatabaseUnavailableError, waitSeconds } from '../store/connect-postgres.ts';
import { createPersonStatement, lockStatement, readStatement, turnData, writeStatement, type OutboxEntry, type TurnData } from '../store/turn-store.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import { DeclarationCache } from '../store/declaration-cache.ts';
import { lastYearSources } from '../flow/earlier-flows.ts';
import { FileStore } from '../files/file-store.ts';
import { isoDateInChina } from '../engine/today.ts';
import { parseCommand } from './commands.ts';
import { compose, type TurnContext } from './context.ts';
import { InboundSchema, type Inbound } from './messages.ts';
import { ChatStateSchema } from './onboarding.ts';
import { viewWithChoices, type View } from './views.ts';
import { keyboardToken, PRESS_REFUSED, resolvePress } from './keyboard.ts';
import { tooLong } from './handlers/too-long.ts';
import { switchOrganisation } from './handlers/switch-organisation.ts';
import { onboarding } from './handlers/onboarding.ts';
import { pendingEdit } from './handlers/pending-edit.ts';
import { changedByOthers } from './handlers/changed-by-others.ts';
import { answering } from './handlers/answering.ts';
import { lastYear } from './handlers/last-year.ts';
import { navigation } from './handlers/navigation.ts';
import { status } from './handlers/status.ts';
import { unsupported } from './handlers/unsupported.ts';
import { invitations } from './handlers/invitations.ts';
import { files } from './handlers/files.ts';
import { tables } from './handlers/tables.ts';
import { outputs } from './handlers/outputs.ts';
import { review } from './handlers/review.ts';
import { summary } from './handlers/summary.ts';
import { assignment } from './handlers/assignment.ts';
import { whoAnswered } from './handlers/who-answered.ts';
import { campaigns } from './handlers/campaigns.ts';
import { remind } from './handlers/remind.ts';

/**
 * The one entry point every channel calls. A message is handled in one transaction: the chat locked (one message of a
 * chat at a time, across processes), everything it needs read in one statement, the handlers run in memory, and
 * everything it changed — with its key and its reply as views for the outbox — written in one more.
 */

export interface RouterOptions {
  db: Database;
  flows: LoadedFlow[];
  /** The clock, replaceable in tests. */
  now?: () => Date;
  /** Where operational trouble is reported (English, never a message's content). */
  log?: (line: string) => void;
  /** Where files are kept (what operators send, what the assistant makes); default from SHENBAO_FILES_DIR. */
  files?: FileStore;
  /**
   * Which chats may open any unit by typing its name instead of binding with an invitation code: by default the
   * console's (its local user is the operator of a single machine), or every chat with SHENBAO_OPEN_BY_NAME=1.
   */
  trusted?: (channel: string) => boolean;
}

export interface HandleResult {
  /** The message was handled before (a redelivery): nothing changed; its reply, if still unsent, is in the outbox. */
  duplicate: boolean;
  /** The views written to the outbox as the reply. */
  views: View[];
  /** A line for the platform to show where a button was pressed (a refused press says why). */
  ack?: string;
}

/** How often a message is run again after clashing with a concurrent transaction before the error is raised. */
const MAX_ATTEMPTS = 5;

/** The handlers, in the order they see a message. */
const pipeline = compose([tooLong, invitations, campaigns, remind, unsupported, tables, files, review, summary, switchOrganisation, onboarding, pendingEdit, changedByOthers, whoAnswered, lastYear, answering, assignment, outputs, navigation, status]);

export class Router {
  private readonly flows: Map<string, LoadedFlow>;
  /** What this process holds of each chat's declaration, by revision (see DeclarationCache). */
  private readonly cache = new DeclarationCache();
  private readonly files: FileStore;
  private readonly trusted: (channel: string) => boolean;

  constructor(private readonly options: RouterOptions) {
    this.flows = new Map(options.flows.map((f) => [f.flow.id, f]));
    this.files = options.files ?? FileStore.fromEnv();
    this.trusted = options.trusted ?? ((channel) => channel === 'console' || process.env.SHENBAO_OPEN_BY_NAME === '1');
  }

  /**
   * Handle one inbound message. A redelivered message (same idempotency key) changes nothing and writes nothing. Only a
   * duplicate of the same message counts as one: any other clash with a concurrent transaction (two operators opening
   * the same organisation, a serialization failure, a deadlock) runs the message again, so it is never lost.
   */
  async handle(raw: Inbound): Promise<HandleResult> {
    const inbound = InboundSchema.parse(raw);
    const now = this.options.now?.() ?? new Date();
    const today = isoDateInChina(now);
    const { sql } = this.options.db;
    // A database that went away (a restart, a network blip) is waited for: the message in flight is run again once it
    // is back, under the same key, so it is neither lost nor applied twice.
    const deadline = Date.now() + waitSeconds() * 1000;
    let waits = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await sql.transaction(async (tx) => {
          const chat = `${inbound.channel}:${inbound.userId}`;
          const cached = this.cache.get(chat);
          // The embedded database is one session whose transactions already run one at a time: nothing to lock there.
          const lock = sql.inProcess ? [] : [lockStatement(inbound.channel, inbound.userId)];
          const read = [...lock, readStatement(inbound.channel, inbound.userId, inbound.idempotencyKey, cached, lastYearSources(this.flows))];
          let data: TurnData | null = turnData((await tx.batch(read)).at(-1)![0], cached);
          if (!data) {
            // Someone new: their identity first (a clash with their own concurrent first message is retried).
            const person = { channel: inbound.channel, externalId: inbound.userId, chatId: inbound.chatId, name: inbound.userName ?? inbound.userId };
            data = turnData((await tx.batch([createPersonStatement(person), ...read])).at(-1)![0], cached)!;
          }
          if (data.seen) return { duplicate: true, views: [] };
          const chatState = ChatStateSchema.safeParse(data.person.chatState).data ?? {};
          const pressed = inbound.press ? resolvePress(inbound.press, chatState.keyboard) : undefined;
          if (pressed && !pressed.ok) {
            // A button from an old message: nothing changes; the press is answered where it was made (a toast).
            const person = { identityId: data.person.identityId, userId: data.person.userId, chatId: inbound.chatId, chatState, activeDeclarationId: data.person.activeDeclarationId };
            await tx.commitWith([writeStatement({ key: inbound.idempotencyKey, channel: inbound.channel, person, declaration: null, outbox: [] })]);
            return { duplicate: false, views: [], ack: PRESS_REFUSED[pressed.reason] };
          }
          const text = pressed?.text ?? inbound.choice ?? inbound.text ?? '';
          const replies: View[] = [];
          const pushes: OutboxEntry[] = [];
          // A declaration of a flow no longer served is as if none were open.
          const declaration = data.declaration && this.flows.has(data.declaration.flowId) ? data.declaration : null;
          const ctx: TurnContext = {
            inbound,
            text,
            command: parseCommand(text),
            today,
            now,
            flows: this.flows,
            person: { ...data.person, channel: inbound.channel },
            trusted: this.trusted(inbound.channel),
            chatState,
            activeDeclarationId: data.person.activeDeclarationId,
            declaration,
            sql: tx,
            files: this.files,
            reply: (...views) => void replies.push(...views),
            replies,
            push: (to, views) => void pushes.push({ channel: to.channel, chatId: to.chatId, inboundKey: null, views }),
          };
          await pipeline(ctx);
          this.bindKeyboard(ctx, replies);
          const reply = replies.length ? [{ channel: inbound.channel, chatId: inbound.chatId, inboundKey: inbound.idempotencyKey, views: replies }] : [];
          const person = { identityId: data.person.identityId, userId: data.person.userId, chatId: inbound.chatId, chatState: ctx.chatState, activeDeclarationId: ctx.activeDeclarationId };
          await tx.commitWith([
            writeStatement({ key: inbound.idempotencyKey, channel: inbound.channel, person, declaration: ctx.declaration, outbox: [...reply, ...pushes] }),
          ]);
          this.remember(chat, ctx);
          return { duplicate: false, views: replies };
        });
      } catch (err) {
        // Whatever was held for this chat may be ahead of what was committed: read it afresh next time.
        this.cache.forget(`${inbound.channel}:${inbound.userId}`);
        if (isConnectionLost(err)) {
          if (Date.now() >= deadline) {
            throw new DatabaseUnavailableError(`数据库连接中断，等待 ${waitSeconds()} 秒后仍未恢复（SHENBAO_DB_WAIT_SECONDS）。这条消息没有处理，已保存的答案不受影响；请检查数据库服务器后重发。`);
          }
          if (waits++ === 0) this.options.log?.(`[router] database unreachable (${err instanceof Error ? err.message : String(err)}); retrying the message`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 200 * waits)));
          attempt--;
          continue;
        }
        if (!isRetryableConflict(err)) throw err;
        // The same message handled at once by another delivery: its key is in, and its reply is in the outbox.
        if ((await sql.query('SELECT 1 FROM "ProcessedMessage" WHERE "key" = $1', [inbound.idempotencyKey])).length) return { duplicate: true, views: [] };
        if (attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  /**
   * Any reply replaces the chat's live buttons: the ones it offers (bound to this turn and the revision it leaves), or
   * none, so that a button on an earlier message can never answer what is asked now.
   */
  private bindKeyboard(ctx: TurnContext, replies: View[]): void {
    if (replies.length === 0) return;
    const live = viewWithChoices(replies);
    if (!live) {
      if (ctx.chatState.keyboard) ctx.chatState = { ...ctx.chatState, keyboard: undefined };
      return;
    }
    const d = ctx.declaration;
    const token = keyboardToken(d ? d.revision + (d.changed ? 1 : 0) : 0, ctx.inbound.idempotencyKey);
    replies[replies.indexOf(live)] = { ...live, keyboard: token };
    ctx.chatState = { ...ctx.chatState, keyboard: { token, values: (live.choices ?? []).map((c) => c.value) } };
  }

  /** After the commit: the chat's declaration as this turn left it, at the revision it now has. */
  private remember(chat: string, ctx: TurnContext): void {
    const d = ctx.declaration;
    if (!d || d.id !== ctx.activeDeclarationId) return this.cache.forget(chat);
    const authors = { ...d.authors };
    // Own changes: their time is only compared with other people's cursors after a fresh read, which replaces it.
    for (const questionId of d.changedAnswers.keys()) authors[questionId] = { userId: ctx.person.userId, name: ctx.person.displayName, at: '' };
    this.cache.set(chat, { declarationId: d.id, revision: d.revision + (d.changed ? 1 : 0), answers: d.answers, authors, statuses: d.statuses, lastYear: d.lastYear });
  }
}
