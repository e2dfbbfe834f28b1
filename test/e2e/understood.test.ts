import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openChat, SECTION_ONE, type ChatHarness } from '../support/chat.ts';
import { walkDeclaration } from '../support/declaration-walk.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';
import { getFlow } from '../../src/flow/loader.ts';

/**
 * Every message understood as meant, or refused out loud. One block per class of defect found by typing as operators
 * type; each sends an operator's messages through the router and checks what the operator reads and what is saved.
 */

let chat: ChatHarness;
beforeEach(async () => {
  chat = await openChat();
});
afterEach(async () => chat.close());

async function answers() {
  const d = await chat.db.prisma.declaration.findFirstOrThrow();
  return loadAnswers(chat.db.prisma, d.id);
}
const value = async (id: string) => (await answers())[id]?.value;

async function start() {
  await chat.say('/start');
  return chat.say('首冶新元');
}
/** A chat of one Hebei programme instead, its first unit of the directory confirmed. */
async function startHebei(id: 'hebei-base' | 'hebei-platform') {
  await chat.close();
  const loaded = getFlow(id);
  chat = await openChat({ flows: [loaded] });
  await chat.say('/start');
  return chat.say(loaded.directory[0].unit);
}
/** 【一】 answered up to (not including) question k (1-based, in the order asked). */
async function sectionOneUpTo(k: number) {
  await start();
  return chat.sayAll(SECTION_ONE.slice(0, k - 1));
}

/** 【二】 as the conversation fixture answers it, with a survey of `survey` enterprises. */
const SECTION_TWO = (survey = '40') => [
  '1 2 3 6', '1，2，6', '是', '1.2亿', '是', '否', '60%', '12', '2', '北京市众创空间、中关村硬科技孵化器',
  '3500', '2800', '3200', '2500', '1', '120', '6', '15', '70', '4', '是', '6', '95', survey, '否', '10',
];

describe('dropped: every message gets an outcome the operator can see', () => {
  it('a message at a section’s review is held and offered: 是 confirms the section and saves it as the next answer', async () => {
    await start();
    expect(await chat.sayAll(SECTION_ONE)).toContain('答案一览');
    const offer = await chat.say('1 2 3 6');
    expect(offer).toContain('【一】基本情况 正在等您确认，“1 2 3 6”还没有保存');
    expect(await value('service_types')).toBeUndefined();
    const confirmed = await chat.say('是');
    expect(confirmed).toContain('已确认【一】基本情况；“1 2 3 6”已作为【二】1 为入驻企业提供服务的类别保存');
    expect(await value('service_types')).toEqual({ values: ['创业辅导', '创新支持', '信息服务', '管理咨询'] });
    expect(confirmed).toContain('上年度有4次以上活动证明或服务合同的服务功能');
  });

  it('否 keeps the held message out and the section waiting; 是 alone confirms a review', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('张三');
    const kept = await chat.say('否');
    expect(kept).toContain('“张三”没有保存');
    expect(kept).toContain('答案一览');
    expect(await chat.say('是')).toContain('✅ 【一】基本情况 已完成');
  });

  it('a message to a completed section is refused out loud, not thrown away', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    await chat.say('第1节');
    expect(await chat.say('北京市海淀区')).toContain('本节已经完成，这条消息没有保存');
  });
});

describe('glued: one value per answer, nothing glued together', () => {
  it('two numbers for one number are refused and nothing is saved', async () => {
    await sectionOneUpTo(14); // 【一】8 单位从业人数
    const reply = await chat.say('120 40');
    expect(reply).toContain('请一次只填一个数');
    expect(await value('employees')).toBeUndefined();
    expect(await chat.say('120')).not.toContain('已保存');
    expect(await value('employees')).toBe(120);
  });

  it('echoes what was saved when it differs from what was typed', async () => {
    await sectionOneUpTo(4);
    expect(await chat.say('2015年6月1日')).toContain('已保存：注册时间 2015-06-01（您输入：2015年6月1日）');
    await chat.sayAll(SECTION_ONE.slice(4, 11));
    expect(await chat.say('3')).toContain('已保存：单位性质 私营企业（您输入：3）');
  });
});

describe('misread: negations, text that starts like a command, 确认 and 修改 where they mean nothing', () => {
  it('“不是事业单位” never selects 事业单位', async () => {
    await sectionOneUpTo(12); // 【一】6 单位性质
    const reply = await chat.say('不是事业单位');
    expect(reply).not.toContain('已保存');
    expect(await value('unit_nature')).toBeUndefined();
  });

  it('确认 is no answer to a yes/no question offering nothing: “是否受到处罚？” “确认” saves nothing', async () => {
    const asked = await sectionOneUpTo(9);
    expect(asked).toContain('近两年内是否受到刑事处罚或严重行政处罚');
    expect(await chat.say('确认')).toContain('“确认”不能作为这道是否题的答案，请回答“是”或“否”');
    expect(await value('criminal_penalty')).toBeUndefined();
    expect(await chat.say('否')).toContain('是否存在严重失信行为');
    expect(await value('criminal_penalty')).toBe(false);
  });

  it('text beginning with 去 or 改 is an answer; 修改 alone asks what to change; 确认 is not a text answer', async () => {
    await sectionOneUpTo(18); // 【一】12 经营地址
    expect(await chat.say('确认')).toContain('“确认”不能作为本题的答案');
    expect(await value('address')).toBeUndefined();
    await chat.say('去年迁至北京市昌平区科技园路1号');
    expect(await value('address')).toBe('去年迁至北京市昌平区科技园路1号');
    const ask = await chat.say('修改');
    expect(ask).toContain('要修改哪一题');
    const picked = await chat.say('8');
    expect(picked).toContain('【一】5 法定代表人');
    // Within the section, the operator is back at the question they had reached.
    expect(await chat.say('改制后由李四担任')).toContain('【一】13 网址');
    expect(await value('legal_rep')).toBe('改制后由李四担任');
  });

  it('a share typed as 0.95 is asked back, not saved as 0.95 %', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    await chat.sayAll(SECTION_TWO().slice(0, 22));
    const reply = await chat.say('0.95'); // 【二】9 服务对象平均满意度
    expect(reply).toContain('95%');
    expect(await value('satisfaction')).toBeUndefined();
  });
});

describe('misfiled: a warning belongs to its question; a correction is not a note', () => {
  it('after a warning a corrected number replaces the warned one; 确认 asks for a note', async () => {
    await sectionOneUpTo(14); // 【一】8 单位从业人数, then 【一】9 服务人员
    await chat.say('100');
    const warned = await chat.say('120');
    expect(warned).toContain('多于单位从业人数');
    expect(await chat.say('确认')).toContain('请用一两句话写明情况说明');
    await chat.say('90');
    expect((await answers()).service_staff).toMatchObject({ value: 90, note: null });
  });

  it('a cross-check completed in 【三】 about the survey count in 【二】 is a notice there, and the next answer is 【三】’s', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    await chat.sayAll(SECTION_TWO('10'));
    await chat.say('确认');
    const reply = await chat.say('80'); // 【三】1 入驻企业家数
    expect(reply).toContain('关于四（一）7 满意度调查覆盖的入驻企业数的提醒');
    expect(reply).toContain('其中小微企业家数');
    await chat.say('65');
    expect((await answers()).resident_total).toMatchObject({ value: 80, note: null });
    expect((await answers()).resident_small).toMatchObject({ value: 65, note: null });
  });
});

describe('wrongly complete: completeness is computed', () => {
  it('an edit that opens a new required question in a completed section reopens it, returns the operator, and progress says so', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    const two = SECTION_TWO();
    two.splice(2, 2, '否'); // no fund, so no 基金规模
    await chat.sayAll(two);
    await chat.say('确认');
    expect(await chat.say('修改 是否自主设立或联合设立园区投资基金')).toContain('【二】2 是否自主设立或联合设立园区投资基金');
    const back = await chat.say('是');
    expect(back).toContain('【二】经营服务情况 新增 1 个必填题目，已重新打开');
    expect(back).toContain('已回到【三】入驻企业情况');
    expect(await chat.say('目录')).toMatch(/【二】经营服务情况　进行中 \d+\/\d+/);
  });

  it('switching the platform’s service category reopens 【三】 and nothing says 全部完成 while its questions are open', async () => {
    await chat.close();
    const loaded = getFlow('beijing-platform-2024');
    chat = await openChat({ flows: [loaded] });
    const { last } = await walkDeclaration(chat, loaded);
    expect(last).toContain('全部 8 个部分已填写完成');
    await chat.say('修改 申报服务类别');
    // A category unlike the directory's asks for a 情况说明 first; then the switch takes effect.
    expect(await chat.say('创业辅导')).toContain('情况说明');
    const switched = await chat.say('本年度主营服务调整为创业辅导，已向主管部门报备');
    expect(switched).toMatch(/【三】专业服务成效情况 新增 \d+ 个必填题目，已重新打开/);
    expect(switched).not.toContain('全部 8 个部分已填写完成');
    expect(await chat.say('进度')).toContain('已完成 7/8 个部分');
  });
});

describe('needlessly refused: numbers, dates, yes/no and edit targets as people write them', () => {
  it('accepts 约120 (saying it was saved as exact), 2015年6月1号, 没有受到处罚 and 能', async () => {
    await sectionOneUpTo(4);
    await chat.say('2015年6月1号');
    expect(await value('reg_date')).toBe('2015-06-01');
    await chat.say('能'); // 具有独立法人资格
    expect(await value('legal_person')).toBe(true);
    await chat.sayAll(SECTION_ONE.slice(5, 8));
    await chat.say('没有受到处罚');
    expect(await value('criminal_penalty')).toBe(false);
    await chat.sayAll(SECTION_ONE.slice(9, 13));
    const approx = await chat.say('约120');
    expect(await value('employees')).toBe(120);
    expect(approx).toContain('已保存：单位从业人数 120人');
  });

  it('edits by what the bot shows: 修改 【五】1, 修改 【一】15 建筑面积', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    await chat.say('确认');
    expect(await chat.say('修改 【五】1')).toContain('【五】 单位简介（300字以内）');
    expect(await chat.say('修改 【一】15 建筑面积')).toContain('【一】15 建筑面积');
    const candidates = await chat.say('修改 【一】15');
    expect(candidates).toContain('对应多个题目，请回复序号选择');
    expect(await chat.say('2')).toContain('【一】15 建筑面积');
  });

  it('Hebei: 修改 【四】1 names the first question of 四', async () => {
    await startHebei('hebei-base');
    expect(await chat.say('修改 【四】1')).toContain('四、服务成效');
  });

  it('Hebei: “不是，应该是4%左右” to a computed share names what it is computed from, and the edit it offers works', async () => {
    await startHebei('hebei-platform');
    expect(await chat.say('第2节')).toContain('资产总额');
    await chat.sayAll(['3500万', '45台', '120']);
    const wrong = await chat.say('不是，应该是4%左右');
    expect(wrong).toContain('计算结果由“仪器、设备购买价格（万元）”、“资产总额（万元）”算出，不能直接修改');
    expect(await chat.say('修改 仪器、设备购买价格（万元）')).toContain('当前答案：120万元');
    expect(await chat.say('140')).toContain('计算结果：4%');
    // The share typed in as a figure is told apart from a confirmation.
    expect(await chat.say('4%')).toContain('这一项是计算结果，不用填写数字');
  });

  it('Hebei: 没有 to 其中自有面积 (没有的填0) saves 0, said back; an owned area larger than the whole is refused at once', async () => {
    await startHebei('hebei-platform');
    await chat.say('第2节');
    await chat.sayAll(['3500万', '45台', '120', '是', '2000平米']);
    expect(await chat.say('3000')).toContain('自有面积（3,000平方米）是服务场地面积的一部分，不能多于服务场地面积（2,000平方米）');
    expect(await chat.say('没有')).toContain('已保存：其中自有（平方米） 0平方米（您输入：没有）');
    expect(await value('owned_area')).toBe('0');
  });
});

describe('late verdicts: said right after the answer that decides them, naming what failed', () => {
  it('a registration under two years fails threshold 1 at 【一】4, naming the date only', async () => {
    await sectionOneUpTo(4);
    const reply = await chat.say('2025-06-01');
    expect(reply).toContain('❌ 门槛条件1：成立时间不足两年：注册于2025-06-01');
    expect(reply).not.toContain('建筑面积');
  });

  it('no resident enterprises fails threshold 4 at once', async () => {
    await start();
    await chat.say('第3节');
    expect(await chat.say('0')).toContain('❌ 门槛条件4：截至上年末入驻企业家数为0');
  });
});

describe('noise: short, stable replies', () => {
  it('查看 at a review prints the list once', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    const review = await chat.say('查看');
    expect(review.split('答案一览').length - 1).toBe(1);
  });

  it('the question counter’s total never grows while 【二】 is answered', async () => {
    await start();
    await chat.sayAll(SECTION_ONE);
    const replies = [await chat.say('确认')];
    for (const line of SECTION_TWO().slice(0, -1)) replies.push(await chat.say(line));
    // Questions not yet ruled out are counted, so an answer can only take some away (工作站已建设: no commitment asked).
    const totals = replies.flatMap((r) => [...r.matchAll(/【二、经营服务情况】第 \d+\/(\d+) 题/g)].map((m) => Number(m[1])));
    expect(totals.length).toBeGreaterThan(20);
    expect(totals.every((t, i) => i === 0 || t <= totals[i - 1])).toBe(true);
  });

  it('a refused choice lists the options once', async () => {
    await sectionOneUpTo(12);
    const reply = await chat.say('合伙制');
    expect(reply.split('私营企业').length - 1).toBe(1);
  });
});
