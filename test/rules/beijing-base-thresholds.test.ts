import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { formatDerived } from '../../src/engine/format.ts';
import type { Question } from '../../src/flow/schema.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';

/**
 * The ten 门槛条件 of the Beijing base 2023 evaluation (seed: beijing-base-2023-guide.txt 四（一）), each passed and
 * failed at the boundary the seed sets. Every case starts from the complete fixture and changes only what the
 * threshold reads, as an operator would type it; every input is valid (no errors), so a verdict is the rule's own.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture: Record<string, unknown> = parse(readFileSync(`${ROOT}test/fixtures/answers/beijing-base-2023.yaml`, 'utf8'));
const flow = getFlow('beijing-base-2023');
const TODAY = '2026-11-21';

function fill(changes: Record<string, unknown> = {}, remove: string[] = []) {
  const answers = { ...fixture, ...changes };
  for (const id of remove) delete answers[id];
  return fillAnswers(flow, answers, { today: TODAY });
}

/** The verdict of threshold n on the fixture with these changes; the input itself must be valid. */
function verdict(n: number, changes: Record<string, unknown> = {}, remove: string[] = []) {
  const result = fill(changes, remove);
  expect(result.errors).toEqual([]);
  const v = result.thresholds.find((t) => t.number === n)!;
  expect(v, `threshold ${n}`).toBeDefined();
  return v;
}

const passes = (n: number, changes: Record<string, unknown> = {}, remove: string[] = []) => {
  const v = verdict(n, changes, remove);
  expect(v.status, v.reason).toBe('pass');
  expect(v.reason).toBe(`门槛条件${n}（${v.title}）已满足`);
};

/** Fails, and the reason quotes the seed's rule and the operator's value. */
const fails = (n: number, changes: Record<string, unknown>, quotes: string[], remove: string[] = []) => {
  const v = verdict(n, changes, remove);
  expect(v.status).toBe('fail');
  expect(v.reason.startsWith(`门槛条件${n}：`), v.reason).toBe(true);
  for (const q of quotes) expect(v.reason).toContain(q);
};

describe('beijing-base-2023 fixture', () => {
  it('is complete, valid and passes all ten thresholds', () => {
    const result = fill();
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.thresholds.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.thresholds.map((t) => t.status)).toEqual(Array(10).fill('pass'));
  });
});

describe('beijing-base-2023 门槛条件 1: 独立法人, 注册在北京市, 成立两年以上, 立项手续, 产业政策, 建筑面积 ≥ 5000, 公共服务面积 ≥ 500', () => {
  // A 5000 ㎡ base must also have its parts within 5000 ㎡ (已租赁 ≤ 建筑面积 is a hard check): the same parts for both sides.
  const small = { owned_area: 3000, rented_area: 1999, leased_area: 3000 };
  /** The reason names the one sub-condition that failed, not the other six. */
  const namesOnly = (n: number, changes: Record<string, unknown>, others: string[]) => {
    const v = verdict(n, changes);
    for (const other of others) expect(v.reason).not.toContain(other);
  };

  it('建筑面积 5000 passes, 4999 fails, naming only the area', () => {
    passes(1, { ...small, build_area: 5000 });
    expect(fill({ ...small, build_area: 5000 }).warnings).toEqual([]);
    fails(1, { ...small, build_area: 4999 }, ['建筑面积4,999平方米', '建筑面积不小于5000平方米']);
    namesOnly(1, { ...small, build_area: 4999 }, ['公共服务场所面积', '成立时间', '独立法人']);
  });

  it('公共服务场所面积 500 passes, 499 fails', () => {
    passes(1, { public_area: 500 });
    fails(1, { public_area: 499 }, ['公共服务场所面积499平方米', '公共服务区域、配套空间和配套设施的面积不低于500平方米']);
    namesOnly(1, { public_area: 499 }, ['建筑面积4', '成立时间']);
  });

  it('two years old by the end of 2023 passes; two years only by the submission day is review naming both dates; under two years at submission fails', () => {
    // The seed says 成立时间两年以上 without saying until when (TODAY is the submission day).
    passes(1, { reg_date: '2021-12-31' });
    const open = verdict(1, { reg_date: '2022-01-01' });
    expect(open.status).toBe('review');
    for (const date of ['2022-01-01', '2023-12-31', TODAY]) expect(open.reason).toContain(date);
    expect(open.reason).toContain('没有写明算到哪一天');
    expect(verdict(1, { reg_date: '2024-11-21' }).status).toBe('review');
    fails(1, { reg_date: '2024-11-22' }, ['成立时间不足两年', '注册于2024-11-22', TODAY]);
    // A failing sub-condition outweighs an open date: the verdict is fail, naming both.
    fails(1, { reg_date: '2022-01-01', public_area: 499 }, ['公共服务场所面积499平方米']);
  });

  it('registered outside Beijing fails', () => {
    passes(1, { reg_district: '海淀区' });
    fails(1, { reg_district: '北京市以外' }, ['注册在北京市', '注册所在区为“北京市以外”']);
  });

  it('no independent legal personality, incomplete project approval or outside the city’s industrial policy fails', () => {
    fails(1, { legal_person: '否' }, ['不具有独立法人资格']);
    fails(1, { project_approval: '否' }, ['基地建设立项手续不完备']);
    fails(1, { policy_compliance: '否' }, ['不符合本市产业政策和发展规划']);
  });
});

describe('beijing-base-2023 门槛条件 2: 无刑事及严重行政处罚, 无严重失信, 法定代表人无不良信用记录', () => {
  const RULE = '近两年内未受到刑事及严重行政处罚，不存在严重失信行为；单位法定代表人诚信、守法，无不良信用记录';

  it('all three “否” passes', () => {
    passes(2, { criminal_penalty: '否', serious_dishonesty: '否', rep_bad_credit: '否' });
  });

  it('each single “是” fails', () => {
    fails(2, { criminal_penalty: '是' }, [RULE, '近两年内受到刑事或严重行政处罚是']);
    fails(2, { serious_dishonesty: '是' }, [RULE, '存在严重失信行为是']);
    fails(2, { rep_bad_credit: '是' }, [RULE, '法定代表人有不良信用记录是']);
  });
});

describe('beijing-base-2023 门槛条件 3: 上年末入驻小型微型企业 ≥ 60, ≥ 40 for 高精尖 manufacturing', () => {
  it('a non-高精尖 base: 60 passes, 59 fails', () => {
    passes(3, { gjj_manufacturing: '否', resident_small: 60 });
    fails(3, { gjj_manufacturing: '否', resident_small: 59 }, ['上年末入驻小型微型企业数应不低于60家', '您填写的是59家']);
  });

  it('a 高精尖 manufacturing base: 40 passes, 39 fails', () => {
    passes(3, { gjj_manufacturing: '是', resident_small: 40 });
    fails(3, { gjj_manufacturing: '是', resident_small: 39 }, ['“高精尖”领域制造业', '应不少于40家', '您填写的是39家']);
  });

  it('40 small enterprises are not enough for a non-高精尖 base', () => {
    fails(3, { gjj_manufacturing: '否', resident_small: 40 }, ['您填写的是40家']);
  });
});

describe('beijing-base-2023 门槛条件 4: 两个主导产业的企业集聚度 ≥ 60 %, ≥ 80 % for 高精尖 manufacturing', () => {
  // resident_total is 80 in the fixture: 48 ÷ 80 = 60 %, 47 ÷ 80 = 58.75 %, 64 ÷ 80 = 80 %, 63 ÷ 80 = 78.75 %.
  it('derives the concentration from the two counts', () => {
    expect(fixture.resident_total).toBe(80);
    expect(fill({ leading_industry_enterprises: 47 }).derived.concentration).toBe(58.75);
  });

  it('a non-高精尖 base: 48 of 80 (60 %) passes, 47 of 80 (58.75 %) fails', () => {
    passes(4, { gjj_manufacturing: '否', leading_industry_enterprises: 48 });
    fails(4, { gjj_manufacturing: '否', leading_industry_enterprises: 47 }, [
      '企业集聚度应不低于60%',
      '您的集聚度为58.75%',
      '主营业务属于主导产业的企业47家，入驻企业80家',
    ]);
  });

  it('a 高精尖 manufacturing base: 64 of 80 (80 %) passes, 63 of 80 (78.75 %) fails', () => {
    passes(4, { gjj_manufacturing: '是', leading_industry_enterprises: 64 });
    fails(4, { gjj_manufacturing: '是', leading_industry_enterprises: 63 }, ['“高精尖”领域制造业', '企业集聚度应不低于80%', '您的集聚度为78.75%']);
  });

  it('the same 60 % that passes a general base fails a 高精尖 manufacturing base', () => {
    fails(4, { gjj_manufacturing: '是', leading_industry_enterprises: 48 }, ['不低于80%', '您的集聚度为60%']);
  });
});

describe('beijing-base-2023 门槛条件 4 at the exact boundary: no rounding before the comparison', () => {
  // 59,999 of 100,000 resident enterprises: 59.999 %, shown rounded as 60 %, is still below 60 %.
  const many = { resident_total: 100000, resident_small: 65 };

  it('59.999 % fails and the reason gives the exact figure; 60 % passes', () => {
    const concentration = flow.questions.get('concentration') as Extract<Question, { type: 'derived' }>;
    expect(fill({ ...many, leading_industry_enterprises: 59999 }).derived.concentration).toBeCloseTo(59.999, 9);
    expect(formatDerived(concentration, 59.999)).toBe('60%');
    fails(4, { ...many, leading_industry_enterprises: 59999 }, ['您的集聚度为59.999%']);
    passes(4, { ...many, leading_industry_enterprises: 60000 });
  });

  it('79.999 % fails the 高精尖 variant; 80 % passes', () => {
    fails(4, { ...many, gjj_manufacturing: '是', leading_industry_enterprises: 79999 }, ['不低于80%', '您的集聚度为79.999%']);
    passes(4, { ...many, gjj_manufacturing: '是', leading_industry_enterprises: 80000 });
  });

  it('the percent answers compare as typed: 89.99 % satisfaction fails, 90 passes; 49.99 % free service at the station is review, 50 passes', () => {
    fails(7, { satisfaction: '89.99' }, ['89.99%']);
    passes(7, { satisfaction: '90' });
    expect(verdict(9, { ws_free_share: '49.99' }).status).toBe('review');
    passes(9, { ws_free_share: '50' });
  });
});

describe('beijing-base-2023 门槛条件 5: 管理体系认证, or ≥ 8 management documents', () => {
  it('a certified base passes without counting documents', () => {
    passes(5, { certified: '是' }, ['policy_docs']);
    expect(fill({ certified: '是' }, ['policy_docs']).missing).toEqual([]);
  });

  it('an uncertified base: 8 documents pass, 7 fail', () => {
    passes(5, { certified: '否', policy_docs: 8 });
    fails(5, { certified: '否', policy_docs: 7 }, ['不具备管理体系认证的', '不少于8项', '您填写的是7项']);
  });

  it('an uncertified base must say how many documents it has', () => {
    const result = fill({ certified: '否' }, ['policy_docs']);
    expect(result.missing.map((m) => m.field)).toEqual(['policy_docs']);
    expect(result.thresholds[4].status).toBe('unknown');
  });
});

describe('beijing-base-2023 门槛条件 6: ≥ 8 本科及以上学历和中级及以上技术职称专业人员', () => {
  it('8 passes, 7 fails', () => {
    passes(6, { qualified_staff: 8 });
    fails(6, { qualified_staff: 7 }, ['本科及以上学历和中级及以上技术职称专业人员应不少于8人', '您填写的是7人']);
  });
});

describe('beijing-base-2023 门槛条件 7: 入驻企业服务满意度 ≥ 90 %', () => {
  it('90 passes, 89.9 fails', () => {
    passes(7, { satisfaction: 90 });
    fails(7, { satisfaction: 89.9 }, ['入驻企业服务满意度应不低于90%', '平均满意度是89.9%']);
    // The survey must cover 40 % of the resident enterprises (80 → 32), at most 60.
    passes(7, { satisfaction: 95, survey_count: 32 });
    fails(7, { satisfaction: 95, survey_count: 31 }, ['不少于入驻企业数的40%（最多60家）', '入驻企业80家', '覆盖31家']);
    passes(7, { satisfaction: 95, resident_total: 200, resident_small: 150, leading_industry_enterprises: 150, survey_count: 60 });
  });
});

describe('beijing-base-2023 门槛条件 8: 一定的公益性免费服务', () => {
  it('any free share above 0 passes, 0 fails', () => {
    passes(8, { free_service_share: '0.5%' });
    fails(8, { free_service_share: '0' }, ['须为小微企业提供一定的公益性免费服务', '占比是0%']);
  });
});

describe('beijing-base-2023 门槛条件 9: 配有企业服务工作站 (可承诺当年年底前建设完成; 附件1-2-2 its standard)', () => {
  const BUILT = ['ws_area', 'ws_staff', 'ws_activities', 'ws_free_share', 'ws_fulltime_staff', 'ws_head_senior', 'ws_partners'];

  it('a built workstation meeting 附件1-2-2 passes', () => {
    passes(9, { workstation: '已建设' });
  });

  it('not built, with the commitment to finish by year end, passes and lists the commitment as evidence', () => {
    passes(9, { workstation: '未建设', ws_commitment: '是' }, BUILT);
    const result = fill({ workstation: '未建设', ws_commitment: '是' }, BUILT);
    expect(result.missing).toEqual([]);
    const items = evidenceChecklist(flow, result.answers, buildScope(flow, result.answers, { today: TODAY }));
    expect(items.find((i) => i.id === 't9_commitment')?.title).toContain('承诺');
    expect(items.some((i) => i.id === 't9_photos')).toBe(false);
  });

  it('not built and no commitment fails', () => {
    fails(9, { workstation: '未建设', ws_commitment: '否' }, ['未建设', '未承诺本年年底前建设完成'], BUILT);
  });

  it('a built station below 附件1-2-2 is review, naming each point it misses and nothing else', () => {
    const below = verdict(9, { ws_area: 60, ws_fulltime_staff: 2, ws_head_senior: '否', ws_partners: 4 });
    expect(below.status).toBe('review');
    for (const point of ['面积60平米', '80平米以上', '专职人员2人', '不少于3人', '站长', '副总经理', '合作服务机构4家', '5家（含）以上', '指南未规定不达标即不合格']) {
      expect(below.reason).toContain(point);
    }
    for (const met of ['服务人员6人', '免费服务占比', '年组织活动']) expect(below.reason).not.toContain(met);
    for (const [changes, point] of [
      [{ ws_staff: 4, ws_fulltime_staff: 3 }, '服务人员4人'],
      [{ ws_free_share: 49.99 }, '免费服务占比49.99%'],
      [{ ws_activities: 9 }, '年组织活动9次'],
    ] as const) {
      const v = verdict(9, changes);
      expect(v.status, point).toBe('review');
      expect(v.reason).toContain(point);
    }
    passes(9, { ws_area: 80, ws_staff: 5, ws_fulltime_staff: 3, ws_partners: 5, ws_free_share: 50, ws_activities: 10 });
  });

  it('an answer outside the two options is an input error, not a verdict', () => {
    const result = fill({ workstation: '正在选址' });
    expect(result.errors.map((e) => e.field)).toEqual(['workstation']);
    expect(result.thresholds[8].status).toBe('unknown');
  });
});

describe('beijing-base-2023 门槛条件 10: 至少三项有证明材料的服务功能', () => {
  it('three proven functions pass, two fail', () => {
    passes(10, { proven_functions: ['创业辅导', '创新支持', '管理咨询'] });
    fails(10, { proven_functions: ['创业辅导', '创新支持'] }, ['示范基地必须至少包含三项服务功能', '创业辅导、创新支持', '不足三项']);
  });

  it('counts only the proven functions, not every type of service offered', () => {
    const result = fill({ service_types: ['创业辅导', '创新支持', '信息服务', '管理咨询', '人员培训'], proven_functions: ['创业辅导', '创新支持'] });
    expect(result.thresholds[9].status).toBe('fail');
  });
});
