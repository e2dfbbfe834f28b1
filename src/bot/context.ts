import type { LoadedFlow } from '../flow/loader.ts';
import type { DeclarationState } from '../store/declaration-state.ts';
import type { Sql } from '../store/sql.ts';
import type { FileStore } from '../files/file-store.ts';
import type { Person } from '../store/turn-store.ts';
import type { Command } from './commands.ts';
import type { Inbound } from './messages.ts';
import type { ChatState } from './onboarding.ts';
import type { View } from './views.ts';

/**
 * What a handler works with while one message is handled, as grammY's Context: the inbound message, who sent it, their
 * open declaration (already read, changed in memory, written once at the end), the transaction for the rare extra
 * statement, and a way to reply with views. Handlers import this; the router imports the handlers; nothing here
 * imports either.
 */
export interface TurnContext {
  readonly inbound: Inbound;
  /** The text typed, or the value of the button pressed. */
  readonly text: string;
  /** What the text says as a command (null: an answer or a name). */
  command: Command | null;
  /** Asia/Shanghai's date of the message, and the moment it is handled (the router's clock). */
  readonly today: string;
  readonly now: Date;
  readonly flows: ReadonlyMap<string, LoadedFlow>;
  readonly person: Person & { channel: string };
  /** A chat that may open any unit by typing its name (the console's local user; every chat in a trial). */
  readonly trusted: boolean;
  /** Between-message memory of this chat (choosing a unit, picking what to change, where to return after a change). */
  chatState: ChatState;
  /** The declaration this chat has open; set by onboarding when it opens one. */
  activeDeclarationId: string | null;
  declaration: DeclarationState | null;
  /** The transaction: for statements the read-once, write-once turn does not cover (opening a declaration). */
  readonly sql: Sql;
  /** The file store: files operators sent, and files the assistant makes for them. */
  readonly files: FileStore;
  /** Reply with views (several calls append to one reply). */
  reply(...views: View[]): void;
  /** The views replied so far. */
  readonly replies: readonly View[];
  /** A message to another chat (a push), written to the outbox with this turn. */
  push(to: { channel: string; chatId: string }, views: View[]): void;
}

/** A handler: does its part and calls `next()` to hand the message on, or answers it and returns. */
export type Handler = (ctx: TurnContext, next: () => Promise<void>) => Promise<void>;

/** Handlers run in order, each deciding whether the next sees the message (grammY's Composer, reduced to what we use). */
export function compose(handlers: Handler[]): (ctx: TurnContext) => Promise<void> {
  return (ctx) => {
    const run = async (i: number): Promise<void> => {
      if (i < handlers.length) await handlers[i](ctx, () => run(i + 1));
    };
    return run(0);
  };
}
