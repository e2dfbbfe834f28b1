// The embedded database: PGlite (PostgreSQL compiled to WebAssembly) keeping its files in a folder,
// exposed to Prisma through pglite-prisma-adapter.
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, open, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DatabaseUnavailableError } from './connect-postgres.ts';
import { pauseForTest, type MigrationSession } from './migrate.ts';
import { packageRoot } from '../package-root.ts';

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

export interface OpenEmbeddedOptions {
  /**
   * Brings a database that is being created up to date (the migrations) while it is still in its temporary folder,
   * so that the folder only ever appears complete.
   */
  initialise?: (client: PGlite) => Promise<unknown>;
}

/** The in-process database's session, for migrations. */
export function pgliteSession(client: PGlite): MigrationSession {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await client.query<R>(sql, params)).rows,
    exec: async (script: string) => void (await client.exec(script)),
  };
}

/**
 * Whether commits are flushed to the disk (fsync) before they are confirmed: on unless SHENBAO_EMBEDDED_FSYNC=off.
 * Off, a commit still survives the process being killed (it is in the operating system's cache) but not a power cut.
 */
export function embeddedFsync(): boolean {
  return !/^(off|false|0|no)$/i.test(process.env.SHENBAO_EMBEDDED_FSYNC ?? '');
}

/**
 * PGlite's start parameters. PGlite turns fsync off (`-F`); durable, we keep PostgreSQL's own fsync at every commit,
 * through `fsync()` because emscripten's `fdatasync()` does nothing. 16 MB of shared buffers instead of 128 MB: PGlite
 * zeroes them at start (~110 MB of resident memory and ~0.2 s), and our data is a few MB.
 */
function startParams(durable: boolean): string[] {
  const params = PGlite.defaultStartParams.filter((p) => !(durable && p === '-F'));
  return [...params, '-c', 'shared_buffers=16MB', ...(durable ? ['-c', 'wal_sync_method=fsync'] : [])];
}

/** Emscripten's file system over a real folder; its fsync (which emscripten leaves out) reaches the disk. */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    const preRun = result.emscriptenOpts.preRun as ((mod: EmscriptenModule) => void)[];
    preRun.push((mod) => {
      const nodefs = mod.FS.filesystems.NODEFS;
      nodefs.stream_ops.fsync = (stream) => {
        if (stream.nfd !== undefined) fsyncSync(stream.nfd);
        // A directory (PostgreSQL syncs pg_wal after creating a segment) has no descriptor of its own here.
        else fsyncPath(nodefs.realPath(stream.node));
        return 0;
      };
    });
    return result;
  }

  /** The folder moved (renamed into place): emscripten resolves every path from the mount's root. */
  moveTo(pg: PGlite, folder: string): void {
    const mount = (pg.Module.FS as unknown as EmscriptenFS).lookupPath(PGDATA).node.mount;
    if (mount.opts.root !== this.rootDir) throw new Error(`Unexpected PGlite mount root ${mount.opts.root}`);
    mount.opts.root = folder;
    this.rootDir = folder;
  }
}

/** What we use of emscripten's module (PGlite does not export these types). */
interface EmscriptenStream {
  nfd?: number;
  node: unknown;
}
interface EmscriptenFS {
  filesystems: { NODEFS: { stream_ops: { fsync?: (stream: EmscriptenStream) => number }; realPath(node: unknown): string } };
  lookupPath(path: string): { node: { mount: { opts: { root: string } } } };
}
interface EmscriptenModule {
  FS: EmscriptenFS;
}

/** Where PGlite mounts the data folder inside its file system. */
const PGDATA = '/pglite/data';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes every file and folder under `dir` to the disk (a copy is only in the operating system's cache). */
function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(dir);
}

async function startPGlite(folder: string): Promise<{ client: PGlite; fs: DurableNodeFS }> {
  const fs = new DurableNodeFS(folder);
  const client = await PGlite.create({ fs, startParams: startParams(embeddedFsync()) });
  return { client, fs };
}

/**
 * Opens (creating if needed) the PGlite database in `dataDir`, or an in-memory one for `memory://`.
 * PGlite is single-process: a lock file beside the folder refuses a second live process, and a lock
 * left by a crashed one (kill -9, power cut) is taken over, so a restart after a crash just works.
 * A new database is made in `<folder>.creating` beside the target and renamed into place only once it is
 * initialised and `options.initialise` (the migrations) has run, so a first start killed at any moment
 * leaves no half-made database; the leftover temporary folder is removed at the next start.
 */
export async function openEmbeddedDatabase(dataDir: string, options: OpenEmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  if (dataDir.startsWith(IN_MEMORY)) {
    const client = await PGlite.create(dataDir, { startParams: startParams(false) });
    return { client, adapter: new PGliteAdapterFactory(client), location: dataDir, close: () => client.close() };
  }

  const folder = resolve(dataDir);
  await mkdir(dirname(folder), { recursive: true });
  const releaseLock = await acquireLock(`${folder}.lock`);
  try {
    // Nobody else can be using these while we hold the lock: a half-made new database, and the postmaster.pid that
    // PGlite fakes and a crashed process leaves behind.
    await rm(`${folder}.creating`, { recursive: true, force: true });
    await rm(join(folder, 'postmaster.pid'), { force: true });
    const { client } = existsSync(join(folder, 'PG_VERSION'))
      ? await startPGlite(folder)
      : await createDatabase(folder, options.initialise);
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

/** A new database in `<folder>.creating`: a copy of the template, flushed, migrated, checkpointed, renamed into place. */
async function createDatabase(folder: string, initialise: OpenEmbeddedOptions['initialise']) {
  if (existsSync(folder) && (await readdir(folder)).length > 0) {
    throw new DatabaseUnavailableError(
      `${folder} 不是空文件夹，也不是内嵌数据库（其中没有 PG_VERSION）。为免误删其中的文件，助手不会在这里建库：请确认后清空它，或用 SHENBAO_DATA_DIR 指定另一个位置。`,
    );
  }
  const creating = `${folder}.creating`;
  await cp(await ensureTemplate(), creating, { recursive: true });
  await pauseForTest('initdb');
  if (embeddedFsync()) fsyncTree(creating);
  const { client, fs } = await startPGlite(creating);
  try {
    await initialise?.(client);
    // Data files durable before the folder is moved into place (the migrations' WAL already is).
    await client.exec('CHECKPOINT');
    await pauseForTest('rename');
    if (existsSync(folder)) await rmdir(folder).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EBUSY'
        ? new DatabaseUnavailableError(`${folder} 是一个挂载点，新数据库无法移入。请把存储卷挂载到上一级文件夹，让 SHENBAO_DATA_DIR 指向其中的子文件夹。`)
        : error;
    });
    await rename(creating, folder);
    if (embeddedFsync()) fsyncPath(dirname(folder));
    fs.moveTo(client, folder);
    return { client };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

// The template: a freshly initialised data folder (PostgreSQL's initdb, run by PGlite once), copied for every new
// database. PGlite's initdb takes seconds and ~900 MB of memory; a copy takes milliseconds. Made at install time by
// scripts/build.js (dist/pglite-template-<PGlite version>), or at the first need when missing.

function pgliteVersion(): string {
  // The package's exports do not include package.json: find it above its entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The template folder for this PGlite version, made now if needed: in dist/, or under the temp folder when the package is read-only. */
export async function ensureTemplate(parent = join(packageRoot(), 'dist')): Promise<string> {
  const name = `pglite-template-${pgliteVersion()}`;
  const target = join(parent, name);
  // Renamed into place only when complete, so a folder there is a whole template.
  if (existsSync(join(target, 'PG_VERSION'))) return target;
  const building = `${target}.building-${process.pid}`;
  try {
    await mkdir(building, { recursive: true });
  } catch {
    if (parent === tmpdir()) throw new Error(`Cannot write a PGlite template under ${parent}`);
    return ensureTemplate(tmpdir());
  }
  await removeAbandoned(parent, name);
  const initdb = await PGlite.create(building, { startParams: startParams(false) });
  await pauseForTest('template');
  await initdb.close();
  await rm(join(building, 'postmaster.pid'), { force: true });
  await rename(building, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another process made it at the same moment: use theirs.
    await rm(building, { recursive: true, force: true });
    if (!existsSync(join(target, 'PG_VERSION'))) throw error;
  });
  return target;
}

/** Templates of other PGlite versions, and builds left by processes that died (killed during initdb). */
async function removeAbandoned(dir: string, current: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const build = /^pglite-template-.+\.building-(\d+)$/.exec(entry);
    const stale = build ? !processIsAlive(Number(build[1])) : entry.startsWith('pglite-template-') && entry !== current;
    if (stale) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

/** Whether a process with this pid is running (one we may not signal still counts). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
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
        // A process that stops gracefully on this signal (the bot finishing its sends) closes the database itself,
        // which releases the lock; letting go of it now would let another process in while this one still writes.
        if (process.listenerCount(signal) > 0) return;
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
  if (pid === process.pid || !processIsAlive(pid)) return false;
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
