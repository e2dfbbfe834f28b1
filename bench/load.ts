/**
 * Sustained answers per second on PostgreSQL with many operators at once: each simulated operator is a user of its
 * own organisation filling its own declaration (a generated flow, one section of 300 integer questions, a directory of
 * ≥ 200 organisations) and sends its next answer as soon as it has the reply to the previous one.
 *
 * Two cases side by side on the same server (startPostgres(), a fresh database each):
 *   1 process    one child process runs every operator
 *   2 processes  two child processes run half of the operators each
 * The parent only coordinates: it migrates the database, starts the children, which open their operators' declarations
 * (/start, organisation) and say when they are ready, then gives one start time to all; after a warm-up every
 * child records each answer's completion time and latency for a fixed duration and prints them as JSON. The duration
 * is cut into windows (the repeats): answers/s is given as the median of the windows [min–max], the latencies over
 * the whole duration (p50, p99) and per window [min–max of the windows' p99]. The machine's CPU use over the
 * duration (all processes, /proc/stat) is printed too: client and server share the same cores.
 * Targets: ≥ 300 answers/s with p99 < 200 ms.
 *
 * Each case runs twice: "as fast as replied" (closed loop: every operator sends the moment it has its reply, which
 * measures capacity; by Little's law its latency is operators ÷ throughput, 200 ÷ 300/s ≈ 0.67 s, so it can never meet
 * the latency target) and "at 300/s offered" (open loop: the operators between them send 300 answers a second on a
 * schedule, each latency counted from the scheduled moment, so falling behind shows as latency — the target's case).
 *
 *   npm run bench:load            BENCH_OPERATORS=200 BENCH_WARMUP_S=5 BENCH_DURATION_S=20 BENCH_WINDOWS=4 BENCH_PROCESSES=1,2
 *                                 BENCH_RATES=max,300   (max: closed loop; a number: answers/s offered in all)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadFlow } from '../src/flow/loader.ts';
import { openChat } from '../test/support/chat.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { orgName, writeLongForm } from './fixtures/long-form.ts';
import { intEnv, machineLine, median, percentile, PROGRAM_NODE_FLAGS, printVerdicts, row, tempDir, type Verdict } from './support.ts';

const OPERATORS = intEnv('BENCH_OPERATORS', 200);
const WARMUP_S = intEnv('BENCH_WARMUP_S', 5);
const DURATION_S = intEnv('BENCH_DURATION_S', 20);
const WINDOWS = intEnv('BENCH_WINDOWS', 4);
const PROCESSES = (process.env.BENCH_PROCESSES ?? '1,2').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const QUESTIONS = 300;
const TARGET_RATE = 300;
const TARGET_P99 = 200;
const MARK = '@@bench ';

const RATES = (process.env.BENCH_RATES ?? 'max,300').split(',').map((r) => (r === 'max' ? 0 : Number(r))).filter((r) => Number.isFinite(r) && r >= 0);

/** rate: answers/s offered by all operators together (0: each sends as soon as replied). */
interface ChildConfig { url: string; flowDir: string; operators: number[]; warmupS: number; durationS: number; rate: number; total: number }
/** One answer: when it completed (ms after the start time) and how long it took (ms). */
type Done = [at: number, latency: number];
/** cpuShare: the child's CPU time over the measured duration ÷ that duration (1 = one core). */
interface ChildResult { done: Done[]; errors: number; unexpected: number; firstError?: string; cpuShare: number; setupS: number }

// ---------------------------------------------------------------------------------------------------------------
// Child: runs its operators against the database.

async function child(config: ChildConfig): Promise<void> {
  const send = (message: object) => process.stdout.write(MARK + JSON.stringify(message) + '\n');
  const flow = loadFlow(config.flowDir);
  const chat = await openChat({ databaseUrl: config.url, flows: [flow] });
  const setupStarted = Date.now();
  await Promise.all(
    config.operators.map(async (i) => {
      const user = `operator-${i}`;
      await chat.say('/start', { user });
      const confirmed = await chat.say(orgName(i), { user });
      if (!confirmed.includes('已确认')) throw new Error(`operator ${i}: organisation not confirmed:\n${confirmed}`);
    }),
  );
  const setupS = (Date.now() - setupStarted) / 1000;
  send({ ready: true });

  const start = await new Promise<number>((resolve) => {
    const input = createInterface({ input: process.stdin });
    input.once('line', (line) => {
      input.close();
      process.stdin.destroy();
      resolve(Number(line.trim()));
    });
  });
  const measureFrom = start + config.warmupS * 1000;
  const end = measureFrom + config.durationS * 1000;
  while (Date.now() < start) await new Promise((r) => setTimeout(r, Math.max(1, start - Date.now())));

  const done: Done[] = [];
  let errors = 0;
  let unexpected = 0;
  let firstError: string | undefined;
  let cpuAtMeasure: NodeJS.CpuUsage | undefined;
  let cpuFrom = measureFrom;
  const cpuTimer = setTimeout(() => {
    cpuAtMeasure = process.cpuUsage();
    cpuFrom = Date.now();
  }, Math.max(0, measureFrom - Date.now()));
  await Promise.all(
    config.operators.map(async (i) => {
      const user = `operator-${i}`;
      // Open loop: operator i's answers are due every `interval` ms, the operators evenly staggered.
      const interval = config.rate > 0 ? (config.total / config.rate) * 1000 : 0;
      let due = start + (interval * (i % config.total)) / config.total;
      for (let q = 1; q < QUESTIONS && Date.now() < end; q++) {
        if (interval) {
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          due += interval;
        }
        // Counted from when it was due (open loop), so a backlog shows as latency rather than as fewer answers.
        const t0 = interval ? due - interval : Date.now();
        const sent = performance.now() - (Date.now() - t0);
        try {
          const reply = await chat.say(String(100 + q), { user });
          const latency = performance.now() - sent;
          if (!reply.includes(`第 ${q + 1}/${QUESTIONS} 题`)) {
            unexpected++;
            firstError ??= `operator ${i}, answer ${q}: unexpected reply: ${reply.slice(0, 160)}`;
          }
          const at = t0 + latency - start;
          if (t0 + latency >= measureFrom && t0 + latency < end) done.push([Math.round(at * 10) / 10, Math.round(latency * 100) / 100]);
        } catch (error) {
          errors++;
          firstError ??= `operator ${i}, answer ${q}: ${(error as Error).message}`;
        }
      }
    }),
  );
  clearTimeout(cpuTimer);
  const cpu = process.cpuUsage(cpuAtMeasure);
  const cpuShare = (cpu.user + cpu.system) / 1000 / Math.max(1, Date.now() - cpuFrom);
  await chat.close();
  process.stdout.write(MARK + JSON.stringify({ result: { done, errors, unexpected, firstError, cpuShare, setupS } satisfies ChildResult }) + '\n', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: the server, the databases, the children, the report.

interface Running { process: ChildProcess; ready: Promise<void>; result: Promise<ChildResult> }

function startChild(config: ChildConfig): Running {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [...process.execArgv, ...PROGRAM_NODE_FLAGS, script, '--child', JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let onReady!: () => void;
  let onResult!: (r: ChildResult) => void;
  let failReady!: (e: Error) => void;
  let failResult!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (failReady = reject)));
  const result = new Promise<ChildResult>((resolve, reject) => ((onResult = resolve), (failResult = reject)));
  ready.catch(() => undefined);
  result.catch(() => undefined);
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (!line.startsWith(MARK)) return void process.stderr.write(`[child ${proc.pid}] ${line}\n`);
    const message = JSON.parse(line.slice(MARK.length)) as { ready?: boolean; result?: ChildResult };
    if (message.ready) onReady();
    if (message.result) onResult(message.result);
  });
  proc.on('exit', (code) => {
    const error = new Error(`child ${proc.pid} exited with code ${code} before reporting`);
    failReady(error);
    failResult(error);
  });
  return { process: proc, ready, result };
}

/** Busy and total jiffies of all cores, from /proc/stat (undefined where there is none). */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

interface CaseResult { processes: number; rate: number; children: ChildResult[]; machineBusy?: number }

async function runCase(adminUrl: string, flowDir: string, processes: number, rate: number): Promise<CaseResult> {
  const name = `load_${processes}p_${rate || 'max'}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  // Migrate once here, so that the children do not race to do it.
  const migrated = await openChat({ databaseUrl: url, flows: [loadFlow(flowDir)] });
  await migrated.close();

  const all = Array.from({ length: OPERATORS }, (_, k) => k + 1);
  const children = Array.from({ length: processes }, (_, c) =>
    startChild({ url, flowDir, operators: all.filter((i) => i % processes === c), warmupS: WARMUP_S, durationS: DURATION_S, rate, total: OPERATORS }),
  );
  try {
    await Promise.all(children.map((c) => c.ready));
    const start = Date.now() + 300;
    for (const c of children) c.process.stdin!.write(`${start}\n`);
    // The machine's CPU over the measured duration.
    await new Promise((r) => setTimeout(r, start + WARMUP_S * 1000 - Date.now()));
    const before = cpuTimes();
    await new Promise((r) => setTimeout(r, DURATION_S * 1000));
    const after = cpuTimes();
    const results = await Promise.all(children.map((c) => c.result));
    const machineBusy = before && after ? (after.busy - before.busy) / (after.total - before.total) : undefined;
    return { processes, rate, children: results, machineBusy };
  } finally {
    for (const c of children) if (c.process.exitCode === null) c.process.kill();
  }
}

async function parent(): Promise<void> {
  const directory = Math.max(200, OPERATORS);
  console.log(`load — ${OPERATORS} operators, each its own organisation and declaration (directory of ${directory}); offered: ${RATES.map((r) => (r ? `${r}/s` : 'as fast as replied')).join(', ')}`);
  console.log(`PostgreSQL (startPostgres), ${WARMUP_S} s warm-up then ${DURATION_S} s measured in ${WINDOWS} windows; cases: ${PROCESSES.map((p) => `${p} process${p > 1 ? 'es' : ''}`).join(', ')}`);
  console.log(machineLine());
  const flowDir = tempDir('shenbao-bench-load-flow-');
  writeLongForm(flowDir.path, { id: 'load-form', questions: QUESTIONS, organisations: directory, programme: '负载压测' });
  const server = await startPostgres();
  const cases: CaseResult[] = [];
  try {
    for (const processes of PROCESSES) {
      for (const rate of RATES) {
        const started = Date.now();
        const result = await runCase(server.url, flowDir.path, processes, rate);
        cases.push(result);
        console.log(`  ${caseLabel(result)}: done in ${((Date.now() - started) / 1000).toFixed(1)} s (opening the declarations took ${result.children.map((c) => c.setupS.toFixed(1)).join(' / ')} s)`);
      }
    }
  } finally {
    await server.stop();
    flowDir.remove();
  }

  const windowMs = (DURATION_S * 1000) / WINDOWS;
  const from = WARMUP_S * 1000;
  const verdicts: Verdict[] = [];
  console.log('');
  const widths = [24, 22, 10, 10, 22, 8, 11, 14];
  console.log(row(['', 'answers/s', 'p50', 'p99', 'p99 per window', 'errors', 'CPU/child', 'machine busy'], widths));
  for (const c of cases) {
    const done = c.children.flatMap((r) => r.done);
    const latencies = done.map(([, l]) => l);
    const windows = Array.from({ length: WINDOWS }, (_, w) => done.filter(([at]) => at >= from + w * windowMs && at < from + (w + 1) * windowMs));
    const rates = windows.map((w) => w.length / (windowMs / 1000));
    const p99s = windows.map((w) => percentile(w.map(([, l]) => l), 99));
    const rate = median(rates);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const errors = c.children.reduce((n, r) => n + r.errors + r.unexpected, 0);
    const label = caseLabel(c);
    console.log(
      row(
        [
          label,
          `${rate.toFixed(1)} [${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)}]`,
          `${p50.toFixed(0)} ms`,
          `${p99.toFixed(0)} ms`,
          `${Math.min(...p99s).toFixed(0)}–${Math.max(...p99s).toFixed(0)} ms`,
          String(errors),
          c.children.map((r) => `${(r.cpuShare * 100).toFixed(0)}%`).join('/'),
          c.machineBusy === undefined ? '?' : `${(c.machineBusy * 100).toFixed(0)}%`,
        ],
        widths,
      ),
    );
    for (const r of c.children) if (r.firstError) console.log(`    first problem: ${r.firstError}`);
    verdicts.push({ name: `${label}: answers/s`, figure: rate.toFixed(1), target: `≥ ${TARGET_RATE}/s`, pass: rate >= TARGET_RATE });
    // The latency target is judged where it can be met: at the offered rate, not in the closed loop (see the top).
    if (c.rate > 0) verdicts.push({ name: `${label}: p99 latency`, figure: `${p99.toFixed(0)} ms`, target: `< ${TARGET_P99} ms`, pass: p99 < TARGET_P99 });
  }
  console.log(`targets: ≥ ${TARGET_RATE} answers/s, p99 < ${TARGET_P99} ms (CPU/child: a child's CPU time ÷ the duration; 100% is one core)`);
  printVerdicts(verdicts);
}

function caseLabel(c: { processes: number; rate: number }): string {
  return `${c.processes} process${c.processes > 1 ? 'es' : ''}, ${c.rate ? `${c.rate}/s offered` : 'max'}`;
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]!) as ChildConfig);
} else {
  await parent();
}
