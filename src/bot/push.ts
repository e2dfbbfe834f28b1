import type { Sql } from '../store/sql.ts';
import { enqueuePush } from '../store/outbox-store.ts';
import { say, type View } from './views.ts';
import { recordFile } from '../store/file-records.ts';
import type { StoredContent } from '../files/file-store.ts';

/**
 * A message nobody asked for (staff's notice today; reminders and finished exports later): addressed to a person or to
 * everyone working on a unit's declaration, written to the outbox, delivered by each channel's sender.
 */

export interface Recipient { channel: string; chatId: string; name: string }

/**
 * Who `to` names: a person (their id on a channel, e.g. console-zhangsan or a Telegram user id, or their name) or a
 * unit (its name or part of it, as in the directory): everyone who has that unit's declaration open or has worked on it.
 */
export async function findRecipients(sql: Sql, to: string): Promise<Recipient[]> {
  const name = to.trim();
  if (name === '') return [];
  return sql.query<Recipient>(
    `SELECT DISTINCT ci."channel", COALESCE(ci."chatId", ci."externalId") AS "chatId", u."displayName" AS "name"
       FROM "ChatIdentity" ci JOIN "User" u ON u."id" = ci."userId"
      WHERE ci."externalId" IN ($1, 'console-' || $1) OR u."displayName" = $1
         OR ci."activeDeclarationId" IN (SELECT d."id" FROM "Declaration" d JOIN "Organisation" o ON o."id" = d."organisationId"
                                          WHERE o."unitName" = $1 OR o."name" = $1 OR (length($1) >= 4 AND o."unitName" LIKE '%' || $1 || '%'))
         OR ci."userId" IN (SELECT c."userId" FROM "OperatorCursor" c JOIN "Declaration" d ON d."id" = c."declarationId"
                              JOIN "Organisation" o ON o."id" = d."organisationId"
                             WHERE o."unitName" = $1 OR o."name" = $1 OR (length($1) >= 4 AND o."unitName" LIKE '%' || $1 || '%'))
      ORDER BY 1, 2`,
    [name],
  );
}

/** Writes the notice (and a file, already in the file store, as a document under it) to each recipient's outbox. */
export async function pushText(sql: Sql, to: string, text: string, file?: StoredContent & { name: string }): Promise<Recipient[]> {
  const recipients = await findRecipients(sql, to);
  if (recipients.length === 0) return recipients;
  const views: View[] = text.trim() ? [say(`📢 通知：${text.trim()}`)] : [];
  if (file) {
    const fileId = await recordFile(sql, { sha256: file.sha256, name: file.name, size: file.size, channel: 'cli' });
    views.push({ kind: 'file', fileId, name: file.name, text: '' });
  }
  for (const r of recipients) await enqueuePush(sql, { channel: r.channel, chatId: r.chatId, views });
  return recipients;
}
