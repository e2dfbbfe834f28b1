import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { StoredAnswerSchema, type Answers } from '../engine/values.ts';

/**
 * Reading a declaration's answers outside the message path (tests, exports, status reports): through Prisma, where
 * convenience matters more than the round trips the message path counts (src/store/turn-store.ts).
 */

export type Tx = Prisma.TransactionClient | PrismaClient;

export async function loadAnswers(tx: Tx, declarationId: string): Promise<Answers> {
  const rows = await tx.answer.findMany({ where: { declarationId } });
  const answers: Answers = {};
  for (const row of rows) {
    const parsed = StoredAnswerSchema.safeParse({ value: row.value, skipped: row.skipped, note: row.note });
    // A row that no longer parses (schema drift) is treated as unanswered rather than crashing the conversation.
    if (parsed.success) answers[row.questionId] = parsed.data;
  }
  return answers;
}
