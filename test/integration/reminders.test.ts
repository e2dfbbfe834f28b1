import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { addPerson, addScope, createInvitation, ensureOrganisation, redeemInvitation } from '../../src/store/people-store.ts';
import { organisationOf } from '../../src/bot/onboarding.ts';
import { createCampaign } from '../../src/store/campaign-store.ts';
import { addReviewEvent } from '../../src/store/review-store.ts';
import { SECTION_ONE } from '../support/chat.ts';

/**
 * Reminders with a fake clock, sent by two real processes on one PostgreSQL: a campaign's reminders go out on the
 * right days, never in quiet hours (21:00–08:00), each once — though one process is killed (kill -9) while it holds
 * reminders it claimed, and both are down for a night and for two days. Only the clock is fake: each process reads it
 * from a file the test moves forward, and prints each moment it has worked through.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = 'test/support/reminder-process.ts';
const loaded = getFlow('beijing-base-2023');
const entry = (seq: number) => loaded.directory.find((e) => e.seq === seq)!;
/** 海淀区 ×3 (the coordinator's district) and 昌平区 ×1. */
const A = entry(7); // bound by an invitation code, never started
const B = entry(15); // started: a few answers
const C = entry(26); // on Feishu; submitted for review five days before the deadline
const D = entry(1); // nobody bound, outside the coordinator's district
const DEADLINE = '2026-12-20';
const day = (offset: number) => new Date(Date.parse(`${DEADLINE}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);
const at = (offset: number, time: string) => new Date(`${day(offset)}T${time}:00+08:00`);

let server: TestPostgres;
let db: Database;
let url: string;
let dir: string;
let clockFile: string;
const processes: { child: ChildProcess; out: () => string }[] = [];

function startProcess(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, clockFile], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const p = { child, out: () => out };
  processes.push(p);
  return p;
}

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await test()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; processes said:\n${processes.map((p) => p.out().slice(-600)).join('\n---\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const live = () => processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
const lastTick = (p: { out: () => string }) => [...p.out().matchAll(/^tick (\S+)$/gm)].at(-1)?.[1] ?? '';

/** Moves the clock and waits until every live process has worked through that moment. */
async function moveTo(moment: Date): Promise<void> {
  writeFileSync(clockFile, moment.toISOString());
  await until(`a tick at ${moment.toISOString()}`, () => live().every((p) => lastTick(p) >= moment.toISOString()));
}

async function kill(p: { child: ChildProcess }): Promise<void> {
  p.child.kill('SIGKILL');
  await new Promise((resolve) => (p.child.exitCode !== null || p.child.signalCode !== null ? resolve(null) : p.child.once('exit', resolve)));
}

interface Sent { chatId: string; text: string; sendKey: string }
const sent = async () =>
  (await db.sql.query<{ chatId: string; views: { text: string }[]; sendKey: string }>(`SELECT "chatId", "views", "sendKey" FROM "Outbox" WHERE "sendKey" IS NOT NULL ORDER BY "id"`)).map(
    (r): Sent => ({ chatId: r.chatId, text: r.views.map((v) => v.text).join('\n'), sendKey: r.sendKey }),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-reminders-'));
  clockFile = join(dir, 'clock');
  server = await startPostgres();
  url = await createDatabase(server, 'reminders');
  db = await openDatabase({ databaseUrl: url });
  const clock = at(15, '00:00');
  writeFileSync(clockFile, clock.toISOString());

  // People: a coordinator for 海淀区; A's operator bound by a code; B's and C's opened their declarations by name.
  const coordinator = await addPerson(db.sql, { channel: 'telegram', externalId: 'coord', name: '王协调', role: 'coordinator' });
  await addScope(db.sql, coordinator, { district: '海淀区' });
  const operatorA = await addPerson(db.sql, { channel: 'telegram', externalId: 'op-a', name: '甲', role: 'operator' });
  const orgA = await ensureOrganisation(db.sql, organisationOf({ loaded, entry: A }));
  const { code } = await createInvitation(db.sql, orgA, coordinator, 7, clock);
  expect(await redeemInvitation(db.sql, code, operatorA, clock)).toMatchObject({ ok: true });
  const router = new Router({ db, flows: [loaded], trusted: () => true, now: () => clock });
  let n = 0;
  const say = (channel: 'telegram' | 'feishu', user: string, text: string) => router.handle({ channel, chatId: user, userId: user, text, idempotencyKey: `seed-${++n}` });
  for (const text of [B.unit, ...SECTION_ONE.slice(0, 2)]) await say('telegram', 'op-b', text);
  await say('feishu', 'op-c', C.unit);
  // Seeding replied to the operators: those replies are not reminders (no send key) and are not counted.
  await createCampaign(db.sql, { flowId: loaded.flow.id, name: '北京基地2023年度绩效评价', deadline: DEADLINE, covers: { seqs: [A.seq, B.seq, C.seq, D.seq] }, feishuBudget: 1 });
}, 120_000);

afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await db?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('reminders with a fake clock and two processes', () => {
  it('go out on the right days, never in quiet hours, once each, across kill -9 and outages', async () => {
    // The first process stops inside its first claiming transaction, holding the first due reminder (the 9:00 digest).
    const first = startProcess({ SHENBAO_TEST_PAUSE_AT: 'reminder:1' });
    writeFileSync(clockFile, at(15, '09:00').toISOString());
    await until('the first process to pause mid-claim', () => first.out().includes('SHENBAO_TEST_PAUSED reminder:1'));
    // The second passes over the locked row (SKIP LOCKED): nothing is sent twice, nothing yet at all.
    let second = startProcess();
    await until('the second process to tick', () => lastTick(second) >= at(15, '09:00').toISOString());
    expect(await sent()).toHaveLength(0);
    // Killed mid-claim: its transaction rolls back, and the second process sends the digest.
    await kill(first);
    await until('the digest to be sent', async () => (await sent()).length === 1);
    let third = startProcess();
    /** Both processes down until `back`; then up again, their clock already there, and the tick seen through. */
    const outage = async (back: Date) => {
      await kill(second);
      await kill(third);
      writeFileSync(clockFile, back.toISOString());
      second = startProcess();
      third = startProcess();
      await moveTo(back);
    };

    const times = ['06:00', '09:00', '15:00', '22:00'];
    for (let offset = 15; offset >= 8; offset--) for (const time of times) await moveTo(at(offset, time));
    // A night's outage: down from 6:00 on the 7-days day, back at 22:00 (quiet: nothing), sent at 8:00 the next day.
    await moveTo(at(7, '06:00'));
    await outage(at(7, '22:00'));
    await moveTo(at(6, '06:00'));
    const beforeMorning = (await sent()).length;
    await moveTo(at(6, '08:00'));
    expect((await sent()).length).toBeGreaterThan(beforeMorning);
    for (const time of ['09:00', '15:00', '22:00']) await moveTo(at(6, time));
    for (const time of times) await moveTo(at(5, time));
    // C hands its declaration in for review: it is reminded no more.
    const [c] = await db.sql.query<{ id: string }>(`SELECT d."id" FROM "Declaration" d JOIN "Organisation" o ON o."id" = d."organisationId" WHERE o."seq" = $1`, [C.seq]);
    const [opC] = await db.sql.query<{ userId: string }>(`SELECT "userId" FROM "ChatIdentity" WHERE "externalId" = 'op-c'`);
    await addReviewEvent(db.sql, c.id, 'submitted', opC.userId);
    for (const time of times) await moveTo(at(4, time));
    await moveTo(at(3, '06:00'));
    // Two days' outage: the 3-days reminder and the 1-day one are both due when they are back; only the later goes.
    await outage(at(1, '10:00'));
    for (const time of ['15:00', '22:00']) await moveTo(at(1, time));
    for (const time of times) await moveTo(at(0, time));
    for (const time of times) await moveTo(at(-1, time));

    const messages = await sent();
    if (process.env.SHOW_REMINDERS) for (const m of messages) console.log(`--- ${m.chatId}\n${m.text}`);
    const to = (chat: string) => messages.filter((m) => m.chatId === chat);

    // Once each: no send key twice (Feishu's uuid would drop the repeat; the outbox must not even have it).
    expect(new Set(messages.map((m) => m.sendKey)).size).toBe(messages.length);
    const reminders = await db.sql.query<{ id: string; kind: string; subject: string; dueOn: string; status: string; outcome: string; sentAt: Date }>(
      `SELECT "id", "kind", "subject", "dueOn", "status", "outcome", "sentAt" FROM "Reminder" ORDER BY "dueOn", "kind", "subject"`,
    );
    for (const r of reminders.filter((r) => r.status === 'sent')) {
      const hour = (new Date(r.sentAt).getUTCHours() + 8) % 24;
      expect(hour >= 8 && hour < 21, `reminder ${r.kind} ${r.dueOn} sent at ${new Date(r.sentAt).toISOString()}`).toBe(true);
      expect(messages.filter((m) => m.sendKey.startsWith(`${r.id}-`)).length).toBeGreaterThan(0);
    }

    // The operators not done: 14 days before, the 7-days reminder the morning after the outage (8:00), the 1-day one
    // (the 3-days one superseded), and on the day.
    for (const chat of ['op-a', 'op-b']) {
      const texts = to(chat).map((m) => m.text);
      expect(texts.map((t) => t.match(/还有 (\d+) 天|明天|今天/)?.[0])).toEqual(['还有 14 天', '还有 6 天', '明天', '今天']);
    }
    expect(to('op-a')[0].text).toContain('目前还没有开始填报');
    expect(to('op-b')[0].text).toMatch(/还没完成的部分（0\/\d+ 已完成）：【一】基本情况/);
    // C on Feishu: its campaign's budget of one Feishu call covers the first reminder only.
    expect(to('op-c')).toHaveLength(1);
    expect(reminders.find((r) => r.subject === String(C.seq) && r.dueOn === day(7))?.outcome).toBe('over_feishu_budget');
    expect(reminders.filter((r) => r.subject === String(C.seq) && r.status === 'skipped' && r.dueOn >= day(1)).map((r) => r.outcome)).toEqual(['nothing_missing', 'nothing_missing']);
    // D: nobody to remind.
    expect(reminders.filter((r) => r.kind === 'deadline' && r.subject === String(D.seq)).map((r) => r.outcome)).toEqual(['nobody_bound', 'nobody_bound', 'superseded', 'nobody_bound', 'nobody_bound']);

    // The coordinator: one digest a day the assistant was up at 9:00 (a day's digest missed is not sent the next day).
    const digests = to('coord');
    expect(digests).toHaveLength(13);
    const last = digests.at(-1)!.text;
    expect(last).toContain('今天（12月20日）截止');
    expect(last).toContain(`${A.unit} — 未开始`);
    expect(last).toContain(`${B.unit} — 填报中`);
    expect(last).toContain('1 家待您审核');
    expect(last).not.toContain(C.unit);
    expect(last).not.toContain(D.unit);
  }, 240_000);
});
