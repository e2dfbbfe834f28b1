// A process of test/integration/reminders.test.ts: the real ReminderScheduler on PostgreSQL (DATABASE_URL), whose
// clock is the ISO time in the file named by the first argument (the test moves it). After each tick it prints the
// clock it used, so the test knows every process has seen a moment. SHENBAO_TEST_PAUSE_AT=reminder:<n> makes it stop
// inside its claiming transaction, to be killed there.
import { readFileSync } from 'node:fs';
import { ReminderScheduler } from '../../src/reminders/reminder-scheduler.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { openDatabase } from '../../src/store/database.ts';
import { reminderClockFromEnv } from '../../src/reminders/reminder-clock.ts';

const clockFile = process.argv[2];
const db = await openDatabase({ migrate: false });
let now = new Date(readFileSync(clockFile, 'utf8').trim());
const scheduler = new ReminderScheduler({ sql: db.sql, flows: [getFlow('beijing-base-2023')], clock: reminderClockFromEnv(), now: () => now });
process.on('SIGTERM', () => void db.close().then(() => process.exit(0)));
for (;;) {
  now = new Date(readFileSync(clockFile, 'utf8').trim());
  try {
    await scheduler.tick();
    process.stdout.write(`tick ${now.toISOString()}\n`);
  } catch (error) {
    process.stdout.write(`error ${error instanceof Error ? error.message : String(error)}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 15));
}
