// Recognising database errors by meaning rather than by driver: the same violation reaches us as
// Prisma's P2002 (model queries), P2010 with PostgreSQL's 23505 (raw queries), or a bare driver error.

const UNIQUE_VIOLATION = '23505';
/**
 * PostgreSQL's serialization failure and deadlock, and Prisma's name for either; and a prepared statement missing on
 * the connection (a pooler in front of the server moved us to another one): the next attempt prepares it again.
 */
const CONFLICTS = new Set(['40001', '40P01', 'P2034', 'TransactionWriteConflict', '26000']);

/** Every code and kind `error` carries, through the errors it wraps. */
function codesOf(error: unknown): Set<string> {
  const codes = new Set<string>();
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const e = pending.pop();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const record = e as Record<string, unknown>;
    const meta = record.meta as Record<string, unknown> | undefined;
    for (const code of [record.code, record.kind, record.originalCode, meta?.code]) if (typeof code === 'string') codes.add(code);
    pending.push(record.cause, meta?.driverAdapterError);
  }
  return codes;
}

/**
 * True when `error` (or an error it wraps) is a unique-constraint violation. Whether it means a duplicate delivery is
 * for the caller to decide (the same message's key), not for this test: two different messages can clash too.
 */
export function isUniqueViolation(error: unknown): boolean {
  const codes = codesOf(error);
  return codes.has('P2002') || codes.has(UNIQUE_VIOLATION) || codes.has('UniqueConstraintViolation');
}

/** A conflict with a concurrent transaction that running the same work again resolves: unique clash, serialization, deadlock. */
export function isRetryableConflict(error: unknown): boolean {
  return isUniqueViolation(error) || [...codesOf(error)].some((code) => CONFLICTS.has(code));
}

/** Connection failures and server shutdowns: the server is (for now) out of reach, not the work wrong. */
const CONNECTION_LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** True when `error` says the database could not be reached or went away mid-statement: running the work again later may succeed. */
export function isConnectionLost(error: unknown): boolean {
  if ([...codesOf(error)].some((code) => CONNECTION_LOST.has(code))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|connection (is )?closed|terminating connection|Client has encountered a connection error/i.test(message);
}
