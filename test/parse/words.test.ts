import { describe, expect, it } from 'vitest';
import { parseChoice, parseMulti, parseYesNo } from '../../src/engine/parse-answer.ts';

/**
 * The catalogue of words: yes and no as people say them, and choices matched as whole options, never selected by a
 * sentence that denies them. Tables are [typed, stored] or [typed, fragment of the refusal].
 */

type Result = { ok: boolean; value?: unknown; message?: string };
const refusal = (r: Result) => (r.ok ? `accepted: ${JSON.stringify(r.value)}` : r.message!);
const options = (...names: (string | { value: string; label: string })[]) => names.map((n) => (typeof n === 'string' ? { value: n, label: n } : n));
/** How many times the option list appears in a refusal: at most once. */
const listings = (message: string, first: string) => message.split(`1. ${first}`).length - 1;

describe('yes and no as people say them', () => {
  const YES = [
    '是', '是的', '对', '对的', '有', '有的', '能', '可以', '可', '会', '确认', '确定', '已', '已经', '已通过', '已建设', '好', '好的', '嗯', '嗯嗯',
    '行', '没错', '没问题', '符合', '属于', '具备', '√', 'Y', 'y', 'yes', 'YES', 'ok', '1', '１', '是的。', '对啊', '是滴', '对对对', '好的好的',
    '有的，已通过认证', '是，已建成', '对，我们有', '已通过ISO9001认证', '已建立企业服务工作站', '有受到过处罚',
  ];
  const NO = [
    '否', '不是', '不对', '没有', '没', '无', '不能', '不可以', '不会', '未', '不', '×', 'N', 'n', 'no', 'No', '2', '无此情况', '没有此情况',
    '不存在', '从未', '暂无', '尚未', '不涉及', '没有。', '没有受到处罚', '未受到处罚', '无不良记录', '没有不良记录', '没有失信行为',
    '不存在严重失信行为', '从未受到行政处罚', '否，没有', '没有，从未受过处罚', '不是，我们是企业',
  ];
  const UNDECIDED = [
    '也许', '可能', '可能吧', '不清楚', '不太清楚', '不知道', '不确定', '无法确定', '待定', '看情况', '应该是', '好像有', '是否', '是不是要填',
    '有没有', '有吗', '是吗？', '什么意思？', '有点', '有些有', '不是没有', '是的，但还没盖章', '有，不过已经整改', '是的，没有受到处罚',
    '有的，没有', '有问题', '哈哈', '11', '', '1 2 3 6', '2 5', 'y n', '1，2',
  ];
  it.each(YES)('%s → 是', (typed) => expect(parseYesNo(typed)).toEqual({ ok: true, value: true }));
  it.each(NO)('%s → 否', (typed) => expect(parseYesNo(typed)).toEqual({ ok: true, value: false }));
  it.each(UNDECIDED)('%s is asked again', (typed) => expect(refusal(parseYesNo(typed))).toContain('请回答“是”或“否”'));
  it('the refusal quotes what was sent and how else to answer', () => {
    expect(refusal(parseYesNo('也许'))).toBe('请回答“是”或“否”（也可回复 1 表示是，2 表示否），您发送的是“也许”。');
  });
});

describe('a choice matches a whole option, its number, or an unambiguous part of one', () => {
  const natures = options('国有企业', '国有控股企业', '私营企业', '外资企业', '合资企业', '事业单位', '社会团体', '其他');
  it.each([
    ['6', '事业单位'], ['６', '事业单位'], ['第6项', '事业单位'], ['第六项', '事业单位'], ['6.', '事业单位'], ['事业单位', '事业单位'],
    ['事业单位。', '事业单位'], ['国有 企业', '国有企业'], ['私营', '私营企业'], ['事业', '事业单位'], ['国有控股', '国有控股企业'],
    ['我们是事业单位', '事业单位'], ['属于私营企业', '私营企业'], ['社会团体（非营利）', '社会团体'],
  ])('%s → %s', (typed, value) => expect(parseChoice(typed, natures, '其他')).toEqual({ ok: true, value: { value } }));

  it.each([
    ['其他：民办非企业单位', '民办非企业单位'], ['其他（民办非企业单位）', '民办非企业单位'], ['其他:机关', '机关'], ['8：机关', '机关'], ['其他 非营利组织', '非营利组织'],
  ])('其他 with its text: %s', (typed, other) => expect(parseChoice(typed, natures, '其他')).toEqual({ ok: true, value: { value: '其他', other } }));

  it.each([
    ['不是事业单位', '您的回答是“不是事业单位”，请直接回复属于哪一项'],
    ['非事业单位', '您的回答是“非事业单位”，请直接回复属于哪一项'],
    ['不属于事业单位', '您的回答是“不属于事业单位”'],
    ['我们不是事业单位', '您的回答是“我们不是事业单位”'],
    ['没有事业单位', '您的回答是“没有事业单位”'],
    ['无事业单位', '您的回答是“无事业单位”'],
    ['不是国有企业，是私营企业', '请直接回复属于哪一项'],
    ['国有企业和私营企业合资', '对应不止一个选项'],
    ['企业', '对应不止一个选项'],
    ['没有', '不在选项中'],
    ['无', '不在选项中'],
    ['9', '“9”不在选项中（共 8 项）'],
    ['其他', '选择“其他”时请写明具体内容'],
  ])('%s is refused: %s', (typed, fragment) => {
    const message = refusal(parseChoice(typed, natures, '其他'));
    expect(message).toContain(fragment);
    expect(listings(message, '国有企业')).toBeLessThanOrEqual(1);
  });

  it('a denial lists the options exactly once', () => {
    const message = refusal(parseChoice('不是事业单位', natures, '其他'));
    expect(message).toBe('您的回答是“不是事业单位”，请直接回复属于哪一项（序号或名称）：1. 国有企业  2. 国有控股企业  3. 私营企业  4. 外资企业  5. 合资企业  6. 事业单位  7. 社会团体  8. 其他');
  });

  const premises = options('自有', '租赁', '部分自有部分租赁', '无固定经营服务场所');
  it.each([
    ['租赁', '租赁'], ['租赁的', '租赁'], ['部分租赁', '部分自有部分租赁'], ['无固定经营服务场所', '无固定经营服务场所'],
    ['没有固定经营服务场所', '无固定经营服务场所'], ['4', '无固定经营服务场所'],
  ])('an option that is itself a denial: %s → %s', (typed, value) => expect(parseChoice(typed, premises)).toEqual({ ok: true, value: { value } }));
  it.each([['不是自有', '您的回答是“不是自有”'], ['无', '不在选项中']])('%s is refused: %s', (typed, fragment) => {
    expect(refusal(parseChoice(typed, premises))).toContain(fragment);
  });

  const station = options('已建设', '未建设，承诺本年年底前建设完成');
  it.each([
    ['未建设，承诺本年年底前建设完成', '未建设，承诺本年年底前建设完成'], ['未建设,承诺本年年底前建设完成', '未建设，承诺本年年底前建设完成'],
    ['未建设 承诺本年年底前建设完成', '未建设，承诺本年年底前建设完成'], ['未建设。承诺本年年底前建设完成', '未建设，承诺本年年底前建设完成'],
    ['2', '未建设，承诺本年年底前建设完成'], ['已建设', '已建设'],
  ])('punctuation and spaces do not matter: %s', (typed, value) => expect(parseChoice(typed, station)).toEqual({ ok: true, value: { value } }));
  it('a part that drops what matters selects nothing', () => expect(refusal(parseChoice('未建设', station))).toContain('不在选项中'));

  const hosts = options('机关', '事业单位', { value: '社团法人', label: '社团法人（协会、学会、商会、联合会等社会团体）' }, { value: '企业', label: '企业（包括本运营单位）' }, '其他');
  it.each([
    ['社团法人', '社团法人'], ['社团法人（协会、学会、商会、联合会等社会团体）', '社团法人'], ['社团法人(协会、学会、商会、联合会等社会团体)', '社团法人'],
    ['企业', '企业'], ['3', '社团法人'],
  ])('by value or full label: %s → %s', (typed, value) => expect(parseChoice(typed, hosts, '其他')).toEqual({ ok: true, value: { value } }));
});

describe('several choices', () => {
  const functions = options('创业辅导', '创新支持', '信息服务', '投融资服务', '人员培训', '管理咨询', '专业咨询', '产业链服务');
  it.each([
    ['1 2 3', ['创业辅导', '创新支持', '信息服务']], ['1、2', ['创业辅导', '创新支持']], ['1,3,5', ['创业辅导', '信息服务', '人员培训']],
    ['1，3，5', ['创业辅导', '信息服务', '人员培训']], ['1；3', ['创业辅导', '信息服务']], ['创业辅导、人员培训', ['创业辅导', '人员培训']],
    ['创业辅导和人员培训', ['创业辅导', '人员培训']], ['培训 投融资', ['人员培训', '投融资服务']], ['1 1 2', ['创业辅导', '创新支持']],
    ['无', []], ['都没有', []], ['以上都不是', []],
  ] as const)('%s → %s', (typed, values) => expect(parseMulti(typed, functions, { minSelected: 0 })).toEqual({ ok: true, value: { values } }));

  it.each([
    ['非创业辅导', '“非创业辅导”是否定的说法，不会选中“创业辅导”'],
    ['1 没有培训', '“没有培训”是否定的说法，不会选中“人员培训”'],
    ['咨询', '“咨询”对应不止一个选项'],
    ['1 9', '“9”不在选项中'],
    ['10', '“10”不在选项中'],
  ])('%s is refused: %s', (typed, fragment) => {
    const message = refusal(parseMulti(typed, functions, {}));
    expect(message).toContain(fragment);
    expect(listings(message, '创业辅导')).toBeLessThanOrEqual(1);
  });

  it('at least one when the question asks for one', () => expect(refusal(parseMulti('无', functions, {}))).toContain('至少需要选择 1 项'));

  it('an option whose name holds a separator is taken whole', () => {
    const hosts = options('机关', { value: '社团法人', label: '社团法人（协会、学会、商会、联合会等社会团体）' });
    expect(parseMulti('社团法人（协会、学会、商会、联合会等社会团体）、机关', hosts, {})).toEqual({ ok: true, value: { values: ['社团法人', '机关'] } });
  });

  it('其他 with its text among several', () => {
    const kinds = options('网站', 'APP', '小程序', '其他');
    expect(parseMulti('网站、其他：公众号', kinds, { other: '其他' })).toEqual({ ok: true, value: { values: ['网站', '其他'], other: '公众号' } });
    expect(refusal(parseMulti('网站 其他', kinds, { other: '其他' }))).toContain('请写明具体内容');
  });
});
