/**
 * An ordinary answer against a raw single-row write, side by side in one run, on both backends:
 *
 *   turn   — one operator message that saves one answer and moves on, handled and committed with its reply in the
 *            outbox (Router.handle); beside it the delivery of that reply by the outbox sender, and both together,
 *            alternating with “返回” as bench/message-roundtrip.ts does so that every answer
 *            is written again (values alternate 120/121 so it always changes)
 *   back   — the “返回” in between (reported, not judged)
 *   raw    — one autocommit INSERT of a row of similar size (BENCH_ROW_BYTES, default 500 bytes of JSON) with the same
 *            driver against the same place: PostgreSQL, a `pg` client on the same server and database; PGlite, a PGlite
 *            instance on a folder on disk opened as the product opens one (durable: fsync at every commit)
 *
 * Backends (BENCH_BACKENDS, default all three):
 *   pglite            the product's default, a PGlite folder in the temp dir
 *   postgres          startPostgres()'s cluster restarted with fsync on, so the raw write is durable (judged)
 *   postgres-nofsync  startPostgres()'s cluster as it comes (fsync=off: nothing is flushed; reported, not judged)
 *
 * Each round interleaves answer, back and raw, OPS times; a round's figure is its median; the report gives the median
 * of the rounds and their min–max. Wall time and process CPU time (user + system) per operation; with PostgreSQL the
 * server's CPU is in another process and not counted. Targets: turn ÷ raw (wall) ≤ 2× on PostgreSQL, ≤ 4× on PGlite.
 *
 *   npm run bench:turn            BENCH_ROUNDS=5 BENCH_OPS=40 BENCH_WARMUP=20 BENCH_BACKENDS=pglite,postgres
 */
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { getFlow } from '../src/flow/loader.ts';
import { openEmbeddedDatabase } from '../src/store/pglite.ts';
import { openChat, SECTION_ONE, type ChatHarness } from '../test/support/chat.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { intEnv, median, printVerdicts, row, spread, tempDir, timed, machineLine, type Sample, type Verdict } from './support.ts';

const ROUNDS = intEnv('BENCH_ROUNDS', 5);
const OPS = intEnv('BENCH_OPS', 40);
const WARMUP = intEnv('BENCH_WARMUP', 20);
const ROW_BYTES = intEnv('BENCH_ROW_BYTES', 500);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'pglite,postgres,postgres-nofsync').split(',').map((b) => b.trim()).filter(Boolean);
const TARGET: Record<string, number> = { pglite: 4, postgres: 2, 'postgres-nofsync': 2 };
const LABEL: Record<string, string> = {
  pglite: 'PGlite (folder on disk)',
  postgres: 'PostgreSQL, durable (startPostgres restarted with fsync=on)',
  'postgres-nofsync': 'PostgreSQL, fsync=off (startPostgres as it comes; not judged)',
};

/** The answered question: 【一】8 单位从业人数 of the Beijing base flow, reached by answering what comes before it. */
const ANSWER_AT = SECTION_ONE.indexOf('120');
const ANSWERS = ['120', '121'];

const CREATE_RAW = 'CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, key text NOT NULL, chat text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())';
const INSERT_RAW = 'INSERT INTO bench_raw (key, chat, payload) VALUES ($1, $2, $3)';

interface RawWriter { insert(): Promise<unknown>; close(): Promise<void> }

/** A JSON document of about ROW_BYTES bytes, different each time (like a reply or a snapshot). */
function payload(i: number): string {
  const doc = { i, text: '', at: new Date().toISOString() };
  const base = JSON.stringify(doc).length;
  doc.text = `申报${i}`.padEnd(Math.max(0, ROW_BYTES - base), 'x');
  return JSON.stringify(doc);
}

let rawCounter = 0;
const rawParams = () => [`raw-${process.pid}-${++rawCounter}`, 'operator-1', payload(rawCounter)];

/** A durable raw write on PGlite: opened as the product opens it (fsync at every commit, unless SHENBAO_EMBEDDED_FSYNC=off). */
async function pgliteRaw(): Promise<RawWriter> {
  const dir = tempDir('shenbao-bench-raw-');
  const embedded = await openEmbeddedDatabase(join(dir.path, 'db'));
  const db = embedded.client;
  await db.exec(CREATE_RAW);
  return {
    insert: () => db.query(INSERT_RAW, rawParams()),
    close: async () => {
      await embedded.close();
      dir.remove();
    },
  };
}

async function postgresRaw(url: string): Promise<RawWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(CREATE_RAW);
  return { insert: () => client.query(INSERT_RAW, rawParams()), close: () => client.end() };
}

/**
 * startPostgres() runs its cluster with fsync=off (and full_page_writes=off) on the command line, where no SQL can
 * change them: restart it with the same port and socket folder but the server's defaults, so commits are flushed.
 * Everything needed is read from the server itself.
 */
async function makeDurable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const show = async (name: string) => String((await client.query(`SHOW ${name}`)).rows[0][name]);
  const [data, port, socket, version] = [await show('data_directory'), await show('port'), await show('unix_socket_directories'), await show('server_version_num')];
  await client.end();
  const pgCtl = `/usr/lib/postgresql/${Math.floor(Number(version) / 10000)}/bin/pg_ctl`;
  const args = ['-D', data, '-l', `${socket}/server.log`, '-o', `-p ${port} -k ${socket} -c listen_addresses=127.0.0.1`, '-w', '-t', '60', '-m', 'fast', 'restart'];
  const asRoot = process.getuid?.() === 0;
  await promisify(execFile)(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' } });
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  const fsync = (await check.query('SHOW fsync')).rows[0].fsync;
  await check.end();
  if (fsync !== 'on') throw new Error(`could not turn fsync on (still ${fsync})`);
}

async function openSection(chat: ChatHarness): Promise<void> {
  await chat.say('/start');
  const confirmed = await chat.say('首冶新元');
  if (!confirmed.includes('已确认')) throw new Error(`organisation not confirmed:\n${confirmed}`);
  for (const text of SECTION_ONE.slice(0, ANSWER_AT)) await chat.say(text);
}

interface Round { turn: Sample[]; delivery: Sample[]; answer: Sample[]; back: Sample[]; raw: Sample[] }

async function measure(chat: ChatHarness, raw: RawWriter): Promise<Round[]> {
  let n = 0;
  const one = async (round: Round | null) => {
    // The turn: the message handled and committed, its reply in the outbox. Then the sender delivers it.
    const text = ANSWERS[n++ % 2]!;
    const turn = await timed(() => chat.router.handle({ channel: 'test', chatId: 'operator-1', userId: 'operator-1', text, idempotencyKey: `bench-${process.pid}-${n}` }));
    const delivery = await timed(() => chat.deliver());
    const answer = { sample: { wall: turn.sample.wall + delivery.sample.wall, cpu: turn.sample.cpu + delivery.sample.cpu } };
    const back = await timed(() => chat.say('返回'));
    const write = await timed(() => raw.insert());
    if (round) {
      round.turn.push(turn.sample);
      round.delivery.push(delivery.sample);
      round.answer.push(answer.sample);
      round.back.push(back.sample);
      round.raw.push(write.sample);
    } else if (n === 1 && !back.value.includes('当前答案')) {
      console.log(`  warning: “返回” did not go back to the answered question; reply was:\n${back.value}`);
    }
  };
  for (let i = 0; i < WARMUP; i++) await one(null);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round: Round = { turn: [], delivery: [], answer: [], back: [], raw: [] };
    for (let i = 0; i < OPS; i++) await one(round);
    rounds.push(round);
  }
  return rounds;
}

interface Result { backend: string; rounds: Round[] }

/** Opens the section, measures, and closes both the chat and the raw writer whatever happens. */
async function measureWith(backend: string, chat: ChatHarness, raw: RawWriter): Promise<Result> {
  try {
    await openSection(chat);
    return { backend, rounds: await measure(chat, raw) };
  } finally {
    await raw.close();
    await chat.close();
  }
}

async function runBackend(backend: string): Promise<Result> {
  const flows = [getFlow('beijing-base-2023')];
  if (backend === 'pglite') {
    const dir = tempDir('shenbao-bench-turn-');
    try {
      return await measureWith(backend, await openChat({ dataDir: dir.path, flows }), await pgliteRaw());
    } finally {
      dir.remove();
    }
  }
  if (backend === 'postgres' || backend === 'postgres-nofsync') {
    const server = await startPostgres();
    try {
      if (backend === 'postgres') await makeDurable(server.url);
      return await measureWith(backend, await openChat({ databaseUrl: server.url, flows }), await postgresRaw(server.url));
    } finally {
      await server.stop();
    }
  }
  throw new Error(`unknown backend ${backend} (pglite, postgres, postgres-nofsync)`);
}

const perRound = (rounds: Round[], kind: keyof Round, of: keyof Sample) => rounds.map((r) => median(r[kind].map((s) => s[of])));

console.log(`turn vs raw write — ${ROUNDS} rounds × ${OPS} operations (after ${WARMUP} warm-up), raw row ≈ ${ROW_BYTES} bytes of JSON`);
console.log('figures: median of the rounds\' medians [min–max over rounds]');
console.log(machineLine());
const verdicts: Verdict[] = [];
for (const backend of BACKENDS) {
  const started = Date.now();
  const { rounds } = await runBackend(backend);
  const target = TARGET[backend]!;
  const label = LABEL[backend] ?? backend;
  console.log('');
  console.log(`${label}   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const widths = [22, 24, 24];
  console.log(row(['', 'wall', 'CPU (this process)'], widths));
  for (const kind of ['turn', 'delivery', 'answer', 'back', 'raw'] as const) {
    const name = { turn: 'answer: turn', delivery: 'answer: delivery', answer: 'answer: both', back: '“返回” (say)', raw: 'raw INSERT' }[kind];
    console.log(row([name, spread(perRound(rounds, kind, 'wall'), 3), spread(perRound(rounds, kind, 'cpu'), 3)], widths));
  }
  const ratio = (kind: keyof Round, of: keyof Sample) => rounds.map((r) => median(r[kind].map((s) => s[of])) / median(r.raw.map((s) => s[of])));
  const wallRatio = ratio('turn', 'wall');
  const cpuRatio = ratio('turn', 'cpu');
  console.log(row(['turn ÷ raw', spread(wallRatio, 1, '×'), spread(cpuRatio, 1, '×')], widths) + `   target (wall) ≤ ${target}×`);
  console.log(row(['turn+delivery ÷ raw', spread(ratio('answer', 'wall'), 1, '×'), spread(ratio('answer', 'cpu'), 1, '×')], widths) + '   (not judged: delivery is the sender’s, after the commit)');
  if (backend === 'postgres-nofsync') continue;
  verdicts.push({
    name: `${backend}: turn ÷ raw write, wall`,
    figure: `${median(wallRatio).toFixed(1)}×`,
    target: `≤ ${target}×`,
    pass: median(wallRatio) <= target,
  });
}
if (BACKENDS.some((b) => b.startsWith('postgres'))) {
  console.log('');
  console.log('note: with PostgreSQL, CPU counts this process only (the server\'s work is in its own processes).');
}
printVerdicts(verdicts);
