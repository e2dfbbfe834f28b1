// A bot process for test/e2e/crash-before-send.test.ts: `die` answers a question and is killed (SIGKILL) after the
// answer is committed and before its reply is sent; `redeliver` is the restarted process receiving the same message
// again from the platform, then sending what is waiting. Delivered replies are printed one JSON line each.
import { Router } from '../../src/bot/router.ts';
import { OutboxSender } from '../../src/bot/sender.ts';
import { plainText } from '../../src/bot/views.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { openDatabase } from '../../src/store/database.ts';
import { TODAY } from './chat.ts';

const [dataDir, mode] = process.argv.slice(2);
const db = await openDatabase({ dataDir });
const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
const sender = new OutboxSender({ sql: db.sql, channel: 'test', deliver: async (_chat, views) => console.log(JSON.stringify({ delivered: plainText(views) })) });
const message = (text: string, key: string) => ({ channel: 'test' as const, chatId: 'op', userId: 'op', text, idempotencyKey: key });

if (mode === 'die') {
  for (const [i, text] of ['/start', '首冶新元'].entries()) {
    await router.handle(message(text, `open-${i}`));
    await sender.drain();
  }
  await router.handle(message('是', 'answer-1'));
  console.log(JSON.stringify({ committed: true }));
  process.kill(process.pid, 'SIGKILL');
} else {
  const result = await router.handle(message('是', 'answer-1'));
  console.log(JSON.stringify({ duplicate: result.duplicate }));
  await sender.drain();
  console.log(JSON.stringify({ drainedAgain: await sender.drain() }));
  await db.close();
}
