import type pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Plain SQL on the driver itself, for the message path: Prisma's query compiler and interactive transaction cost more
 * than the work of an ordinary answer, so a turn speaks SQL directly (the schema and migrations stay Prisma's).
 * Parameters are positional ($1…); pass JSON as a string and cast it (`$1::jsonb`).
 */

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface SqlDatabase extends Sql {
  /** BEGIN, the statements `fn` sends, COMMIT — on one connection, released as soon as it is over; ROLLBACK on error. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Statements sent to the database so far, BEGIN and COMMIT included: what the round-trip test counts. */
  readonly roundTrips: number;
}

export function postgresSql(pool: pg.Pool): SqlDatabase {
  let roundTrips = 0;
  const run = async <R extends object>(client: pg.Pool | pg.PoolClient, text: string, params?: unknown[]) => {
    roundTrips++;
    return (await client.query(text, params)).rows as R[];
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await run(client, 'BEGIN');
        const result = await fn({ query: (text, params) => run(client, text, params) });
        await run(client, 'COMMIT');
        return result;
      } catch (error) {
        // A broken connection cannot roll back; it is discarded below instead of returned to the pool.
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

/** PGlite serves one connection: its own mutex keeps a transaction here apart from Prisma's queries. */
export function pgliteSql(db: PGlite): SqlDatabase {
  let roundTrips = 0;
  return {
    get roundTrips() {
      return roundTrips;
    },
    async query(text, params) {
      roundTrips++;
      return (await db.query(text, params)).rows as never[];
    },
    async transaction(fn) {
      roundTrips++; // BEGIN
      const result = await db.transaction((tx) =>
        fn({
          async query(text, params) {
            roundTrips++;
            return (await tx.query(text, params)).rows as never[];
          },
        }),
      );
      roundTrips++; // COMMIT
      return result;
    },
  };
}
