/**
 * People and time at full scale: every organisation of the four programmes (405: 91 + 175 Beijing, 139 Hebei) in
 * mixed stages, one operator bound to each, a campaign per programme and coordinators by district. Measured in one
 * run on PGlite in memory:
 * - 进度汇总 for staff (every programme) and for a district's coordinator, and 导出全部 (the overview workbook): what a
 *   person waits for in the chat. Targets: ≤ 1 s and ≤ 2 s.
 * - The morning batch: every organisation's reminder and every coordinator's digest, claimed and written to the
 *   outbox by one process's tick. Target: ≤ 30 s for all of them (done long before anyone reads their messages),
 *   shown beside it per reminder against one answer's whole turn in the same database.
 *
 *   npx tsx bench/status.ts            BENCH_REPEATS=5
 */
import { getFlow } from '../src/flow/loader.ts';
import { addPerson, addScope } from '../src/store/people-store.ts';
import { createCampaign } from '../src/store/campaign-store.ts';
import { ReminderScheduler } from '../src/reminders/reminder-scheduler.ts';
import { reminderClockFromEnv } from '../src/reminders/reminder-clock.ts';
import { organisationOf } from '../src/bot/onboarding.ts';
import { openChat, SECTION_ONE } from '../test/support/chat.ts';
import { seedDeclarations, type SeedKind } from '../test/support/seeded-declarations.ts';
import { intEnv, median, printVerdicts, spread, timed } from './support.ts';

const REPEATS = intEnv('BENCH_REPEATS', 5);
const flows = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'].map((id) => getFlow(id));
const KINDS: SeedKind[] = ['none', 'opened', 'partial', 'ready', 'missing', 'failing', 'submitted', 'returned', 'confirmed'];
const now = new Date('2026-12-01T09:00:00+08:00');

async function setUp() {
  const chat = await openChat({ flows, trusted: false, now: () => now });
  const sql = chat.db.sql;
  const staff = await addPerson(sql, { channel: 'test', externalId: 'staff', name: '主管', role: 'staff' });
  const plans = flows.flatMap((loaded) => loaded.directory.map((entry, i) => ({ loaded, entry, kind: KINDS[i % KINDS.length] })));
  await seedDeclarations(sql, plans, { today: '2026-11-21', reviewerId: staff });
  // One operator per organisation, bound as an invitation would bind them.
  await sql.query(
    `WITH people AS (SELECT o."id" AS "organisationId", 'op-' || o."flowId" || '-' || o."seq" AS "name" FROM "Organisation" o)
     , users AS (INSERT INTO "User" ("id", "displayName", "role") SELECT p."name", p."name", 'operator' FROM people p RETURNING "id")
     , chats AS (INSERT INTO "ChatIdentity" ("id", "channel", "externalId", "userId", "chatId") SELECT u."id", 'test', u."id", u."id", u."id" FROM users u)
     INSERT INTO "Membership" ("userId", "organisationId") SELECT p."name", p."organisationId" FROM people p`,
  );
  const districts = [...new Set(flows.flatMap((loaded) => loaded.directory.map((entry) => organisationOf({ loaded, entry }).district ?? '')))].filter(Boolean);
  for (const district of districts) {
    const id = await addPerson(sql, { channel: 'test', externalId: `coord-${district}`, name: `${district}协调人`, role: 'coordinator' });
    await addScope(sql, id, { district });
  }
  for (const loaded of flows) await createCampaign(sql, { flowId: loaded.flow.id, name: `${loaded.flow.programme}${loaded.flow.year}年度`, deadline: '2026-12-15', schedule: [14] });
  return { chat, districts, organisations: plans.length };
}

const { chat, districts, organisations } = await setUp();
const samples = { staff: [] as number[], coordinator: [] as number[], exportAll: [] as number[] };
for (let i = 0; i < REPEATS + 1; i++) {
  const staff = await timed(() => chat.say('进度汇总', { user: 'staff' }));
  const coordinator = await timed(() => chat.say('进度汇总', { user: 'coord-海淀区' }));
  const exportAll = await timed(() => chat.views('导出全部', { user: 'staff' }));
  if (i === 0) continue; // the first of each warms the JIT and the statement cache
  samples.staff.push(staff.sample.wall);
  samples.coordinator.push(coordinator.sample.wall);
  samples.exportAll.push(exportAll.sample.wall);
}

// An answer's whole turn in the same database, for scale.
const answer: number[] = [];
await chat.say('/start', { user: 'bench-operator' });
const unit = flows[0].directory.find((e) => e.seq === 1)!.unit;
const trusted = await openChat({ flows: [flows[0]], now: () => now });
await trusted.say(unit);
for (const text of SECTION_ONE.slice(0, 12)) answer.push((await timed(() => trusted.say(text))).sample.wall);
await trusted.close();

// The morning of 12月1日: 14 days before the deadline, every organisation's reminder and every coordinator's digest.
const scheduler = new ReminderScheduler({ sql: chat.db.sql, flows, clock: reminderClockFromEnv({}), now: () => now });
const morning = await timed(() => scheduler.tick());
const { sent, skipped, planned } = morning.value;
const perReminder = morning.sample.wall / Math.max(1, sent + skipped);
const outbox = await chat.db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "Outbox" WHERE "sendKey" IS NOT NULL`);
await chat.close();

const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(`${organisations} organisations, ${districts.length} coordinators, ${REPEATS} repeats (median [min–max])`);
console.log(`进度汇总, staff (all programmes)   ${spread(samples.staff, 0)}`);
console.log(`进度汇总, a district's coordinator  ${spread(samples.coordinator, 0)}`);
console.log(`导出全部, staff                     ${spread(samples.exportAll, 0)}`);
console.log(`morning tick: planned ${planned}, sent ${sent}, skipped ${skipped} (nothing missing), ${Number(outbox[0].n)} messages in the outbox, ${ms(morning.sample.wall)}`);
console.log(`per reminder ${perReminder.toFixed(1)} ms, one answer's turn ${median(answer).toFixed(1)} ms: ${(perReminder / median(answer)).toFixed(1)}×`);
printVerdicts([
  { name: '进度汇总 (staff), wall', figure: ms(median(samples.staff)), target: '≤ 1000 ms', pass: median(samples.staff) <= 1000 },
  { name: '进度汇总 (coordinator), wall', figure: ms(median(samples.coordinator)), target: '≤ 1000 ms', pass: median(samples.coordinator) <= 1000 },
  { name: '导出全部, wall', figure: ms(median(samples.exportAll)), target: '≤ 2000 ms', pass: median(samples.exportAll) <= 2000 },
  { name: 'morning batch, wall', figure: ms(morning.sample.wall), target: '≤ 30000 ms', pass: morning.sample.wall <= 30_000 },
]);
