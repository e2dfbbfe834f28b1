import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Plain SQL on the driver itself, for the message path: Prisma's query compiler and interactive transaction cost more
 * than the work of an ordinary answer, so a turn speaks SQL directly (the schema and migrations stay Prisma's).
 * Parameters are positional ($1…); pass JSON as a string and cast it (`$1::jsonb`).
 *
 * A turn sends its statements in two batches — BEGIN, the lock and the read; then the write and COMMIT — each one round
 * trip. A batch goes as one simple-protocol message, so its parameters are written into the text as escaped literals
 * (the driver's own escaping); each statement in it still runs after the one before, with its own snapshot.
 */

export interface Statement {
  text: string;
  params?: unknown[];
  /**
   * A name for a statement sent on every message: it is prepared once per connection (PREPARE name AS …) and then
   * only executed with its values (EXECUTE name(…)), so the database plans it once instead of every time.
   * Every parameter's type must be clear from the text (cast where it is not: `$1::text`).
   */
  name?: string;
}

type Row = Record<string, unknown>;

export interface Sql {
  query<R extends object = Row>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * Several statements in one round trip, run in order; each statement's rows. Outside `transaction` a batch must not
   * open a transaction of its own (BEGIN): on PGlite another caller's statements could land in it.
   */
  batch(statements: Statement[]): Promise<Row[][]>;
}

export interface TransactionSql extends Sql {
  /** The transaction's last statements, sent together with its COMMIT. */
  commitWith(statements: Statement[]): Promise<Row[][]>;
}

export interface SqlDatabase extends Sql {
  /**
   * A transaction on one connection, released as soon as it is over. BEGIN goes out with the first statements and
   * COMMIT with `commitWith` (or on its own when `fn` ends without it); ROLLBACK on error.
   */
  transaction<T>(fn: (sql: TransactionSql) => Promise<T>): Promise<T>;
  /** Messages sent to the database so far (BEGIN and COMMIT counted when they travel alone): what the round-trip test counts. */
  readonly roundTrips: number;
  /**
   * The database runs inside this process (PGlite): a commit that did not wait for the disk dies with the process,
   * whereas a server keeps it (and writes it out within a moment) when only this process is killed.
   */
  readonly inProcess: boolean;
}

/** A value as an SQL literal, escaped by the driver's rules (objects as JSON text; cast in the statement). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return pg.escapeLiteral(value);
  return pg.escapeLiteral(JSON.stringify(value));
}

/** One statement with its parameters written in, for a batch. */
export function inline({ text, params = [] }: Statement): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`statement has no parameter $${n}`);
    return literal(params[i]);
  });
}

/**
 * The statements a connection has prepared. After a batch fails nobody knows which of its PREPAREs took effect, so
 * the next batch on that connection starts with DEALLOCATE ALL and prepares afresh.
 */
class PreparedStatements {
  private readonly names = new Set<string>();
  private unsure = false;

  /** The batch's text, and for each result whether it is one of `statements`' (not a PREPARE or DEALLOCATE). */
  script(statements: Statement[]): { text: string; ours: boolean[]; prepared: string[] } {
    const parts: string[] = [];
    const ours: boolean[] = [];
    const prepared: string[] = [];
    const known = (name: string) => (!this.unsure && this.names.has(name)) || prepared.includes(name);
    if (this.unsure) {
      parts.push('DEALLOCATE ALL');
      ours.push(false);
    }
    for (const statement of statements) {
      const { name, params = [] } = statement;
      if (name && !known(name)) {
        parts.push(`PREPARE ${name} AS ${statement.text.trim()}`);
        ours.push(false);
        prepared.push(name);
      }
      parts.push(name ? `EXECUTE ${name}${params.length ? `(${params.map(literal).join(', ')})` : ''}` : inline(statement).trim());
      ours.push(true);
    }
    return { text: parts.map((p) => p.replace(/;$/, '')).join(';\n'), ours, prepared };
  }

  succeeded(prepared: string[]): void {
    if (this.unsure) this.names.clear();
    this.unsure = false;
    for (const name of prepared) this.names.add(name);
  }

  failed(): void {
    this.unsure = true;
  }
}

/** Sends `statements` as one batch through `exec`, keeping the connection's prepared statements in step. */
async function sendBatch(prepared: PreparedStatements, exec: (text: string) => Promise<Row[][]>, statements: Statement[]): Promise<Row[][]> {
  const { text, ours, prepared: names } = prepared.script(statements);
  try {
    const results = await exec(text);
    prepared.succeeded(names);
    return results.filter((_, i) => ours[i]);
  } catch (error) {
    prepared.failed();
    throw error;
  }
}

export function postgresSql(pool: pg.Pool): SqlDatabase {
  let roundTrips = 0;
  // Prepared statements belong to a connection; the pool hands out the same client objects again.
  const preparedOn = new WeakMap<pg.PoolClient, PreparedStatements>();
  const run = async <R extends object>(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[]) => {
    roundTrips++;
    return (await client.query(text, params)).rows as R[];
  };
  const runBatch = async (client: pg.PoolClient, statements: Statement[]): Promise<Row[][]> => {
    if (statements.length === 0) return [];
    let prepared = preparedOn.get(client);
    if (!prepared) preparedOn.set(client, (prepared = new PreparedStatements()));
    roundTrips++;
    return sendBatch(prepared, async (text) => {
      const result = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(result) ? result : [result]).map((r) => r.rows as Row[]);
    }, statements);
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    inProcess: false,
    query: (text, params) => run(pool, text, params),
    async batch(statements) {
      const client = await pool.connect();
      try {
        return await runBatch(client, statements);
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      let begun = false;
      let committed = false;
      let broken = false;
      const begin = (statements: Statement[]) => (begun ? statements : ((begun = true), [{ text: 'BEGIN' }, ...statements]));
      const skipBegin = (rows: Row[][], statements: Statement[]) => rows.slice(rows.length - statements.length);
      try {
        const result = await fn({
          query: async (text, params) => {
            if (begun) return run(client, text, params);
            return (await runBatch(client, begin([{ text, params }]))).at(-1) as never[];
          },
          batch: async (statements) => skipBegin(await runBatch(client, begin(statements)), statements),
          commitWith: async (statements) => {
            const sent = [...begin(statements), { text: 'COMMIT' }];
            const rows = await runBatch(client, sent);
            committed = true;
            return rows.slice(rows.length - 1 - statements.length, rows.length - 1);
          },
        });
        if (begun && !committed) await run(client, 'COMMIT');
        return result;
      } catch (error) {
        // A broken connection cannot roll back; it is discarded instead of returned to the pool.
        if (begun && !committed) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

/** PGlite serves one connection: its own mutex keeps a transaction here apart from every other query. */
export function pgliteSql(db: PGlite): SqlDatabase {
  let roundTrips = 0;
  // One session for the life of the database.
  const prepared = new PreparedStatements();
  const runBatch = async (exec: (sql: string) => Promise<{ rows: unknown[] }[]>, statements: Statement[]): Promise<Row[][]> => {
    if (statements.length === 0) return [];
    roundTrips++;
    return sendBatch(prepared, async (text) => (await exec(text)).map((r) => r.rows as Row[]), statements);
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    inProcess: true,
    async query(text, params) {
      roundTrips++;
      return (await db.query(text, params)).rows as never[];
    },
    // Outside a transaction nothing is prepared: two such batches issued at once (a sender's drain and another's) would
    // both find a statement unprepared and both PREPARE it, while only transactions run whole under PGlite's mutex.
    batch: (statements) => runBatch((sql) => db.exec(sql), statements.map(({ name: _unprepared, ...statement }) => statement)),
    async transaction(fn) {
      roundTrips++; // BEGIN, sent by PGlite
      const result = await db.transaction((tx) =>
        fn({
          async query(text, params) {
            roundTrips++;
            return (await tx.query(text, params)).rows as never[];
          },
          batch: (statements) => runBatch((sql) => tx.exec(sql), statements),
          commitWith: (statements) => runBatch((sql) => tx.exec(sql), statements),
        }),
      );
      roundTrips++; // COMMIT, sent by PGlite
      return result;
    },
  };
}
