import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { openChat, TODAY, type ChatHarness } from '../support/chat.ts';
import { addPerson, createInvitation, ensureOrganisation } from '../../src/store/people-store.ts';
import { assigneesOf } from '../../src/store/assignment-store.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { findFile } from '../../src/store/file-records.ts';
import { HISTORY_SHEET } from '../../src/exports/excel/workbook.ts';

/**
 * Two operators of one organisation share out its sections (分工): each is told, the one filling a colleague's section
 * is told once whose it is, 目录 shows who fills what, 谁填的 shows who changed an answer and when, and the exported
 * workbook's 修改记录 lists every change.
 */

const loaded = getFlow('beijing-base-2023');
const ORG1 = loaded.directory.find((e) => e.seq === 1)!;
const store = FileStore.fromEnv();

let chat: ChatHarness;
let declarationId: string;
const codes: Record<string, string> = {};

beforeAll(async () => {
  chat = await openChat({ trusted: false });
  const sql = chat.db.sql;
  const staff = await addPerson(sql, { channel: 'test', externalId: 'staff', name: '局里小王', role: 'staff' });
  const org = await ensureOrganisation(sql, { flowId: loaded.flow.id, seq: ORG1.seq, unitName: ORG1.unit, name: null, district: String(ORG1.district), category: null, extra: ORG1 });
  // 财务 and 运营 of one base, each with their own code.
  for (const [id, name] of [['li', '李会计'], ['wang', '王运营']] as const) {
    await addPerson(sql, { channel: 'test', externalId: id, name, role: 'operator' });
    codes[id] = (await createInvitation(sql, org, staff, 7, TODAY)).code;
  }
});
afterAll(() => chat.close());

const li = (text: string) => chat.say(text, { user: 'li' });
const wang = (text: string) => chat.say(text, { user: 'wang' });

describe('分工: two operators share out the sections', () => {
  it('both bind; 分工 lists the sections, nobody assigned yet, and the two operators', async () => {
    expect(await li(codes.li)).toContain('第 1/26 题');
    expect(await wang(codes.wang)).toContain('第 1/26 题');
    declarationId = (await chat.db.sql.query<{ id: string }>(`SELECT "id" FROM "Declaration"`))[0].id;
    const listed = await li('分工');
    expect(listed).toContain('1. 【一】基本情况　未指定');
    expect(listed).toContain('本单位的填报人：李会计、王运营');
    expect(listed).toContain('例如“分工 第4节 李会计”');
  });

  it('分工 第N节 without a name offers the operators; a section or person not found is refused with what to send', async () => {
    const asked = await chat.views('分工 第2节', { user: 'li' });
    expect(asked.map((v) => v.text).join('\n')).toContain('【二】经营服务情况 由谁负责填写？（目前：未指定）');
    expect(asked.flatMap((v) => ('choices' in v ? (v.choices ?? []) : [])).map((c) => c.value)).toEqual(['分工 第2节 李会计', '分工 第2节 王运营']);
    expect(await li('分工 第9节 王运营')).toContain('没有找到“第9节”这一部分');
    const unknown = await li('分工 第1节 张三');
    expect(unknown).toContain('本单位的填报人中没有“张三”');
    expect(unknown).toContain('1. 李会计\n2. 王运营');
  });

  it('assigning tells the others, and the assignee that the section is theirs', async () => {
    const assigned = await li('分工 【一】 王运营');
    expect(assigned).toContain('已将 【一】基本情况 分工给 王运营，已通知本单位的 1 位填报人');
    expect(assigned).toContain('1. 【一】基本情况　👤王运营');
    expect(await chat.deliver('wang')).toContain('李会计 把“北京首冶新元科技发展有限公司”申报表的 【一】基本情况 分工给您负责填写。回复“第1节”开始填写');
    expect(await li('分工 第2节 我')).toContain('已将 【二】经营服务情况 分工给 您自己');
    expect(await chat.deliver('wang')).toContain('【二】经营服务情况 由 李会计 负责填写（李会计 安排）');
    const map = await assigneesOf(chat.db.sql, declarationId);
    expect([...map].map(([section, a]) => [section, a.name, a.chatId])).toEqual([['basic', '王运营', 'wang'], ['operations', '李会计', 'li']]);
  });

  it('the one answering in a colleague’s section is told once whose it is, and may still answer', async () => {
    const first = await li('是');
    expect(first).toContain('提示：【一】基本情况 已分工由 王运营 负责填写。您仍可代为填写');
    expect(first).toContain('第 2/26 题');
    const second = await li('首冶新元创新基地');
    expect(second).not.toContain('负责填写');
    expect(second).toContain('第 3/26 题');
    // The assignee is not told about their own section; 王运营 corrects 李会计's answer.
    expect(await wang('修改 2')).not.toContain('负责填写');
    expect(await wang('首冶新元创新基地二期')).not.toContain('负责填写');
    // In 李会计's section 王运营 is told, once.
    expect(await wang('第2节')).toContain('提示：【二】经营服务情况 已分工由 李会计 负责填写');
    expect(await wang('查看')).not.toContain('负责填写');
  });

  it('目录 shows who fills each section', async () => {
    const overview = await li('目录');
    expect(overview).toMatch(/1\. 【一】基本情况　进行中 \d+\/\d+　👤王运营负责/);
    expect(overview).toMatch(/2\. 【二】经营服务情况　未开始　👤李会计负责/);
    expect(overview).toMatch(/3\. 【三】入驻企业情况　未开始(\n|　← 当前)/);
  });
});

describe('谁填的', () => {
  it('shows a question’s changes, newest first, with who, when, the channel and the values as reviewed', async () => {
    const shown = await li('谁填的 【一】2');
    expect(shown).toContain('【一】2 基地名称 的修改记录（共 2 次，最新的在前）');
    const lines = shown.split('\n');
    const byWang = lines.findIndex((l) => /^1\. \d+月\d+日 \d\d:\d\d　王运营（test）：首冶新元创新基地 → 首冶新元创新基地二期$/.test(l));
    const byLi = lines.findIndex((l) => /^2\. \d+月\d+日 \d\d:\d\d　李会计（test）：（未填） → 首冶新元创新基地$/.test(l));
    expect(byWang).toBeGreaterThan(0);
    expect(byLi).toBe(byWang + 1);
    // The question is asked again after the list.
    expect(shown).toContain('第 3/26 题');
  });

  it('names the question by number or label, or is the current one; an unknown one is refused', async () => {
    expect(await li('谁填的 1')).toContain('【一】1 单位名称 的修改记录（共 1 次');
    expect(await li('谁填的 基地名称')).toContain('【一】2 基地名称 的修改记录');
    expect(await li('谁填的')).toContain('注册所在区 还没有修改记录');
    expect(await li('谁填的 不存在的题目')).toContain('没有找到“不存在的题目”');
  });

  it('pages a long history', async () => {
    for (const name of ['三期', '四期', '五期', '六期']) {
      await wang('修改 【一】2');
      await wang(`首冶新元创新基地${name}`);
    }
    const first = await li('谁填的 【一】2');
    expect(first).toContain('共 6 次');
    expect(first).toContain('1. ');
    expect(first).toContain('→ 首冶新元创新基地六期');
    expect(first).not.toContain('（未填） →');
    expect(first).toContain('第 1/2 页，回复“谁填的 【一】2 基地名称 第2页”看更早的记录');
    const second = await li('谁填的 【一】2 基地名称 第2页');
    expect(second).toContain('6. ');
    expect(second).toContain('李会计（test）：（未填） → 首冶新元创新基地');
    expect(second).toContain('第 2/2 页');
  });
});

describe('the history in the workbook', () => {
  it('导出’s workbook has a 修改记录 sheet with every change: who, when, the old and new value', async () => {
    const views = await chat.views('导出', { user: 'li' });
    const file = views.find((v): v is Extract<typeof v, { kind: 'file' }> => v.kind === 'file' && v.name.endsWith('.xlsx'))!;
    const record = (await findFile(chat.db.sql, file.fileId))!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(store.path(record.sha256)) as unknown as ExcelJS.Buffer);
    const sheet = book.getWorksheet(HISTORY_SHEET)!;
    expect(sheet).toBeDefined();
    const header = (sheet.getRow(3).values as unknown[]).slice(1);
    expect(header).toEqual(['部分', '题号', '题目', '原值', '新值', '情况说明', '修改人', '时间', '渠道']);
    const rows: string[][] = [];
    sheet.eachRow((row, n) => void (n > 3 && rows.push((row.values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : String(v))))));
    const baseName = rows.filter((r) => r[1] === '【一】2');
    expect(baseName.map((r) => [r[3], r[4], r[6]])).toEqual([
      ['（未填）', '首冶新元创新基地', '李会计'],
      ['首冶新元创新基地', '首冶新元创新基地二期', '王运营'],
      ['首冶新元创新基地二期', '首冶新元创新基地三期', '王运营'],
      ['首冶新元创新基地三期', '首冶新元创新基地四期', '王运营'],
      ['首冶新元创新基地四期', '首冶新元创新基地五期', '王运营'],
      ['首冶新元创新基地五期', '首冶新元创新基地六期', '王运营'],
    ]);
    expect(baseName[0][0]).toBe('【一】基本情况');
    expect(baseName[0][2]).toBe('【一】2 基地名称');
    expect(baseName[0][7]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(baseName[0][8]).toBe('test');
    expect(rows[0][1]).toBe('【一】1');
    expect(rows).toHaveLength(7);
  });
});

describe('taking an assignment back', () => {
  it('分工 第N节 取消 removes it and tells the others; 目录 no longer shows it', async () => {
    expect(await li('分工 第2节 取消')).toContain('已取消 【二】经营服务情况 的分工，已通知本单位的 1 位填报人');
    expect(await chat.deliver('wang')).toContain('【二】经营服务情况 不再指定负责人（李会计 取消）');
    expect(await li('分工 第2节 取消')).toContain('目前没有指定负责人');
    expect(await li('目录')).not.toContain('👤李会计');
    expect([...(await assigneesOf(chat.db.sql, declarationId)).keys()]).toEqual(['basic']);
  });
});
