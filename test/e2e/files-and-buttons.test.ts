import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { plainText, type View } from '../../src/bot/views.ts';
import { choiceButton, confirmButton, maskOf } from '../../src/bot/keyboard.ts';
import { findFile } from '../../src/store/file-records.ts';
import { ZipFile } from 'yazl';

/**
 * Files and buttons as every channel hands them to the router: a stored file, a press bound to its keyboard, a message
 * the assistant cannot take. What the operator reads back, and what the checklist (材料) says afterwards.
 */

const UNIT = '北京首冶新元科技发展有限公司';
const text = (views: View[]) => plainText(views);
const live = (views: View[]) => views.find((v) => 'keyboard' in v && v.keyboard) as (View & { keyboard: string; choices: { label: string; value: string }[] }) | undefined;

let chat: ChatHarness;
let dir: string;
let store: FileStore;
const fileOf = async (name: string, content: string) => {
  const stored = await store.putBuffer(Buffer.from(content));
  return { name, size: stored.size, sha256: stored.sha256, mime: 'application/pdf' };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-files-'));
  // The router's own store (SHENBAO_FILES_DIR): the assistant reads what it is sent.
  store = FileStore.fromEnv();
  chat = await openChat();
});
afterAll(async () => {
  await chat.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('files', () => {
  it('asks for the unit first when a file arrives before any declaration is open', async () => {
    const { views } = await chat.send({ file: await fileOf('营业执照.pdf', 'licence') }, { user: 'newcomer' });
    expect(text(views)).toContain('请先发送贵单位名称');
  });

  it('取消 to “它属于哪一项” leaves the file unsorted and saves nothing as the answer of the question asked', async () => {
    const user = { user: 'canceller' };
    await chat.say(UNIT, user);
    expect(text((await chat.send({ file: await fileOf('入驻企业名单.xlsx', 'residents') }, user)).views)).toContain('它属于哪一项证明材料？');
    const cancelled = await chat.say('取消', user);
    expect(cancelled).toContain('好的，刚收到的文件先不归类');
    expect(cancelled).toContain('第 1/'); // the question the operator was at, still unanswered
    expect(cancelled).not.toContain('当前答案');
  });

  it('sorts a file sent outside an upload question into the item the operator picks, and collects more until 完成', async () => {
    await chat.say(UNIT);
    const asked = await chat.send({ file: await fileOf('社保缴纳证明.pdf', 'social security 1-12') });
    expect(text(asked.views)).toContain('它属于哪一项证明材料？');
    const offer = live(asked.views)!;
    expect(offer.choices.length).toBeGreaterThan(3);
    const listed = text(asked.views).split('\n').filter((l) => /^\d+\. /.test(l));
    const n = listed.findIndex((l) => l.includes('社保')) + 1 || 1;
    const title = listed[n - 1].replace(/^\d+\. \S+ /, '').replace(/（[^（]*）$/, '');

    const sorted = await chat.send({ press: { token: offer.keyboard, button: choiceButton(n - 1) } });
    expect(text(sorted.views)).toContain(`已将 1 个文件归入“${title}”`);
    const second = await chat.send({ file: await fileOf('社保缴纳证明-续.pdf', 'social security page 2') });
    expect(text(second.views)).toContain(`归入“${title}”（该项共 2 个文件）`);
    const done = await chat.say('完成');
    expect(done).toContain(`“${title}”已收到 2 个文件`);
    expect(done).toContain('第 1/'); // back at the question the operator was at

    const checklist = await chat.say('材料');
    expect(checklist).toContain(`✅ ${title}`);
    expect(checklist).toContain('已收 2 个文件');
  });

  it('keeps the same content once in the store, and one record per upload', async () => {
    const a = await fileOf('a.pdf', 'same bytes');
    const b = await fileOf('b.pdf', 'same bytes');
    expect(a.sha256).toBe(b.sha256);
    const asked = await chat.send({ file: a });
    expect(text(asked.views)).toContain('已收到“a.pdf”');
    const rows = await chat.db.sql.query<{ id: string }>(`SELECT "id" FROM "StoredFile" WHERE "sha256" = $1`, [a.sha256]);
    expect(rows).toHaveLength(1);
    const record = await findFile(chat.db.sql, rows[0].id);
    expect(record).toMatchObject({ name: 'a.pdf', channel: 'test', size: a.size });
    expect(store.has(a.sha256)).toBe(true);
    // A second file right after (an album): a short line, not the whole list again; both are sorted together.
    const more = await chat.send({ file: await fileOf('c.pdf', 'other bytes') });
    expect(text(more.views)).toContain('又收到“c.pdf”，共 2 个文件待归类');
    expect(text(more.views).length).toBeLessThan(100);
    expect(live(more.views)!.choices.length).toBe(live(asked.views)!.choices.length);
    // Not sorted: an answer instead drops the offer, and the question goes on.
    const answered = await chat.say('是');
    expect(answered).not.toContain('它属于哪一项');
  });

  it('opens a zip of evidence and sorts the files inside, named as they were', async () => {
    const archive = new ZipFile();
    archive.addBuffer(Buffer.from('%PDF 签到'), '活动证明/3月创业沙龙签到表.pdf');
    archive.addBuffer(Buffer.from('%PDF 通知'), '活动证明/4月培训通知.pdf');
    archive.end();
    const chunks: Buffer[] = [];
    for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
    const zip = Buffer.concat(chunks);
    const stored = await store.putBuffer(zip);
    const asked = await chat.send({ file: { name: '活动材料.zip', size: stored.size, sha256: stored.sha256 } });
    expect(text(asked.views)).toContain('已解开“活动材料.zip”，共 2 个文件（3月创业沙龙签到表.pdf、4月培训通知.pdf）');
    await chat.say('1');
    const names = await chat.db.sql.query<{ name: string }>(`SELECT "name" FROM "StoredFile" WHERE "name" LIKE '%签到表%' OR "name" LIKE '%培训通知%' ORDER BY "name"`);
    expect(names.map((n) => n.name)).toEqual(['3月创业沙龙签到表.pdf', '4月培训通知.pdf']);
    await chat.say('完成');
  });

  it('explains a file too big for the platform and offers 线下提交, which the checklist then shows', async () => {
    const big = await chat.send({ file: { name: '全部附件.zip', size: 60 * 1024 * 1024, limit: 20 * 1024 * 1024 } });
    expect(text(big.views)).toContain('超过机器人能接收的 20.0 MB');
    expect(text(big.views)).toContain('拆成几个');
    const offer = await chat.send({ press: { token: live(big.views)!.keyboard, button: choiceButton(0) } });
    expect(text(offer.views)).toContain('哪一项材料线下提交');
    const first = text(offer.views).split('\n').find((l) => l.startsWith('1. '))!.replace(/^1\. □ /, '').replace(/（[^（]*）$/, '');
    const marked = await chat.say('1');
    expect(marked).toContain(`已将“${first}”标记为线下提交`);
    expect(await chat.say('材料')).toContain(`📮 ${first}`);
  });

  it('marks an item 不适用 with the reason, which 清单 shows beside what is provided and what is missing', async () => {
    const offer = await chat.say('不适用');
    expect(offer).toContain('哪一项材料对本单位不适用');
    const first = offer.split('\n').find((l) => l.startsWith('1. '))!.replace(/^1\. □ /, '').replace(/（[^（]*）$/, '');
    expect(await chat.say('1')).toContain(`为什么“${first}”对本单位不适用`);
    expect(await chat.say('本基地没有自有产权房屋，全部为租赁')).toContain(`已将“${first}”标记为不适用（本基地没有自有产权房屋，全部为租赁）`);
    const list = await chat.say('清单');
    expect(list).toContain('证明材料清单（按申报文件顺序）');
    expect(list).toContain(`➖ ${first}：不适用（本基地没有自有产权房屋，全部为租赁）`);
    expect(list).toMatch(/✅ .+：社保缴纳证明\.pdf、社保缴纳证明-续\.pdf/);
    expect(list).toMatch(/□ .+：缺/);
  });

  it('attaches files sent at an upload question to it, and 完成 moves on with them kept', async () => {
    const at = await chat.say('第6节');
    expect(at).toContain('绩效报告');
    const first = await chat.send({ file: await fileOf('绩效报告.pdf', 'report v1') });
    expect(text(first.views)).toContain('作为“绩效报告（上传附件）”的附件，本题共 1 个文件');
    const second = await chat.send({ file: await fileOf('盖章页.jpg', 'stamp') });
    expect(text(second.views)).toContain('本题共 2 个文件');
    expect(text(second.views)).toContain('要求的格式是 pdf、doc、docx');
    const review = await chat.say('完成');
    expect(review).toContain('绩效报告（上传附件）：已上传 2 个文件');
    expect(await chat.say('确认')).toContain('负责人');
  });
});

describe('buttons', () => {
  it('takes a press on the latest keyboard, refuses one from an older message, and refuses forged data', async () => {
    const asked = await chat.views('北京东联同创科技孵化器有限公司', { user: 'presser' });
    const first = live(asked)!;
    expect(first).toBeDefined();
    // Answer by typing: the old buttons are now dead.
    const after = await chat.views('是', { user: 'presser' });
    const stale = await chat.send({ press: { token: first.keyboard, button: choiceButton(0) } }, { user: 'presser' });
    expect(stale.views).toEqual([]);
    expect(stale.ack).toContain('按钮已过期');
    const current = live(after);
    if (current) {
      const forged = await chat.send({ press: { token: current.keyboard, button: choiceButton(99) } }, { user: 'presser' });
      expect(forged.ack).toContain('无法识别这个按钮');
      expect(forged.views).toEqual([]);
    }
  });

  it('confirms a multi-select from the toggled buttons', async () => {
    const multi = await chat.views('修改 服务功能');
    const question = multi.find((v) => v.kind === 'question' && v.answerAs === 'multi');
    if (!question || question.kind !== 'question') return expect.fail(`no multi-select question: ${text(multi)}`);
    const confirmed = await chat.send({ press: { token: question.keyboard!, button: confirmButton(maskOf([0, 2])) } });
    const saved = text(confirmed.views);
    expect(saved).toContain(question.choices[0].label);
    expect(saved).toContain(question.choices[2].label);
  });
});

describe('what cannot be an answer', () => {
  it('says what to send instead of a sticker, a voice note, an edited message, and keeps the question', async () => {
    await chat.say(UNIT, { user: 'sticker-fan' });
    for (const [kind, expected] of [['sticker', '贴纸'], ['voice', '无法识别语音'], ['edited', '不会改变已保存的答案'], ['forwarded', '转发来的文字']] as const) {
      const { views } = await chat.send({ unsupported: kind }, { user: 'sticker-fan' });
      expect(text(views)).toContain(expected);
      expect(views.some((v) => v.kind === 'question')).toBe(true);
    }
  });
});
