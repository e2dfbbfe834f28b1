/**
 * Start-up to the first reply, the way an operator starts Shenbao: `node bin/shenbao.js chat` with piped stdin,
 * timed from spawn until the first reply line (the answer to /start) appears on stdout; peak resident memory is the
 * child's VmHWM (/proc/<pid>/status) read at that moment. Two cases, each a median over BENCH_REPEATS (default 5)
 * runs: an existing embedded database, and a fresh one (a new folder every run). Each figure is printed beside its
 * target and beside the figure measured on the code before the start-up work.
 * Then the cost of durability: the median time of a one-row commit through Prisma on the embedded database with
 * fsync at every commit (the default) and without (SHENBAO_EMBEDDED_FSYNC=off).
 *
 *   npx tsx bench/startup.ts            (BENCH_REPEATS=3 for a quicker run)
 *   BENCH_ROOT=/path/to/other/checkout npx tsx bench/startup.ts    (measures that checkout's bin/shenbao.js instead)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { currentBuild } from '../scripts/build-freshness.js';

const ROOT = process.env.BENCH_ROOT || fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'shenbao.js');
const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS ?? 5));

// A source edited since the last build makes bin/shenbao.js run the TypeScript through tsx: say so, the figures differ.
if (!currentBuild(ROOT)) {
  console.log('warning: dist/cli.js is missing or older than src/ — these figures are for running the sources through tsx; run `npm run build` first');
}

/**
 * Measured with this benchmark on commit 2a09aab (before this work: tsx at every start, schema engine at every start,
 * PGlite's initdb for a new database, 128 MB shared buffers), 5 repeats, on the 2-core development machine while idle.
 */
const BEFORE = { existingMs: 1580, freshMs: 4146, existingMiB: 480, freshMiB: 935 };
const TARGET = { existingMs: 2000, freshMs: 3000, rssMiB: 250 };

interface Run {
  ms: number;
  /** Peak resident set size so far, MiB. */
  peakMiB: number;
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

function startOnce(dataDir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'chat', '--user', 'bench'], {
      cwd: ROOT,
      env: { ...process.env, SHENBAO_DATA_DIR: dataDir, DATABASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let result: Run | undefined;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (result || !out.includes('\n')) return;
      result = { ms: performance.now() - started, peakMiB: peakRss(child.pid!) };
      // End of input: the console channel closes the database and exits.
      child.stdin.end();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`shenbao exited with ${code} before/after its first reply:\n${out}\n${err}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, dataDir: () => string): Promise<{ ms: number; peakMiB: number }> {
  const runs: Run[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const run = await startOnce(dataDir());
    runs.push(run);
    process.stderr.write(`  ${label} #${i + 1}: ${run.ms.toFixed(0)} ms, ${run.peakMiB.toFixed(0)} MiB\n`);
  }
  return { ms: median(runs.map((r) => r.ms)), peakMiB: median(runs.map((r) => r.peakMiB)) };
}

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-bench-startup-'));
try {
  const existingDir = join(tmp, 'existing');
  await startOnce(existingDir); // creates and migrates it; also warms the file cache
  const existing = await measure('existing', () => existingDir);
  let n = 0;
  const fresh = await measure('fresh', () => join(tmp, `fresh-${++n}`));

  const row = (name: string, value: number, unit: string, target: number, before: number) => {
    const ok = value <= target ? 'ok  ' : 'MISS';
    const was = before ? `(before: ${before.toFixed(0)} ${unit})` : '';
    console.log(`${name.padEnd(34)} ${value.toFixed(0).padStart(6)} ${unit.padEnd(3)}  target ≤ ${String(target).padStart(4)} ${unit.padEnd(3)} ${ok} ${was}`);
  };
  console.log(`median of ${REPEATS} runs of ${BIN}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  row('first reply, existing database', existing.ms, 'ms', TARGET.existingMs, BEFORE.existingMs);
  row('first reply, fresh database', fresh.ms, 'ms', TARGET.freshMs, BEFORE.freshMs);
  row('peak RSS, existing database', existing.peakMiB, 'MiB', TARGET.rssMiB, BEFORE.existingMiB);
  row('peak RSS, fresh database', fresh.peakMiB, 'MiB', TARGET.rssMiB, BEFORE.freshMiB);

  const commits = Number(process.env.BENCH_COMMITS ?? 300);
  await commitCost(join(tmp, 'warm-up'), 'off', 50); // JIT warm-up, so that neither measured run gets it
  const on = await commitCost(join(tmp, 'fsync-on'), 'on', commits);
  const off = await commitCost(join(tmp, 'fsync-off'), 'off', commits);
  console.log(`commit, fsync on (default)          ${on.toFixed(2).padStart(6)} ms  median of ${commits} one-row UPDATEs through Prisma`);
  console.log(`commit, SHENBAO_EMBEDDED_FSYNC=off  ${off.toFixed(2).padStart(6)} ms  → durability costs ${(on - off).toFixed(2)} ms per commit`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

async function commitCost(dataDir: string, fsync: 'on' | 'off', rounds: number): Promise<number> {
  process.env.SHENBAO_EMBEDDED_FSYNC = fsync; // read when the database opens
  const { openDatabase } = await import('../src/store/database.ts');
  const db = await openDatabase({ dataDir });
  try {
    const organisation = await db.prisma.organisation.create({ data: { flowId: 'bench', seq: 1, unitName: '基准测试单位' } });
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      await db.prisma.organisation.update({ where: { id: organisation.id }, data: { name: `第${i}次` } });
      times.push(performance.now() - t);
    }
    return median(times);
  } finally {
    await db.close();
  }
}
