// Recognising database errors by meaning rather than by driver: the same violation reaches us as
// Prisma's P2002 (model queries), P2010 with PostgreSQL's 23505 (raw queries), or a bare driver error.

const UNIQUE_VIOLATION = '23505';

/**
 * True when `error` (or an error it wraps) is a unique-constraint violation, e.g. a second insert of
 * the same ProcessedMessage key: the message was already handled by another delivery.
 */
export function isUniqueViolation(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const e = pending.pop();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const record = e as Record<string, unknown>;
    if (record.code === 'P2002' || record.code === UNIQUE_VIOLATION) return true;
    if (record.kind === 'UniqueConstraintViolation' || record.originalCode === UNIQUE_VIOLATION) return true;
    const meta = record.meta as Record<string, unknown> | undefined;
    if (meta?.code === UNIQUE_VIOLATION) return true;
    pending.push(record.cause, meta?.driverAdapterError);
  }
  return false;
}
