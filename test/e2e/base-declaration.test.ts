import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openChat, SECTION_ONE, type ChatHarness } from '../support/chat.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';

/** The Beijing base 2023 declaration through the router, as an operator would type it. */

let chat: ChatHarness;
beforeEach(async () => {
  chat = await openChat();
});
afterEach(async () => chat.close());

async function startAsBase(name = '首冶新元') {
  expect(await chat.say('/start')).toContain('请先发送贵单位名称');
  const reply = await chat.say(name);
  expect(reply).toContain('北京首冶新元科技发展有限公司');
  expect(reply).toContain('【一】1 单位名称');
  return reply;
}


/** Complete 【一】, go to 【三】 and answer up to the 高精尖 question with 80 enterprises, `small` of them small or micro. */
async function reachGjjQuestion(small: string) {
  await startAsBase();
  await chat.sayAll(SECTION_ONE);
  await chat.say('确认');
  await chat.say('第3节');
  await chat.sayAll(['80', small, '新一代信息技术、智能制造']);
}

async function declarationId() {
  const d = await chat.db.prisma.declaration.findFirstOrThrow();
  return d.id;
}

describe('onboarding', () => {
  it('finds the base by part of its name and offers the directory name as the default', async () => {
    const reply = await startAsBase();
    expect(reply).toContain('名录登记为：北京首冶新元科技发展有限公司');
  });

  it('takes the directory name for 是的, and asks for the right one after 不是 instead of saving the words', async () => {
    await startAsBase();
    const refused = await chat.say('不是');
    expect(refused).toContain('好的，不用名录登记的“北京首冶新元科技发展有限公司”。请直接发送正确的单位名称。');
    expect(await chat.say('是的。')).toContain('【一】2');
    const answers = await loadAnswers(chat.db.prisma, await declarationId());
    expect(answers.unit_name?.value).toBe('北京首冶新元科技发展有限公司');
  });

  it('lists candidates when a name matches several bases, and takes a number', async () => {
    await chat.say('/start');
    const reply = await chat.say('科技孵化器');
    expect(reply).toMatch(/找到 \d+ 个相符的名录条目/);
    expect(reply).toContain('1. ');
    const picked = await chat.say('1');
    expect(picked).toContain('已确认');
  });

  it('says clearly when nothing in the directory matches', async () => {
    await chat.say('/start');
    expect(await chat.say('火星探索有限公司')).toContain('名录中没有找到“火星探索有限公司”');
  });
});

describe('what a tired operator types into 【一】', () => {
  it('a contact typed ahead into 经营地址 is refused, saying why; 暂无网站 to the optional 网址 leaves it empty', async () => {
    await startAsBase();
    const address = SECTION_ONE.indexOf('北京市昌平区科技园路1号');
    await chat.sayAll(SECTION_ONE.slice(0, address));
    const refused = await chat.say('张三 13800000000');
    expect(refused).toContain('这一题不填电话号码');
    expect(refused).toContain('【一】12 经营地址');
    await chat.say('北京市昌平区科技园路1号');
    // Not saved as the words “暂无网站”: the cell stays empty, as after 跳过.
    expect(await chat.say('暂无网站')).toContain('投资方');
    const answers = await loadAnswers(chat.db.prisma, await declarationId());
    expect(answers.address).toMatchObject({ value: '北京市昌平区科技园路1号' });
    expect(answers.website).toMatchObject({ value: null, skipped: true });
  });

  it('investors sent one per message, with spaces between the cells, are added row by row until 没有了', async () => {
    await startAsBase();
    const investors = SECTION_ONE.findIndex((answer) => answer.startsWith('首钢集团'));
    await chat.sayAll(SECTION_ONE.slice(0, investors));
    const first = await chat.say('首钢集团 国有企业 60%');
    expect(first).toContain('已记录 1 行（最多 3 行，还可再加 2 行）');
    expect(first).toContain('1) 投资方：首钢集团，单位性质：国有企业，投资比例（%）：60');
    // Over 100 % together with the row saved: refused, the saved row kept.
    const over = await chat.say('某投资公司，私营企业，50');
    expect(over).toContain('投资比例合计超过了100%');
    expect(over).toContain('已记录 1 行');
    expect(await chat.say('某投资公司，私营企业，40')).toContain('已记录 2 行（最多 3 行，还可再加 1 行）');
    expect(await chat.say('没有了')).toContain('【一】15');
    const answers = await loadAnswers(chat.db.prisma, await declarationId());
    expect(answers.investors?.value).toEqual([
      { investor: '首钢集团', nature: '国有企业', ratio: '60' },
      { investor: '某投资公司', nature: '私营企业', ratio: '40' },
    ]);
  });
});

describe('section 【一】 and threshold feedback in 【三】', () => {
  it('completes 【一】 with a review, then threshold 3 fails for 45 small enterprises at a non-高精尖 base', async () => {
    await startAsBase();
    const review = await chat.sayAll(SECTION_ONE);
    expect(review).toContain('答案一览（共 26 项）');
    expect(review).toContain('1. 【一】1 单位名称：北京首冶新元科技发展有限公司');
    // A long review comes a page at a time; the rest on request, the confirmation still waiting.
    expect(review).toContain('第 1/2 页，回复“查看 2”看下一页');
    const rest = await chat.say('查看 2');
    expect(rest).toContain('26. 【一】15 公共服务场所面积：800平方米');
    expect(rest).toContain('【一】13 网址：（已跳过）');
    expect(rest).not.toContain('13. 【一】13');
    const next = await chat.say('确认');
    expect(next).toContain('✅ 【一】基本情况 已完成');
    expect(next).toContain('【二】1 为入驻企业提供服务的类别');

    expect(await chat.say('第3节')).toContain('【三】1 截至上年末入驻企业家数');
    await chat.sayAll(['80', '45', '新一代信息技术、智能制造']);
    const verdict = await chat.say('否');
    expect(verdict).toContain('门槛条件3：上年末入驻小型微型企业数应不低于60家（高精尖领域制造业基地不少于40家），您填写的是45家');
  });

  it('passes threshold 3 for 45 small enterprises at a 高精尖 manufacturing base', async () => {
    await reachGjjQuestion('45');
    const reply = await chat.say('是');
    expect(reply).not.toContain('门槛条件3');
    expect(await chat.say('门槛')).toMatch(/✅ 满足　门槛条件3/);
  });

  it('an edit of an earlier answer flips the threshold, and the history keeps old and new values', async () => {
    await reachGjjQuestion('45');
    expect(await chat.say('否')).toContain('❌ 门槛条件3');

    const jump = await chat.say('修改 【三】1 其中小微企业家数');
    expect(jump).toContain('当前答案：45家');
    const fixed = await chat.say('65');
    expect(fixed).toContain('✅ 门槛条件3（上年末入驻小型微型企业数）现已满足');
    // Back where the operator was: the next unanswered question.
    expect(fixed).toContain('【三】3 主营业务属于主导产业的企业数');

    const history = await chat.db.prisma.answerHistory.findMany({ where: { questionId: 'resident_small' }, orderBy: { createdAt: 'asc' } });
    expect(history.map((h) => [h.oldValue, h.newValue])).toEqual([[null, 45], [45, 65]]);
  });

  it('an edit that makes the concentration fall below 60 % is said at once', async () => {
    await reachGjjQuestion('65');
    await chat.say('否');
    expect(await chat.say('70')).toContain('入驻企业产业集聚度（%） = 87.5%');
    await chat.say('修改 1');
    const reply = await chat.say('200');
    expect(reply).toContain('35%');
    expect(reply).toContain('❌ 门槛条件4');
  });
});

describe('navigation', () => {
  it('goes back, skips only optional questions, and shows progress and help', async () => {
    await startAsBase();
    await chat.sayAll(['是', '首冶新元创新基地']);
    const back = await chat.say('返回');
    expect(back).toContain('【一】2 基地名称');
    expect(back).toContain('当前答案：首冶新元创新基地');
    expect(await chat.say('跳过')).toContain('【一】3 注册所在区'); // keeps the answer
    expect(await chat.say('跳过')).toContain('此题为必填项，不能跳过');
    const progress = await chat.say('进度');
    expect(progress).toContain('已完成 0/8 个部分');
    expect(progress).toContain('门槛条件判断');
    expect(await chat.say('帮助')).toContain('可用的说法');
    expect(await chat.say('目录')).toContain('【八】附件材料');
  });

  it('a warning needs a 情况说明, stored with the answer', async () => {
    await startAsBase();
    await chat.sayAll(SECTION_ONE.slice(0, 14));
    // 从事中小企业服务人员 greater than 单位从业人数 is a warning, not a refusal.
    const warned = await chat.say('150');
    expect(warned).toContain('⚠️');
    expect(warned).toContain('情况说明');
    expect(await chat.say('x')).toContain('请用一两句话说明原因');
    const saved = await chat.say('含外聘兼职服务人员，已附合同');
    expect(saved).toContain('已记录答案和情况说明');
    const answers = await loadAnswers(chat.db.prisma, await declarationId());
    expect(answers.service_staff).toMatchObject({ value: 150, note: '含外聘兼职服务人员，已附合同' });
  });
});

describe('redelivery', () => {
  it('a message delivered twice is answered once and changes nothing the second time', async () => {
    await startAsBase();
    await chat.say('是', { key: 'update-1001' });
    const first = await chat.say('首冶新元创新基地', { key: 'update-1002' });
    expect(first).toContain('【一】3 注册所在区');
    const again = await chat.say('首冶新元创新基地', { key: 'update-1002' });
    expect(again).toBe('');
    const id = await declarationId();
    expect(await chat.db.prisma.answerHistory.count({ where: { declarationId: id, questionId: 'base_name' } })).toBe(1);
    // The conversation is still at the same question.
    expect(await chat.say('/start')).toContain('【一】3 注册所在区');
  });
});

describe('bad input: a clear message, the same question again, nothing lost', () => {
  async function atQuestion(answersBefore: string[]) {
    await startAsBase();
    await chat.sayAll(answersBefore);
  }
  const cases: [string, string[], string, RegExp][] = [
    ['letters in a number', SECTION_ONE.slice(0, 13), '一百二十abc', /不是有效的数字.*请只输入阿拉伯数字/],
    ['a negative count', SECTION_ONE.slice(0, 13), '-5', /不能为负数/],
    ['a future 注册时间', SECTION_ONE.slice(0, 3), '2030-01-01', /日期不能晚于今天（2026-11-21）/],
    ['an impossible date', SECTION_ONE.slice(0, 3), '2015-02-30', /不是存在的日期/],
    ['an empty message', SECTION_ONE.slice(0, 3), '   ', /没有收到内容/],
    ['an unknown command', SECTION_ONE.slice(0, 3), '/foo', /无法识别“\/foo”/],
    ['a choice not offered', SECTION_ONE.slice(0, 11), '9', /不在选项中/],
  ];
  for (const [name, before, input, expected] of cases) {
    it(name, async () => {
      await atQuestion(before);
      const id = await declarationId();
      const saved = await chat.db.prisma.answer.count({ where: { declarationId: id } });
      const prompt = await chat.say('/start');
      const question = prompt.split('\n').find((l) => /^(【.】|四（一）)/.test(l))!;
      const reply = await chat.say(input);
      expect(reply).toMatch(expected);
      expect(reply).toContain(question);
      expect(await chat.db.prisma.answer.count({ where: { declarationId: id } })).toBe(saved);
    });
  }

  it('a percent over 100', async () => {
    await startAsBase();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    await chat.sayAll(['1 2 3 6', '1 2 6', '否', '是', '是']);
    expect(await chat.say('120')).toMatch(/百分比不能超过 100，您填写的是 120%/);
  });

  it('小微企业家数 greater than 入驻企业家数 is refused', async () => {
    await startAsBase();
    await chat.say('第3节');
    await chat.say('60');
    const reply = await chat.say('70');
    expect(reply).toContain('小微企业家数');
    expect(reply).toContain('70');
    expect(reply).toContain('【三】1 其中小微企业家数');
  });

  it('text over 300 字 is refused with its length', async () => {
    await startAsBase();
    await chat.say('第5节');
    const reply = await chat.say('基'.repeat(301));
    expect(reply).toContain('内容共 301 字，超过了 300 字的上限');
    expect(await chat.say('基'.repeat(300))).not.toContain('超过了');
  });

  it('a 1 MB paste is refused without touching saved answers', async () => {
    await startAsBase();
    await chat.sayAll(SECTION_ONE.slice(0, 5));
    const id = await declarationId();
    const before = await loadAnswers(chat.db.prisma, id);
    const reply = await chat.say('粘'.repeat(1024 * 1024));
    expect(reply).toContain('消息过长');
    expect(reply).toContain('之前的答案都在');
    expect(await loadAnswers(chat.db.prisma, id)).toEqual(before);
  });
});
