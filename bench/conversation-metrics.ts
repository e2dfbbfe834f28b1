import { getFlow } from '../src/flow/loader.ts';
import { openChat } from '../test/support/chat.ts';
import { walkDeclaration } from '../test/support/declaration-walk.ts';

/**
 * How much an operator reads on a phone: for each programme, one complete declaration typed from its fixture, then
 * the messages it took and the length of the replies (characters). Targets (issue 7): short replies — a median reply
 * that fits one phone screen (≤ 300 characters) and no reply that needs more than a few screens (p90 ≤ 600).
 */

const FLOWS = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'];
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

console.log('programme               messages  median reply  p90 reply  longest  total chars   (targets: median ≤ 300, p90 ≤ 600)');
for (const id of FLOWS) {
  const loaded = getFlow(id);
  const chat = await openChat({ flows: [loaded] });
  const { replies, last } = await walkDeclaration(chat, loaded);
  await chat.close();
  const lengths = replies.map((r) => [...r].length);
  const done = last.includes('全部') && last.includes('已填写完成') ? '' : '  (not completed!)';
  console.log(
    `${id.padEnd(24)}${String(replies.length).padStart(8)}${String(percentile(lengths, 50)).padStart(14)}${String(percentile(lengths, 90)).padStart(11)}` +
      `${String(Math.max(...lengths)).padStart(9)}${String(lengths.reduce((a, b) => a + b, 0)).padStart(13)}${done}`,
  );
}
