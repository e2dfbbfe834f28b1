import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase, DatabaseBusyError } from '../../src/store/pglite.ts';
import { spawnCli } from '../support/cli-process.ts';

/**
 * The embedded database's lock: a live owner is respected; a lock whose owner is gone is taken over whatever pid it
 * names (a container's node runs as pid 1 on every start, and pids are reused); the lock goes away on SIGTERM.
 */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-lock-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const started = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
let n = 0;
const folder = () => join(tmp, `db-${++n}`);

async function opens(dir: string) {
  const db = await openEmbeddedDatabase(dir);
  await db.close();
  return !existsSync(`${dir}.lock`);
}

describe('the embedded database lock', () => {
  it('takes over a lock written by an earlier process that had this pid, in either format', async () => {
    const a = folder();
    writeFileSync(`${a}.lock`, `${process.pid}@${hostname()}@${boot}@1`);
    expect(await opens(a)).toBe(true);
    const b = folder();
    writeFileSync(`${b}.lock`, `${process.pid}@${hostname()}`);
    expect(await opens(b)).toBe(true);
  });

  it('takes over a lock from before a reboot or from a process whose pid is now another’s', async () => {
    const a = folder();
    writeFileSync(`${a}.lock`, `1@${hostname()}@another-boot@5`);
    expect(await opens(a)).toBe(true);
    const b = folder();
    writeFileSync(`${b}.lock`, `1@${hostname()}@${boot}@${Number(started(1)) + 1}`);
    expect(await opens(b)).toBe(true);
  });

  it('refuses while the process that wrote the lock is alive', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const dir = folder();
      writeFileSync(`${dir}.lock`, `${child.pid}@${hostname()}@${boot}@${started(child.pid!)}`);
      await expect(openEmbeddedDatabase(dir)).rejects.toBeInstanceOf(DatabaseBusyError);
    } finally {
      child.kill();
    }
  });

  it('is released when the process is stopped with SIGTERM', async () => {
    const dir = folder();
    const cli = spawnCli(['chat'], { SHENBAO_DATA_DIR: dir });
    await cli.waitFor(/请先发送贵单位名称/, 0, 60_000);
    expect(existsSync(`${dir}.lock`)).toBe(true);
    cli.child.kill('SIGTERM');
    await cli.exited;
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
