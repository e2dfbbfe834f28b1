import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { openDatabase } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { runConsole } from '../../src/channels/console.ts';
import { annexLayout, placement } from '../../src/exports/excel/annex-layout.ts';
import { fillTemplate, plausibleRows } from '../exports/excel-support.ts';
import { TODAY } from '../support/chat.ts';

/** The console's files: a file sent to the operator is shown where it is; a line naming a file sends it. */

const dir = mkdtempSync(join(tmpdir(), 'shenbao-console-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const loaded = getFlow('beijing-base-2023');
const residents = loaded.flow.tables.find((t) => t.id === 'resident_list')!;

async function converse(lines: string[]): Promise<string> {
  const db = await openDatabase({ dataDir: join(dir, 'db') });
  const files = new FileStore(join(dir, 'files'));
  try {
    const router = new Router({ db, flows: [loaded], now: () => TODAY, files });
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => void (printed += chunk.toString()));
    await runConsole({ router, sql: db.sql, user: 'console-tester', files, input: Readable.from(lines.map((l) => `${l}\n`)), output });
    return printed;
  } finally {
    await db.close();
  }
}

describe('files in the console', () => {
  it('shows where a template was saved, and imports the filled one from the path typed', async () => {
    const first = await converse(['北京首冶新元科技发展有限公司', '模板 附表1-2-3-1-3']);
    const saved = /保存位置：(\S+)（另存为“附表1-2-3-1-3 入驻企业名单\.xlsx”即可）/.exec(first);
    expect(saved, first).not.toBeNull();
    const filled = await fillTemplate(readFileSync(saved![1]), loaded, residents, plausibleRows(loaded, residents, 2), placement(annexLayout(loaded, residents), 0).firstDataRow);
    const path = join(dir, '附表1-2-3-1-3 入驻企业名单（已填）.xlsx');
    writeFileSync(path, filled);
    const second = await converse([path]);
    expect(second).toContain('已导入“附表1-2-3-1-3 入驻企业名单”2 行');
  });
});
