import { afterEach, describe, expect, it } from 'vitest';
import { openChat, type ChatHarness } from '../support/chat.ts';
import { getFlow } from '../../src/flow/loader.ts';
import { loadAnswers } from '../../src/store/declaration-repository.ts';

/** The other programmes through the same router: what is particular to each shows in the conversation. */

const ALL = () => ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'].map((id) => getFlow(id));
let chat: ChatHarness;
afterEach(async () => chat?.close());

/** Open a chat on all four programmes and name the organisation; returns the reply to the name. */
async function startAs(unit: string) {
  chat = await openChat({ flows: ALL() });
  await chat.say('/start');
  return chat.say(unit);
}

async function answers() {
  const d = await chat.db.prisma.declaration.findFirstOrThrow();
  return loadAnswers(chat.db.prisma, d.id);
}

describe('Beijing platform 2024', () => {
  it('warns when the declared category differs from the directory and keeps the 情况说明', async () => {
    const first = await startAs('黑钻石（北京）文化传媒股份有限公司');
    expect(first).toContain('黑钻石中小企业公共服务平台');
    expect(first).toContain('名录登记为：创业辅导');
    // The organisation is recorded with the directory's name, district and category, for coordinators' summaries.
    expect(await chat.db.prisma.organisation.findFirstOrThrow()).toMatchObject({
      unitName: '黑钻石（北京）文化传媒股份有限公司', name: '黑钻石中小企业公共服务平台', district: '丰台区', category: '创业辅导',
    });
    const warned = await chat.say('综合咨询');
    expect(warned).toContain('⚠️');
    expect(warned).toContain('创业辅导');
    expect(warned).toContain('情况说明');
    await chat.say('经市经信局同意，本年度服务类别调整为综合咨询');
    expect((await answers()).service_category).toMatchObject({ value: { value: '综合咨询' }, note: '经市经信局同意，本年度服务类别调整为综合咨询' });
  });

  it('accepts the directory category without a warning and asks only that category’s 【三】 variant', async () => {
    await startAs('黑钻石（北京）文化传媒股份有限公司');
    const next = await chat.say('是');
    expect(next).not.toContain('⚠️');
    // Computed shares waiting for their inputs are not counted as answered.
    expect(await chat.say('目录')).toContain('【二】运营情况　未开始');
    const section3 = await chat.say('第3节');
    expect(section3).toContain('【三】2（1） 上一年度开展创业相关服务活动次数');
    const review = await chat.say('查看');
    expect(review).not.toContain('【三】1（1）');
    expect(review).not.toContain('【三】6（1）');
  });
});

describe('Hebei base', () => {
  it('takes the service grid row by row, shows the totals back and saves on confirmation', async () => {
    await startAs('邦辰');
    expect(await chat.say('第4节')).toContain('请填写“信息服务”');
    const second = await chat.say('12 30 150');
    expect(second).toContain('合计：服务活动次数 12次，服务企业数 30家，服务人数 150人');
    expect(second).toContain('请填写“创业辅导”');
    // The section's note was said on arrival; row by row, only the rows so far and the next one.
    expect(second).not.toContain('以下数据截止到');
    await chat.say('创业辅导 5 20 80；人员培训 4 25 100');
    const confirm = await chat.say('其余为0');
    expect(confirm).toContain('请核对');
    expect(confirm).toContain('合计：服务活动次数 21次，服务企业数 75家，服务人数 330人');
    expect((await answers()).service_matrix).toBeUndefined();
    const saved = await chat.say('是');
    expect(saved).toContain('服务企业年度总数量');
    expect((await answers()).service_matrix?.value).toMatchObject({ 信息服务: { activities: 12, enterprises: 30, people: 150 }, 市场营销: { activities: 0 } });
    // The unique total of served enterprises is checked against the grid: more than the sum of its rows is odd.
    const warned = await chat.say('80');
    expect(warned).toContain('多于服务成效表中各类服务的服务企业数之和');
    expect(warned).toContain('情况说明');
  });

  it('computes the growth figures and asks the operator to confirm them', async () => {
    await startAs('邦辰');
    await chat.say('第4节');
    await chat.say('信息服务 12 100 150；创业辅导 5 60 80');
    await chat.say('其余为0');
    await chat.say('是');
    expect(await chat.say('120')).not.toContain('⚠️');
    const increase = await chat.say('100');
    expect(increase).toContain('计算结果：20家');
    expect(increase).toContain('是否正确');
    const growth = await chat.say('是');
    expect(growth).toContain('计算结果：20%');
    await chat.say('是');
    expect((await answers()).served_growth?.value).toEqual({ confirmed: 20 });
    // A changed input makes the confirmed figure stale: it is asked again.
    await chat.say('修改 【四】1');
    const again = await chat.say('修改 2');
    expect(again).toContain('服务企业年度总数量');
    const reask = await chat.say('150');
    expect(reask).toContain('计算结果：50家');
  });
});

describe('a unit listed in both Hebei directories', () => {
  it('chooses which declaration to work on', async () => {
    const choose = await startAs('唐山百川智能机器股份有限公司');
    expect(choose).toContain('找到 2 个相符的名录条目');
    expect(choose).toContain('全省中小企业公共服务示范平台运营情况表');
    expect(choose).toContain('全省小型微型企业创业创新示范基地运营情况表');
    const line = choose.split('\n').find((l) => l.includes('示范平台运营情况表'))!;
    const picked = await chat.say(line.split('.')[0]);
    expect(picked).toContain('已确认：唐山百川智能机器股份有限公司');
    expect(picked).toContain('示范平台运营情况表');
    const d = await chat.db.prisma.declaration.findFirstOrThrow();
    expect(d.flowId).toBe('hebei-platform');
  });
});
