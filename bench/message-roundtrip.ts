/**
 * How long one operator message takes, measured side by side in one run:
 *   step    — restore a section actor from its snapshot, send one answer, persist (pure, no database)
 *   message — the whole router: idempotency key, answers, snapshot and history in one PGlite transaction
 * Prints medians and the ratio message/step, so a regression in either shows as a changed ratio.
 */
import { performance } from 'node:perf_hooks';
import { getFlow } from '../src/flow/loader.ts';
import { stepSection } from '../src/engine/section-step.ts';
import { openChat, SECTION_ONE } from '../test/support/chat.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loaded = getFlow('beijing-base-2023');
const section = loaded.flow.sections[0];
const env = { today: '2026-11-21' };
const first = stepSection(loaded, section, null, {}, env);
const stepTimes: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const t = performance.now();
  const s = stepSection(loaded, section, first.snapshot, {}, env, { type: 'ANSWER', text: '北京首冶新元科技发展有限公司' });
  JSON.stringify(s.snapshot);
  stepTimes.push(performance.now() - t);
}

const chat = await openChat();
await chat.say('/start');
await chat.say('首冶新元');
const messageTimes: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  // Alternate going back and answering again: every message changes an answer and the snapshot.
  const text = i % 2 === 0 ? SECTION_ONE[0] : '返回';
  const t = performance.now();
  await chat.say(text);
  messageTimes.push(performance.now() - t);
}
await chat.close();

const step = median(stepTimes);
const message = median(messageTimes);
console.log(`rounds                 ${ROUNDS}`);
console.log(`section step median   ${step.toFixed(3)} ms`);
console.log(`router message median ${message.toFixed(3)} ms (PGlite, in memory)`);
console.log(`ratio message/step    ${(message / step).toFixed(1)}`);
console.log(`rss                   ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
