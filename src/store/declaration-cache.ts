import type { Answers } from '../engine/values.ts';
import type { AnswerAuthor } from './declaration-state.ts';
import type { LastYearRead } from './last-year-store.ts';

/**
 * What a process last read or wrote of the declaration a chat has open, by the declaration's revision. The turn's read
 * asks the database for the answers only when the revision there is not the one held here (another operator or another
 * process changed something), so a chat's ordinary answer does not read back the hundreds of answers it already has.
 */

export interface CachedDeclaration {
  declarationId: string;
  revision: number;
  answers: Answers;
  authors: Record<string, AnswerAuthor>;
  statuses: Record<string, string>;
  /** Last year's answers, read with the answers and held as long as they are. */
  lastYear: LastYearRead | null;
}

/** A chat's entry is dropped after this many other chats have been served (a least-recently-used bound on memory). */
const CAPACITY = 2000;

export class DeclarationCache {
  private readonly entries = new Map<string, CachedDeclaration>();

  constructor(private readonly capacity = CAPACITY) {}

  get(chat: string): CachedDeclaration | undefined {
    const hit = this.entries.get(chat);
    if (hit) {
      // Most recently used last.
      this.entries.delete(chat);
      this.entries.set(chat, hit);
    }
    return hit;
  }

  set(chat: string, entry: CachedDeclaration): void {
    this.entries.delete(chat);
    this.entries.set(chat, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(chat: string): void {
    this.entries.delete(chat);
  }
}
