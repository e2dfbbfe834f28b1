import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeishuFailures, startFeishuStandin, type FeishuStandin, type FeishuUser, type BotMessage } from '../support/feishu-standin.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { Router } from '../../src/bot/router.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { FileStore } from '../../src/files/file-store.ts';
import { pushText } from '../../src/bot/push.ts';
import { enqueuePush } from '../../src/store/outbox-store.ts';
import { apiCalls } from '../../src/store/api-usage.ts';
import { feishuConfig, startFeishu, type RunningFeishu } from '../../src/channels/feishu/start.ts';
import { SECTION_ONE, TODAY } from '../support/chat.ts';

/**
 * The real Lark SDK — WSClient + EventDispatcher on the long connection, Client for sending — against our stand-in of
 * the open platform (its token, message, file and resource endpoints, and the long connection's protobuf frames, pings
 * and acks): an operator picks the unit, answers 【一】 by typing and clicking, submits a multi-select form, sends a file
 * that lands on the checklist, and receives one; redeliveries, slow handling, old cards and forged clicks.
 */

const UNIT = '北京首冶新元科技发展有限公司';

let standin: FeishuStandin;
let db: Database;
let running: RunningFeishu;
let dir: string;
let store: FileStore;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shenbao-feishu-it-'));
  standin = await startFeishuStandin();
  db = await openDatabase({ dataDir: 'memory://' });
  store = new FileStore(join(dir, 'files'));
  const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
  const config = feishuConfig({ FEISHU_APP_ID: standin.appId, FEISHU_APP_SECRET: standin.appSecret, FEISHU_DOMAIN: standin.domain, FEISHU_CHAT_PER_SECOND: '50' });
  running = await startFeishu(config, { router, sql: db.sql, store, log: (line) => logs.push(line) });
  for (const deadline = Date.now() + 5000; standin.connections() < 1 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
});
afterAll(async () => {
  await running?.stop();
  await standin?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Button { text: string; value: Record<string, unknown> }

/** Every text and every button of a card, wherever they sit in it. */
function readCard(message: BotMessage): { texts: string; buttons: Button[]; forms: number } {
  const texts: string[] = [];
  const buttons: Button[] = [];
  let forms = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.tag === 'form') forms++;
    if (n.tag === 'button') {
      const behaviors = n.behaviors as { value: Record<string, unknown> }[] | undefined;
      buttons.push({ text: String((n.text as { content?: string })?.content ?? ''), value: behaviors?.[0]?.value ?? {} });
    }
    if (typeof n.content === 'string' && n.tag !== 'button') texts.push(n.content);
    for (const [key, value] of Object.entries(n)) if (key !== 'behaviors') walk(value);
  };
  walk(message.content);
  if (message.msg_type === 'text') texts.push(String((message.content as { text?: string }).text ?? ''));
  return { texts: texts.join('\n'), buttons, forms };
}

function operator(user: FeishuUser) {
  let seen = 0;
  const next = async () => {
    const all = await user.waitForMessages(seen + 1, 8000);
    seen = all.length;
    return all.at(-1)!;
  };
  return {
    next,
    skip: () => void (seen = user.messages().length),
    type: async (text: string) => {
      const ack = await user.sendText(text);
      expect(ack.code).toBe(200);
      return next();
    },
    click: async (message: BotMessage, button: Button, form?: Record<string, unknown>) => {
      const ack = await user.click(message.message_id, button.value, form);
      return { ack, reply: await next() };
    },
  };
}

describe('Feishu over the long connection', () => {
  it('walks an operator through 【一】 with typed answers and clicks, a multi-select form, a file in and a file out', async () => {
    const user = standin.user({ name: '张三' });
    const op = operator(user);
    expect(readCard(await op.type('你好')).texts).toContain('请先发送贵单位名称');
    let asked = await op.type(UNIT);
    expect(asked.msg_type).toBe('interactive');
    expect(JSON.stringify(asked.content)).toContain('第 1/26 题');
    const firstQuestion = asked;

    let clicks = 0;
    let clickedChoice = false;
    let filledForm = false;
    for (const answer of SECTION_ONE) {
      const { buttons } = readCard(asked);
      const submitTable = buttons.find((b) => String(b.value.k).endsWith('|f0'));
      if (submitTable) {
        // The table's form: one row of inputs per row, filled as the operator would.
        const form = Object.fromEntries(answer.split('；').flatMap((row, r) => row.split('，').map((cell, c) => [`r${r}c${c}`, cell])));
        const { ack, reply } = await op.click(asked, submitTable, form);
        expect(ack.elapsedMs).toBeLessThan(3000);
        filledForm = true;
        asked = reply;
        continue;
      }
      const yesNo = buttons.find((b) => b.text === answer || b.text.startsWith(`${answer}（`));
      const choice = /^\d$/.test(answer) && buttons.length > 2 ? buttons.find((b) => String(b.value.k).endsWith(`|c${Number(answer) - 1}`)) : undefined;
      const button = yesNo ?? choice;
      if (button) {
        clicks++;
        if (choice) clickedChoice = true;
        const { ack, reply } = await op.click(asked, button);
        // Answered inside the callback: a toast, and the card replaced by the answer chosen (no live buttons).
        expect(ack.elapsedMs).toBeLessThan(3000);
        expect((ack.data as { toast?: { content: string } }).toast?.content).toContain('已选择');
        asked = reply;
      } else asked = await op.type(answer);
    }
    expect(clicks).toBeGreaterThanOrEqual(5);
    expect(clickedChoice).toBe(true);
    expect(filledForm).toBe(true);
    const investors = await db.sql.query<{ value: unknown }>(`SELECT "value" FROM "Answer" WHERE "questionId" = 'investors'`);
    expect(investors[0].value).toEqual([{ investor: '首钢集团', nature: '国有企业', ratio: '60' }, { investor: '某投资公司', nature: '私营企业', ratio: '40' }]);
    const answered = user.messages().find((m) => m.message_id === firstQuestion.message_id)!;
    expect(readCard(answered).buttons).toEqual([]);
    expect(readCard(answered).texts).toContain('已选择');

    expect(readCard(asked).texts).toContain('请核对');
    const confirm = readCard(asked).buttons.find((b) => b.text === '确认')!;
    asked = (await op.click(asked, confirm)).reply;
    expect(readCard(asked).texts).toContain('已完成');

    // 【二】 opens with a multi-select: a form with the options and a submit button.
    expect(readCard(asked).forms).toBe(1);
    const submit = readCard(asked).buttons.find((b) => String(b.value.k).endsWith('|m'))!;
    const { ack: submitted, reply: afterMulti } = await op.click(asked, submit, { choices: ['0', '2'] });
    expect((submitted.data as { toast?: { content: string } }).toast?.content).toContain('已选择');
    expect(readCard(afterMulti).texts).not.toContain('没有保存');

    // A card from the first question, clicked now: refused with a toast; nothing sent.
    const before = user.messages().length;
    const stale = await user.click(firstQuestion.message_id, { k: String(readCard(firstQuestion).buttons[0]?.value.k ?? 'x.abcdef|c0') });
    const staleToast = (stale.data as { toast?: { content: string } }).toast?.content ?? '';
    expect(staleToast).toMatch(/按钮已过期|无法识别/);
    const forged = await user.click(firstQuestion.message_id, { k: 'drop table|c0' });
    expect((forged.data as { toast?: { content: string } }).toast?.content).toContain('无法识别这个按钮');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(user.messages()).toHaveLength(before);

    // A file: asked which item, sorted with a click, counted on the checklist.
    await user.sendFile({ fileName: '营业执照.pdf', bytes: Buffer.from('%PDF-1.4 执照') });
    const which = await op.next();
    expect(readCard(which).texts).toContain('它属于哪一项证明材料');
    const sorted = (await op.click(which, readCard(which).buttons[0])).reply;
    const title = /归入“([^”]+)”/.exec(readCard(sorted).texts)![1];
    const done = readCard(sorted).buttons.find((b) => b.text === '完成')!;
    expect(readCard((await op.click(sorted, done)).reply).texts).toContain(`“${title}”已收到 1 个文件`);
    expect(readCard(await op.type('材料')).texts).toContain(`✅ ${title}`);

    // Feishu says “too many requests” once: the reply still arrives.
    standin.failNext(/\/im\/v1\/messages$/, FeishuFailures.rateLimited);
    expect(readCard(await op.type('门槛')).texts).toContain('门槛条件');
    expect(standin.calls.some((c) => c.path.endsWith('/im/v1/messages') && c.status === 429)).toBe(true);

    // A file from the bot: uploaded, then sent as a file message, once.
    const template = Buffer.from('PK 附表模板');
    const content = await store.putBuffer(template);
    await db.sql.transaction((sql) => pushText(sql, user.openId, '请查收附表模板', { ...content, name: '附表模板.xlsx' }));
    running.channel.sender.kick();
    await expect.poll(() => user.messages().some((m) => m.msg_type === 'file'), { timeout: 5000 }).toBe(true);
    const upload = standin.uploads.find((u) => u.file_name === '附表模板.xlsx')!;
    expect(upload.bytes.equals(template)).toBe(true);
    expect(upload.file_type).toBe('stream');
    op.skip();
    expect(logs.join('\n')).not.toContain(standin.appSecret);
  }, 60_000);

  it('sends a reminder with its own id as uuid, so the same reminder written twice is shown once', async () => {
    const user = standin.user({ name: '周五' });
    const views = [{ kind: 'text', text: '⏰ 申报提醒：测试' }];
    // The outbox never holds a reminder twice; this is the platform's own guard behind it (Feishu keeps a uuid 1 h).
    for (let i = 0; i < 2; i++) await enqueuePush(db.sql, { channel: 'feishu', chatId: user.chatId, views, sendKey: 'reminder-0001-0' });
    running.channel.sender.kick();
    await expect.poll(() => standin.calls.filter((c) => (c.body as { uuid?: string } | null)?.uuid === 'reminder-0001-0-0').length, { timeout: 5000 }).toBe(2);
    expect(user.messages()).toHaveLength(1);
  });

  it('handles a message pushed three times once', async () => {
    const user = standin.user({ name: '李四' });
    for (let i = 0; i < 3; i++) expect((await user.sendText('/start', { messageId: 'om_same_message_0001' })).code).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(user.messages()).toHaveLength(1);
  });

  it('answers a click within 3 s while another message of the same chat is being handled, and finishes both after', async () => {
    const user = standin.user({ name: '王五' });
    const op = operator(user);
    const asked = await op.type('北京东联同创科技孵化器有限公司');
    const yes = readCard(asked).buttons[0];
    // The database busy for 4 s: the message sent now waits for it, and the click waits behind the message.
    const busy = db.sql.transaction(async () => new Promise((resolve) => setTimeout(resolve, 4000)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const message = user.sendText('帮助');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ack = await user.click(asked.message_id, yes.value);
    expect(ack.elapsedMs).toBeLessThan(3000);
    expect((ack.data as { toast?: { content: string } }).toast?.content).toContain('正在处理');
    expect((await message).elapsedMs).toBeLessThan(3000);
    await busy;
    // The message is answered first (help, and the question again with new buttons); the click, from the card before
    // that reply, is then refused — and said in the chat, since its toast already went.
    const [help, refused] = await user.waitForMessages(3, 8000).then((all) => all.slice(1));
    expect(readCard(help).texts).toContain('可用的说法');
    expect(readCard(refused).texts).toContain('按钮已过期');
    const saved = await db.sql.query(`SELECT 1 FROM "Answer" a JOIN "Declaration" d ON d."id" = a."declarationId" JOIN "Organisation" o ON o."id" = d."organisationId" WHERE o."unitName" = '北京东联同创科技孵化器有限公司'`);
    expect(saved).toHaveLength(0);
  }, 20_000);

  it('says once in a group that it works in private chats, and explains a sticker and a 150 MB file', async () => {
    const group = standin.user({ name: '群', chatId: 'oc_group_chat_0001' });
    const groupMessage = (text: string) =>
      standin.push({
        schema: '2.0',
        header: { event_id: randomBytes(8).toString('hex'), event_type: 'im.message.receive_v1', create_time: String(Date.now()), token: '', app_id: standin.appId, tenant_key: 't' },
        event: {
          sender: { sender_id: { open_id: group.openId, user_id: group.userId, union_id: group.unionId }, sender_type: 'user' },
          message: { message_id: `om_${randomBytes(8).toString('hex')}`, chat_id: group.chatId, chat_type: 'group', message_type: 'text', content: JSON.stringify({ text }) },
        },
      });
    await groupMessage('进度');
    await groupMessage('进度');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(group.messages()).toHaveLength(1);
    expect(readCard(group.messages()[0]).texts).toContain('只在私聊中工作');

    const user = standin.user({ name: '赵六' });
    const op = operator(user);
    await op.type(UNIT);
    await user.sendRaw('sticker', { file_key: 'file_v2_sticker' });
    expect(readCard(await op.next()).texts).toContain('贴纸');
    await user.sendFile({ fileName: '全部附件.zip', size: 150 * 1024 * 1024 });
    expect(readCard(await op.next()).texts, logs.join('\n')).toContain('超过机器人能接收的 100.0 MB');
  }, 30_000);

  it('counts the API calls of the month', async () => {
    await running.stop();
    expect(await apiCalls(db.sql, 'feishu')).toBeGreaterThan(20);
    const router = new Router({ trusted: () => true, db, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
    running = await startFeishu(feishuConfig({ FEISHU_APP_ID: standin.appId, FEISHU_APP_SECRET: standin.appSecret, FEISHU_DOMAIN: standin.domain }), { router, sql: db.sql, store, log: () => undefined });
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Feishu's encryption: AES-256-CBC, key sha256(encryptKey), base64(iv ‖ ciphertext). */
function encrypt(body: unknown, key: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv);
  return Buffer.concat([iv, cipher.update(JSON.stringify(body)), cipher.final()]).toString('base64');
}

describe('Feishu by webhook', () => {
  it('takes an encrypted, signed event; refuses a bad signature (401) and a wrong token; answers the URL check', async () => {
    const hook = await startFeishuStandin();
    const hookDb = await openDatabase({ dataDir: 'memory://' });
    const router = new Router({ trusted: () => true, db: hookDb, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
    const port = await freePort();
    const key = 'encrypt-key-0123';
    const token = 'verification-token-abc';
    const served = await startFeishu(
      feishuConfig({ FEISHU_APP_ID: hook.appId, FEISHU_APP_SECRET: hook.appSecret, FEISHU_DOMAIN: hook.domain, FEISHU_EVENT_MODE: 'webhook', FEISHU_ENCRYPT_KEY: key, FEISHU_VERIFICATION_TOKEN: token, FEISHU_WEBHOOK_PORT: String(port) }),
      { router, sql: hookDb.sql, store, log: () => undefined },
    );
    const user = hook.user({ name: '钱七' });
    const url = `http://127.0.0.1:${port}/feishu/events`;
    const post = async (plain: unknown, sign: 'good' | 'bad' | 'none') => {
      const body = JSON.stringify({ encrypt: encrypt(plain, key) });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      const signature = createHash('sha256').update(timestamp + nonce + key + body).digest('hex');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (sign !== 'none') Object.assign(headers, { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': sign === 'good' ? signature : signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) });
      return fetch(url, { method: 'POST', headers, body });
    };
    const event = (tokenSent: string) => ({
      schema: '2.0',
      header: { event_id: randomBytes(8).toString('hex'), event_type: 'im.message.receive_v1', create_time: String(Date.now()), token: tokenSent, app_id: hook.appId, tenant_key: 't' },
      event: {
        sender: { sender_id: { open_id: user.openId }, sender_type: 'user' },
        message: { message_id: `om_${randomBytes(8).toString('hex')}`, chat_id: user.chatId, chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: '/start' }) },
      },
    });
    try {
      const check = await post({ type: 'url_verification', challenge: 'ch-123', token }, 'none');
      expect(await check.json()).toEqual({ challenge: 'ch-123' });
      expect((await post(event(token), 'bad')).status).toBe(401);
      expect((await post(event(token), 'none')).status).toBe(401);
      expect((await post(event('wrong-token'), 'good')).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(user.messages()).toHaveLength(0);
      expect((await post(event(token), 'good')).status).toBe(200);
      await expect.poll(() => user.messages().length, { timeout: 5000 }).toBe(1);
      expect(readCard(user.messages()[0]).texts).toContain('请先发送贵单位名称');
    } finally {
      await served.stop();
      await hook.close();
      await hookDb.close();
    }
  }, 30_000);
});

describe('Feishu connection health', () => {
  it('a long connection that fails for good is reported in Chinese, so the process can end and be restarted', async () => {
    const lost = await startFeishuStandin();
    const lostDb = await openDatabase({ dataDir: 'memory://' });
    const router = new Router({ trusted: () => true, db: lostDb, flows: [getFlow('beijing-base-2023')], now: () => TODAY });
    const said: string[] = [];
    const lines: string[] = [];
    const served = await startFeishu(feishuConfig({ FEISHU_APP_ID: lost.appId, FEISHU_APP_SECRET: lost.appSecret, FEISHU_DOMAIN: lost.domain }), {
      router, sql: lostDb.sql, store, log: (line) => lines.push(line), onFatal: (chinese) => said.push(chinese), healthEveryMs: 50,
    });
    try {
      await expect.poll(() => lines.join()).toContain('long connection connected');
      lost.setEndpointFailure(403);
      lost.disconnectAll();
      await expect.poll(() => said.length, { timeout: 10_000 }).toBe(1);
      expect(said[0]).toContain('飞书长连接已断开且重连失败');
      expect(lines.join()).toContain('long connection failed');
    } finally {
      await served.stop();
      await lost.close();
      await lostDb.close();
    }
  }, 30_000);
});
