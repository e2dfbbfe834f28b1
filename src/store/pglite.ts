// The embedded database: PGlite (PostgreSQL compiled to WebAssembly) keeping its files in a folder,
// exposed to Prisma through pglite-prisma-adapter.
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export const IN_MEMORY = 'memory://';

/** The embedded database is held by another live process (PGlite serves one process only). */
export class DatabaseBusyError extends Error {
  constructor(readonly folder: string, readonly owner: string) {
    super(
      `The embedded database ${folder} is in use by process ${owner}. ` +
        'PGlite serves one process only: stop that process, or set DATABASE_URL to a PostgreSQL server to run several.',
    );
  }

  /** What the operator reads. */
  get chinese(): string {
    return `内嵌数据库（${this.folder}）正被另一个进程（${this.owner}）使用。请先结束那个进程；多人同时使用请设置 DATABASE_URL 指向 PostgreSQL。`;
  }
}

export interface EmbeddedDatabase {
  client: PGlite;
  adapter: SqlMigrationAwareDriverAdapterFactory;
  /** Where the data lives: an absolute folder, or `memory://`. */
  location: string;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the PGlite database in `dataDir`, or an in-memory one for `memory://`.
 * PGlite is single-process: a lock file beside the folder refuses a second live process, and a lock
 * left by a crashed one (kill -9, power cut) is taken over, so a restart after a crash just works.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  if (dataDir.startsWith(IN_MEMORY)) {
    const client = await PGlite.create(dataDir);
    return { client, adapter: new PGliteAdapterFactory(client), location: dataDir, close: () => client.close() };
  }

  const folder = resolve(dataDir);
  await mkdir(dirname(folder), { recursive: true });
  const releaseLock = await acquireLock(`${folder}.lock`);
  try {
    // PGlite fakes a postmaster.pid; a crashed process leaves it behind. Nobody else can be using
    // the folder while we hold the lock, so it is stale by definition.
    await rm(join(folder, 'postmaster.pid'), { force: true });
    await mkdir(folder, { recursive: true });
    const client = await PGlite.create(folder);
    return {
      client,
      adapter: new PGliteAdapterFactory(client),
      location: folder,
      close: async () => {
        try {
          await client.close();
        } finally {
          await releaseLock();
        }
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

/** This boot of this machine (Linux), so that a lock from before a reboot is known to be stale. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** When a process started, in clock ticks since boot (Linux): a pid reused by another process starts at another time. */
function startTicks(pid: number): string {
  try {
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Creates `path` naming this process (pid, host, boot and start time); takes it over when the process named there is
 * gone — crashed, from before a reboot, or a pid since reused (a container's node is pid 1 on every start). Released
 * at close, at exit and on SIGTERM/SIGINT.
 */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  const me = `${process.pid}@${hostname()}@${bootId()}@${startTicks(process.pid)}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(me);
      await file.close();
      const releaseNow = () => rmSync(path, { force: true });
      const onSignal = (signal: NodeJS.Signals) => {
        releaseNow();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      process.once('exit', releaseNow);
      return async () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        process.off('exit', releaseNow);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (ownerIsAlive(owner)) {
      throw new DatabaseBusyError(path.replace(/\.lock$/, ''), owner.split('@').slice(0, 2).join('@'));
    }
    await rm(path, { force: true });
  }
  throw new Error(`Could not take the lock ${path}`);
}

function ownerIsAlive(owner: string): boolean {
  const [pidText, host, boot, started] = owner.split('@');
  const pid = Number(pidText);
  // An unreadable or half-written lock (crash while writing it) counts as stale.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // A lock from another machine (shared folder) cannot be checked: respect it.
  if (host && host !== hostname()) return true;
  // Written before this boot, or by an earlier process with our own pid: nobody holds it.
  if (boot && boot !== bootId()) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid is running, but is it the process that wrote the lock?
  return !started || started === startTicks(pid);
}

/**
 * pglite-prisma-adapter 0.7.2 with one fix: its `executeScript` does not await the script, so a
 * failing migration was recorded as applied and its error surfaced later as an unhandled rejection.
 */
class PGliteAdapterFactory extends PrismaPGlite implements SqlMigrationAwareDriverAdapterFactory {
  constructor(private readonly db: PGlite) {
    super(db);
  }

  override async connect(): Promise<SqlDriverAdapter> {
    return withAwaitedScripts(await super.connect(), this.db);
  }

  /** A throwaway in-memory database, for diffs against the migrations folder. */
  override async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create(IN_MEMORY);
    const adapter = withAwaitedScripts(await new PrismaPGlite(shadow).connect(), shadow);
    adapter.dispose = () => shadow.close();
    return adapter;
  }
}

function withAwaitedScripts(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    try {
      await db.exec(script);
    } catch (error) {
      const e = error as { code?: string; severity?: string; message?: string; detail?: string; column?: string; hint?: string };
      if (typeof e.code !== 'string') throw error;
      throw new DriverAdapterError({
        kind: 'postgres',
        code: e.code,
        severity: e.severity ?? 'ERROR',
        message: e.message ?? String(error),
        detail: e.detail,
        column: e.column,
        hint: e.hint,
      });
    }
  };
  return adapter;
}
