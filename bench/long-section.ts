/**
 * Does a turn cost more the further into a long section it is? One section of 300 integer questions
 * (bench/fixtures/long-form, one organisation), filled from the first answer to the last on PGlite in a folder; each
 * round a fresh folder, declaration and user. We time every answer and report answer 1, answer 300 (the last, whose
 * reply is the section's review listing all 300 answers) and the medians of answers 2–10 and 291–299.
 * Targets: answer 300 ÷ answer 1 ≤ 1.1× (wall), and the same for answers 291–299 ÷ answers 2–10 — answer 1 does
 * work of its own (the declaration's first answer) and answer 300 brings the review, so the plain ratio can hide
 * a growth that the ordinary answers show.
 *
 * The same form built with grammY's conversations plugin (v2, in-memory storage; a loop of `conversation.wait()`
 * with the same validation, the same questions and the same review at the end), driven offline with fake updates
 * through `bot.handleUpdate` (botInfo given, a client `fetch` answering every outgoing call, no network), timed
 * the same way in the same rounds. The plugin replays the conversation function from its start at every update, so
 * its cost grows with the answers given: the comparison is at answer 300. Target: ours ÷ grammY < 1, wall and CPU.
 *
 *   npm run bench:long            BENCH_ROUNDS=5 BENCH_WARMUP=30
 */
import { Bot, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { conversations, createConversation, type Conversation, type ConversationFlavor } from '@grammyjs/conversations';
import { loadFlow } from '../src/flow/loader.ts';
import { LONG_FORM_DIR, orgName, questionLabel, writeLongForm } from './fixtures/long-form.ts';
import { openChat } from '../test/support/chat.ts';
import { intEnv, median, printVerdicts, row, spread, tempDir, timed, machineLine, type Sample, type Verdict } from './support.ts';

const ROUNDS = intEnv('BENCH_ROUNDS', 5);
const WARMUP = intEnv('BENCH_WARMUP', 30);
const flow = loadFlow(LONG_FORM_DIR);
const section = flow.flow.sections[0]!;
const N = section.questions.length;
const ORG = orgName(1);
/** What an operator types for question i: a plausible count, different for every question. */
const answerFor = (i: number) => String(100 + i);

// ---------------------------------------------------------------------------------------------------------------
// Ours: the whole message path through test/support/chat.ts, PGlite in a folder.

/**
 * A second, small flow beside the measured one, with an organisation of its own: each round first warms the fresh
 * database and client with WARMUP answers there (Prisma compiles a query shape once per client, PGlite warms its
 * tables), so that answer 1 of the measured declaration is not charged for a cold start no real turn pays.
 */
const warmDir = tempDir('shenbao-bench-warm-flow-');
const warmFlow = loadFlow(writeLongForm(warmDir.path, { id: 'long-form-warmup', questions: 100, first: 901, programme: '预热压测' }));
warmDir.remove();

async function oursRound(user: string, answers: number): Promise<{ samples: Sample[]; last: string }> {
  const dir = tempDir('shenbao-bench-long-');
  const chat = await openChat({ dataDir: dir.path, flows: [flow, warmFlow] });
  const start = async (who: string, org: string) => {
    await chat.say('/start', { user: who });
    const confirmed = await chat.say(org, { user: who });
    if (!confirmed.includes('已确认')) throw new Error(`organisation not confirmed:\n${confirmed}`);
  };
  try {
    await start(`${user}-warmup`, orgName(901));
    for (let i = 1; i <= Math.min(WARMUP, 99); i++) await chat.say(answerFor(i), { user: `${user}-warmup` });
    await start(user, ORG);
    const samples: Sample[] = [];
    let last = '';
    let unexpected = 0;
    for (let i = 1; i <= answers; i++) {
      const { sample, value } = await timed(() => chat.say(answerFor(i), { user }));
      samples.push(sample);
      last = value;
      if (i < answers && !value.includes(`第 ${i + 1}/${N} 题`) && unexpected++ === 0) console.log(`  warning: answer ${i} did not bring question ${i + 1}; reply began:\n${value.slice(0, 200)}`);
    }
    return { samples, last };
  } finally {
    await chat.close();
    dir.remove();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// grammY conversations: the same form, in memory, offline.

type BotContext = ConversationFlavor<Context>;

const ask = (i: number) => `【一、${section.title}】第 ${i}/${N} 题\n【一】${i} ${questionLabel(i)}\n请输入整数（单位：个）。`;
const review = (answers: number[]) =>
  `【一、${section.title}】答案一览（共 ${answers.length} 项）：\n` +
  answers.map((a, k) => `${k + 1}. 【一】${k + 1} ${questionLabel(k + 1)}：${a}个`).join('\n') +
  '\n请核对。回复“确认”完成本节；要更正请回复“修改 序号”，例如“修改 2”。';

async function longForm(conversation: Conversation<BotContext, Context>, ctx: Context) {
  await ctx.reply(ask(1));
  const answers: number[] = [];
  while (answers.length < N) {
    const next = await conversation.wait();
    const text = next.message?.text?.trim() ?? '';
    if (!/^\d+$/.test(text)) {
      await next.reply(`请输入整数（单位：个）。\n${ask(answers.length + 1)}`);
      continue;
    }
    answers.push(Number(text));
    await next.reply(answers.length < N ? ask(answers.length + 1) : review(answers));
  }
}

const botInfo: UserFromGetMe = {
  id: 42,
  is_bot: true,
  first_name: '申报助手',
  username: 'shenbao_bench_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

let sent = '';
let sentCount = 0;
let messageId = 0;
/**
 * Every outgoing call is answered here, nothing leaves the process. This is the client's `fetch`, not a transformer
 * on bot.api: the plugin (v2) builds a fresh Api for each conversation from the token and the client options, so a
 * transformer installed on bot.api never sees the replies sent inside a conversation. Request building (JSON) and
 * response parsing stay in, as with a real server.
 */
const offlineFetch = async (url: unknown, init?: { body?: unknown }) => {
  sentCount++;
  const method = String(url).split('/').pop();
  const payload = typeof init?.body === 'string' ? (JSON.parse(init.body) as { chat_id?: number; text?: string }) : {};
  let result: unknown = true;
  if (method === 'sendMessage') {
    sent = payload.text ?? '';
    result = { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id: payload.chat_id, type: 'private', first_name: '操作员' }, text: payload.text };
  }
  return new Response(JSON.stringify({ ok: true, result }), { headers: { 'content-type': 'application/json' } });
};
const bot = new Bot<BotContext>('42:offline', { botInfo, client: { fetch: offlineFetch as never } });
bot.use(conversations());
bot.use(createConversation(longForm, 'longForm'));
bot.command('start', (ctx) => ctx.conversation.enter('longForm'));

let updateId = 0;
function update(chatId: number, text: string): Update {
  const command = text.startsWith('/') ? [{ type: 'bot_command' as const, offset: 0, length: text.length }] : undefined;
  return {
    update_id: ++updateId,
    message: {
      message_id: ++messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private', first_name: '操作员' },
      from: { id: chatId, is_bot: false, first_name: '操作员' },
      text,
      ...(command ? { entities: command } : {}),
    },
  } as Update;
}

async function grammyRound(chatId: number, answers: number): Promise<{ samples: Sample[]; last: string }> {
  await bot.handleUpdate(update(chatId, '/start'));
  if (!sent.includes(`第 1/${N} 题`)) throw new Error(`grammY: the conversation did not start:\n${sent}`);
  const samples: Sample[] = [];
  for (let i = 1; i <= answers; i++) {
    const before = sentCount;
    const { sample } = await timed(() => bot.handleUpdate(update(chatId, answerFor(i))));
    if (sentCount !== before + 1) throw new Error(`grammY: answer ${i} got ${sentCount - before} replies`);
    samples.push(sample);
  }
  return { samples, last: sent };
}

// ---------------------------------------------------------------------------------------------------------------

interface Round { ours: Sample[]; grammy: Sample[] }

console.log(`long section — ${N} integer questions in one section; ${ROUNDS} rounds, each a fresh PGlite folder, declaration and user`);
console.log(`(each round first answers ${WARMUP} questions of another flow in the same database, as another operator; grammY gets a ${WARMUP}-answer warm-up chat)`);
const started = Date.now();
console.log(machineLine());
await grammyRound(1_000_000, WARMUP);
const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const ours = await oursRound(`operator-${r + 1}`, N);
  if (!ours.last.includes('答案一览')) console.log(`  warning: our answer ${N} did not bring the review; reply began:\n${ours.last.slice(0, 200)}`);
  const grammy = await grammyRound(r + 1, N);
  if (!grammy.last.includes(`共 ${N} 项`)) throw new Error('grammY: no review after the last answer');
  rounds.push({ ours: ours.samples, grammy: grammy.samples });
}

const at = (samples: Sample[], k: number, of: keyof Sample) => samples[k - 1]![of];
const between = (samples: Sample[], from: number, to: number, of: keyof Sample) => median(samples.slice(from - 1, to).map((s) => s[of]));
const column = (who: keyof Round, of: keyof Sample) => [
  spread(rounds.map((r) => at(r[who], 1, of))),
  spread(rounds.map((r) => between(r[who], 2, 10, of))),
  spread(rounds.map((r) => between(r[who], N - 9, N - 1, of))),
  spread(rounds.map((r) => at(r[who], N, of))),
];

console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; figures: median over rounds [min–max]; a range of answers is first reduced to its median)`);
console.log('');
const widths = [14, 24, 24, 24, 24];
console.log(row(['', 'answer 1', 'answers 2–10', `answers ${N - 9}–${N - 1}`, `answer ${N}`], widths));
console.log(row(['ours, wall', ...column('ours', 'wall')], widths));
console.log(row(['ours, CPU', ...column('ours', 'cpu')], widths));
console.log(row(['grammY, wall', ...column('grammy', 'wall')], widths));
console.log(row(['grammY, CPU', ...column('grammy', 'cpu')], widths));

const growth = (of: keyof Sample) => rounds.map((r) => at(r.ours, N, of) / at(r.ours, 1, of));
const lastOrdinary = (of: keyof Sample) => rounds.map((r) => between(r.ours, N - 9, N - 1, of) / between(r.ours, 2, 10, of));
const versus = (of: keyof Sample) => rounds.map((r) => at(r.ours, N, of) / at(r.grammy, N, of));
// Answer 300 is one sample a round, and grammY's swings with its garbage collections (2–8 ms here): the nine answers
// before it, reduced to their median, show the same comparison steadier.
const versusBefore = (of: keyof Sample) => rounds.map((r) => between(r.ours, N - 9, N - 1, of) / between(r.grammy, N - 9, N - 1, of));
console.log('');
console.log(`ours, answer ${N} ÷ answer 1           wall ${spread(growth('wall'), 2, '×')}   CPU ${spread(growth('cpu'), 2, '×')}   target ≤ 1.1×`);
console.log(`ours, answers ${N - 9}–${N - 1} ÷ answers 2–10  wall ${spread(lastOrdinary('wall'), 2, '×')}   CPU ${spread(lastOrdinary('cpu'), 2, '×')}   target ≤ 1.1× (the same growth without answer 1's own work and the review)`);
console.log(`ours ÷ grammY at answer ${N}           wall ${spread(versus('wall'), 1, '×')}   CPU ${spread(versus('cpu'), 1, '×')}   target < 1`);
console.log(`ours ÷ grammY at answers ${N - 9}–${N - 1}    wall ${spread(versusBefore('wall'), 1, '×')}   CPU ${spread(versusBefore('cpu'), 1, '×')}   (reported, not judged: steadier than one answer)`);

const verdicts: Verdict[] = [
  { name: `ours: answer ${N} ÷ answer 1, wall`, figure: `${median(growth('wall')).toFixed(2)}×`, target: '≤ 1.1×', pass: median(growth('wall')) <= 1.1 },
  { name: `ours: answers ${N - 9}–${N - 1} ÷ answers 2–10, wall`, figure: `${median(lastOrdinary('wall')).toFixed(2)}×`, target: '≤ 1.1×', pass: median(lastOrdinary('wall')) <= 1.1 },
  { name: `ours ÷ grammY at answer ${N}, wall`, figure: `${median(versus('wall')).toFixed(1)}×`, target: '< 1', pass: median(versus('wall')) < 1 },
  { name: `ours ÷ grammY at answer ${N}, CPU`, figure: `${median(versus('cpu')).toFixed(1)}×`, target: '< 1', pass: median(versus('cpu')) < 1 },
];
printVerdicts(verdicts);
