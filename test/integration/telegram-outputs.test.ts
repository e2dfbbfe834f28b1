import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator, type BotMessage } from '../support/telegram-emulator.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { startTelegram, telegramConfig, type RunningTelegram } from '../../src/channels/telegram/start.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { packageFailed, packageJob } from '../../src/jobs/package-job.ts';
import { annexLayout, placement } from '../../src/exports/excel/annex-layout.ts';
import { fillTemplate, plausibleRows } from '../exports/excel-support.ts';
import { TODAY } from '../support/chat.ts';

/**
 * The outputs through the real grammY bot and the Bot API emulator: an operator downloads a table's template, sends it
 * back filled, settles the table's figure against the one typed, and receives the workbook, the report and the package.
 */

const UNIT = '北京首冶新元科技发展有限公司';
const loaded = getFlow('beijing-base-2023');
const residents = loaded.flow.tables.find((t) => t.id === 'resident_list')!;

let emulator: TelegramEmulator;
let db: Database;
let running: RunningTelegram;
let runner: JobRunner;

beforeAll(async () => {
  emulator = await startTelegramEmulator();
  db = await openDatabase({ dataDir: 'memory://' });
  const store = FileStore.fromEnv();
  const router = new Router({ trusted: () => true, db, flows: [loaded], now: () => TODAY, files: store });
  running = await startTelegram(telegramConfig({ TELEGRAM_BOT_TOKEN: emulator.token, TELEGRAM_API_ROOT: emulator.apiRoot, TELEGRAM_CHAT_INTERVAL_MS: '0' }), { router, sql: db.sql, store, log: () => undefined });
  runner = new JobRunner({
    sql: db.sql,
    handlers: { package: packageJob({ flows: new Map([[loaded.flow.id, loaded]]), store, now: () => TODAY }) },
    failed: packageFailed,
    pollMs: 100,
    progressEveryMs: 0,
    onPushed: () => running.channel.sender.kick(),
  });
  runner.start();
});
afterAll(async () => {
  await runner?.stop();
  await running?.stop();
  await emulator?.close();
  await db?.close();
});

describe('outputs on Telegram', () => {
  it('template out, filled table in, a mismatch settled, then the workbook, the report and the package', async () => {
    const user = emulator.user({ firstName: '张三' });
    let seen = 0;
    const next = async (count = 1) => {
      const all = await user.waitForBotMessages(seen + count, 15_000);
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    };
    const say = async (text: string, count = 1) => {
      await user.sendText(text);
      return next(count);
    };
    const buttons = (m: BotMessage) => (m.reply_markup && 'inline_keyboard' in m.reply_markup ? m.reply_markup.inline_keyboard.flat() : []) as { text: string; callback_data?: string }[];

    await say(UNIT);
    await say('第3节');
    expect((await say('60'))[0].text).not.toContain('没有保存');

    const [list] = await say('模板');
    const pick = buttons(list).find((b) => b.text.includes(residents.title.slice(0, 6)))!;
    await user.press(list, pick.callback_data!);
    const [templateMessage] = await next(2);
    expect(templateMessage.document?.fileName).toBe('附表1-2-3-1-3 入驻企业名单.xlsx');

    const rows = plausibleRows(loaded, residents, 3).map((r) => ({ ...r, size: '中型' }));
    const filled = await fillTemplate(templateMessage.document!.bytes, loaded, residents, rows, placement(annexLayout(loaded, residents), 0).firstDataRow);
    await user.sendDocument({ fileName: '附表1-2-3-1-3 入驻企业名单.xlsx', bytes: filled });
    const [imported] = await next();
    expect(imported.text).toContain('已导入“附表1-2-3-1-3 入驻企业名单”3 行');
    expect(imported.text).toContain('附表统计为 3，您填写的是 60');
    const useTable = buttons(imported).find((b) => b.text === '按附表更正')!;
    await user.press(imported, useTable.callback_data!);
    expect((await next())[0].text).toContain('已按附表更正');

    const exported = await say('导出', 3);
    expect(exported.map((m) => m.document?.fileName).filter(Boolean)).toEqual([`${UNIT}-2023年度绩效评价申报表.xlsx`, `${UNIT}-2023年度绩效报告（初稿）.docx`]);

    await say('打包');
    await expect.poll(() => user.botMessages().some((m) => m.document?.fileName === `${UNIT}.zip`), { timeout: 20_000 }).toBe(true);
    const progress = user.botMessages().find((m) => /▓|░/.test(m.text));
    expect(progress?.text).toContain('100%');
    const zip = user.botMessages().find((m) => m.document?.fileName === `${UNIT}.zip`)!;
    expect(zip.document!.bytes.subarray(0, 2).toString()).toBe('PK');
  }, 90_000);
});
