import { afterEach, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { answerFixture, typed, whereIs } from '../support/declaration-walk.ts';
import { choicesOf, getFlow, type LoadedFlow } from '../../src/flow/loader.ts';
import type { Question } from '../../src/flow/schema.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { orgScope } from '../../src/engine/scope.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';

/**
 * A whole declaration of each programme typed the way a tired operator types on a phone — units after numbers, 万 and
 * 亿, 约, full-width digits, yes/no in words, options by name, dates in Chinese, an edit from another section, a
 * warning answered with a correction — must save exactly what the headless fill saves from the plain fixture.
 */

const FLOWS = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'];
let chat: ChatHarness;
afterEach(async () => chat?.close());

const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
const YES = ['有', '是的', '可以', '对', '是'];
const NO = ['没有', '否', '无', '不是', '没'];

/** The fixture's value as a person might type it; `n` varies the way from one question to the next. */
function naturally(loaded: LoadedFlow, q: Question, value: unknown, n: number): string {
  if (value === null || value === undefined) return '跳过';
  // A fixture value already written the way people write it (“1.2亿”) is typed as it is.
  if (['integer', 'amount', 'percent', 'area'].includes(q.type) && !Number.isFinite(Number(value))) return String(value);
  switch (q.type) {
    case 'integer': {
      const v = Number(value);
      if (v >= 10000 && v % 1000 === 0) return `${v / 10000}万`;
      return [`${v}${q.unit ?? ''}`, fullWidth(String(v)), `约${v}`, String(v)][n % 4];
    }
    case 'amount': {
      const v = Number(value);
      if (q.unit === '万元' && v >= 10000 && v % 1000 === 0) return `${v / 10000}亿`;
      if (q.unit === '万元' && v >= 1000 && Number.isInteger(v)) return [`${v.toLocaleString('en-US')}万元`, `${v * 10000}元`, `${v}万`][n % 3];
      return [`${v}万`, String(v)][n % 2];
    }
    case 'percent':
      return [`${value}%`, `百分之${value}`, String(value)][n % 3];
    case 'area': {
      const v = Number(value);
      if (v >= 10000 && v % 1000 === 0) return `${v / 10000}万平方米`;
      return [`${v}平米`, `${v}㎡`, `${v}平方米`][n % 3];
    }
    case 'date': {
      const [y, m, d] = String(value).split('-').map(Number);
      return `${y}年${m}月${d}号`;
    }
    case 'yesno':
      return (value === true || value === '是' ? YES : NO)[n % 5];
    case 'choice': {
      const v = typeof value === 'object' ? (value as { value: string }).value : String(value);
      const label = choicesOf(loaded, q).find((c) => c.value === v || c.label === v)?.label;
      return label && !(value as { other?: string })?.other ? label : typed(q, value);
    }
    default:
      return typed(q, value);
  }
}

describe('a declaration typed as operators type it saves what the headless fill saves', () => {
  for (const id of FLOWS) {
    it(id, async () => {
      const loaded = getFlow(id);
      const { answers, seq } = answerFixture(id);
      chat = await openChat({ flows: [loaded] });
      await chat.say('/start');
      let reply = await chat.say(loaded.directory.find((e) => e.seq === seq)!.unit);
      if (reply.includes('请回复序号选择')) reply = await chat.say('1');
      const refused: string[] = [];
      let n = 0;
      let edited = false;
      let warned = false;
      for (let turn = 0; turn < 700; turn++) {
        const now = await whereIs(chat, loaded);
        if (now.done) break;
        const { position, question } = now;
        let text: string;
        if (position.phase === 'review' || position.phase === 'done') text = ['确认', '是', '好的'][n % 3];
        else if (position.phase === 'explaining') text = '数据已核实，情况说明随附件提交';
        else if (position.phase === 'confirming' || question?.type === 'derived') text = ['是', '确认', '对'][n % 3];
        else if (question && question.type === 'integer' && !warned && question.checks.some((c) => c.level === 'warning')) {
          // A warning answered with a correction: first a value that trips the check, then the right one.
          warned = true;
          const first = await chat.say(String(Number(answers[question.id] ?? 0) + 100000));
          if (first.includes('⚠️')) expect(await chat.say(naturally(loaded, question, answers[question.id], n))).not.toContain('情况说明）');
          continue;
        } else text = question && question.id in answers ? naturally(loaded, question, answers[question.id], n++) : '跳过';
        reply = await chat.say(text);
        // A refusal leads the reply; the prompt that follows may itself say how to answer.
        if (/不是有效|不在选项中|不能为空|必填项|不能大于|不能小于|不能超过|请一次只填一个数|没有保存|您发送的是/.test(reply.split('\n\n')[0])) {
          refused.push(`${question?.id}: ${text} → ${reply.split('\n')[0]}`);
          if (refused.length > 3) break;
        }
        // Once into the third section, correct an answer of the first from here, as typed, and be taken back.
        const { currentSectionId } = await chat.db.prisma.declaration.findFirstOrThrow();
        if (!edited && loaded.flow.sections.findIndex((s) => s.id === currentSectionId) >= 2 && (await whereIs(chat, loaded)).position?.phase === 'asking') {
          edited = true;
          const target = loaded.flow.sections[0].questions.find((q) => q.type === 'text' && q.id in answers && !q.prefill)!;
          expect(await chat.say(`修改 ${target.label}`)).toContain(target.label);
          expect(await chat.say(String(answers[target.id]))).toContain('已回到');
        }
      }
      expect(refused).toEqual([]);
      expect(edited).toBe(true);
      expect(reply).toContain(`全部 ${loaded.flow.sections.length} 个部分已填写完成`);
      const declaration = await chat.db.prisma.declaration.findFirstOrThrow();
      const saved = await loadAnswers(chat.db.prisma, declaration.id);
      const headless = fillAnswers(loaded, answers, { today: '2026-11-21', org: orgScope(loaded.directory.find((e) => e.seq === seq)) });
      const values = (a: Record<string, { value: unknown }>) =>
        Object.fromEntries(Object.entries(a).filter(([qid]) => loaded.questions.get(qid)?.type !== 'derived').map(([qid, v]) => [qid, v.value]));
      expect(values(saved)).toEqual(values(headless.answers));
    });
  }
});
