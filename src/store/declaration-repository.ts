import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { StoredAnswerSchema, type AnswerValue, type Answers } from '../engine/values.ts';

/** Reads and writes of one declaration's answers, history and section progress, inside a caller's transaction. */

export type Tx = Prisma.TransactionClient | PrismaClient;

/** Who made a change, for the answer history. */
export interface Author { userId?: string; channel?: string }

export interface AnswerChange { questionId: string; value: AnswerValue | null; skipped: boolean; note?: string | null }

const json = (value: unknown) => (value === null || value === undefined ? Prisma.DbNull : (value as Prisma.InputJsonValue));

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

/** Save an answer and append its history entry (old value, new value, 情况说明, who, when). */
export async function saveAnswer(tx: Tx, declarationId: string, change: AnswerChange, author: Author): Promise<void> {
  const where = { declarationId_questionId: { declarationId, questionId: change.questionId } };
  const old = await tx.answer.findUnique({ where });
  const data = { value: json(change.value), skipped: change.skipped, note: change.note ?? null, updatedById: author.userId ?? null };
  await tx.answer.upsert({ where, create: { declarationId, questionId: change.questionId, ...data }, update: data });
  await tx.answerHistory.create({
    data: {
      declarationId,
      questionId: change.questionId,
      oldValue: json(old?.value ?? null),
      newValue: json(change.value),
      note: change.note ?? null,
      userId: author.userId ?? null,
      channel: author.channel ?? null,
    },
  });
}

export async function loadSectionSnapshot(tx: Tx, declarationId: string, sectionId: string): Promise<unknown | null> {
  const row = await tx.sectionProgress.findUnique({ where: { declarationId_sectionId: { declarationId, sectionId } } });
  return row?.snapshot ?? null;
}

export async function saveSectionProgress(tx: Tx, declarationId: string, sectionId: string, status: string, snapshot: unknown): Promise<void> {
  const where = { declarationId_sectionId: { declarationId, sectionId } };
  const data = { status, snapshot: json(snapshot) };
  await tx.sectionProgress.upsert({ where, create: { declarationId, sectionId, ...data }, update: data });
}

export async function sectionStatuses(tx: Tx, declarationId: string): Promise<Record<string, string>> {
  const rows = await tx.sectionProgress.findMany({ where: { declarationId }, select: { sectionId: true, status: true } });
  return Object.fromEntries(rows.map((r) => [r.sectionId, r.status]));
}

/** Change a section's status without touching its snapshot (a completed section reopened by a later answer). */
export async function markSectionStatus(tx: Tx, declarationId: string, sectionId: string, status: string): Promise<void> {
  await tx.sectionProgress.update({ where: { declarationId_sectionId: { declarationId, sectionId } }, data: { status } });
}

/** Serialise concurrent messages for one declaration (several processes may serve the same bot). */
export async function lockDeclaration(tx: Tx, declarationId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Declaration" WHERE id = ${declarationId} FOR UPDATE`;
}
