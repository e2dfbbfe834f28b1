// A throwaway PostgreSQL cluster for tests that need a real server: Debian's `postgresql` package,
// a fresh data folder under the temp dir, a free port on 127.0.0.1, stopped and deleted by stop().
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/shenbao — trust authentication, no password. */
  url: string;
  /** Stops the server, keeping its data (a server going down mid-conversation). */
  pause(): Promise<void>;
  /** Starts it again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findBinaries();
  // initdb and postgres refuse to run as root; run them as the `postgres` user Debian's package creates.
  const asUser = process.getuid?.() === 0 ? await postgresUser() : undefined;
  const root = await mkdtemp(join(tmpdir(), 'shenbao-pg-'));
  if (asUser) await chown(root, asUser.uid, asUser.gid);
  const data = join(root, 'data');
  const exec = (program: string, args: string[]) =>
    run(asUser ? 'runuser' : join(bin, program), asUser ? ['-u', 'postgres', '--', join(bin, program), ...args] : args, {
      cwd: root,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    });

  let started = false;
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Another process may take the port between probing and binding it: retry on a new one.
    for (let attempt = 1; !started; attempt++) {
      const port = await freePort();
      const serverOptions = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
      try {
        await exec('pg_ctl', ['-D', data, '-l', join(root, 'server.log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
        started = true;
        await exec('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'shenbao']);
        return {
          url: `postgresql://postgres@127.0.0.1:${port}/shenbao`,
          pause: async () => void (await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])),
          resume: async () => void (await exec('pg_ctl', ['-D', data, '-l', join(root, 'server.log'), '-o', serverOptions, '-w', '-t', '60', 'start'])),
          stop: async () => {
            await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
            await rm(root, { recursive: true, force: true });
          },
        };
      } catch (error) {
        if (started || attempt >= 3) throw error;
      }
    }
    throw new Error('unreachable');
  } catch (error) {
    if (started) await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb. */
function findBinaries(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`PostgreSQL server binaries not found under ${base}. Install them with: apt-get install -y postgresql`);
  }
  return join(base, versions[0]!, 'bin');
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    throw new Error('Running as root needs the `postgres` user, which apt-get install -y postgresql creates.');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let created = 0;

/** A new, empty database on a test server, so tests sharing one server do not see each other's rows; returns its URL. */
export async function createDatabase(server: TestPostgres, prefix = 'db'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++created}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}
