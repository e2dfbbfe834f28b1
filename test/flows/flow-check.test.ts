import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFlowDir } from '../../src/flow/check.ts';
import { brokenCopy, checkProblems } from '../support/broken-flow.ts';

/**
 * Each generic rule of `shenbao flows check`, shown on a real flow broken in one place: the problem is reported once,
 * at its zod-style path, in Chinese. The shipped flows pass every rule (see each flow's own test).
 */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const problems = (id: string, change: (flow: any) => void) => checkProblems(tmp, id, change);

describe('flows check: expressions', () => {
  it('reports an unknown identifier in a question’s when', () => {
    expect(problems('beijing-base-2023', (f) => (f.sections[1].questions[3].when = 'has_fundd'))).toEqual([
      'sections.1.questions.3.when: 表达式引用了不存在的题目或常量“has_fundd”（has_fundd）',
    ]);
  });

  it('reports an expression that does not parse, and a function that does not exist', () => {
    expect(problems('beijing-base-2023', (f) => (f.sections[1].questions[3].when = 'has_fund and'))).toEqual([
      expect.stringMatching(/^sections\.1\.questions\.3\.when: 表达式无法解析：.*（has_fund and）$/),
    ]);
    expect(problems('beijing-base-2023', (f) => (f.sections[1].questions[3].when = 'counts(service_types) > 2'))).toEqual([
      'sections.1.questions.3.when: 表达式调用了未定义的函数“counts”（counts(service_types) > 2）',
    ]);
  });

  it('reports an unknown identifier in the when of evidence, top-level or defined inline', () => {
    expect(
      problems('beijing-base-2023', (f) => {
        f.evidence[0].when = 'has_fundd';
        f.thresholds[0].evidence[1].when = 'owned_areas > 0';
      }),
    ).toEqual([
      'evidence.0.when: 表达式引用了不存在的题目或常量“has_fundd”（has_fundd）',
      'thresholds.0.evidence.1.when: 表达式引用了不存在的题目或常量“owned_areas”（owned_areas > 0）',
    ]);
  });

  it('lets a row check read the answers and its row, but not a column its table lacks', () => {
    expect(problems('beijing-base-2023', (f) => (f.tables[3].rowChecks[0].when = 'resident_total > 0 and enterprises > 0'))).toEqual([]);
    expect(problems('beijing-base-2023', (f) => (f.tables[3].rowChecks[0].assert = 'participants >= 10'))).toEqual([
      'tables.3.rowChecks.0.assert: 表达式引用了不存在的题目或常量“participants”（participants >= 10）',
    ]);
  });
});

describe('flows check: placeholders', () => {
  it('reports a check message placeholder that names nothing', () => {
    expect(problems('beijing-base-2023', (f) => (f.checks[0].message += '（{survey_cnt}）'))).toEqual([
      'checks.0.message: 文字中的占位符“{survey_cnt}”不是题目或常量',
    ]);
  });

  it('reports a threshold message placeholder that names nothing', () => {
    expect(problems('beijing-base-2023', (f) => (f.thresholds[0].cases[0].message += '{build_areas}'))).toEqual([
      'thresholds.0.cases.0.message: 文字中的占位符“{build_areas}”不是题目或常量',
    ]);
  });

  it('fills a row check message from the row only: its columns pass, an answer is reported', () => {
    expect(problems('beijing-base-2023', (f) => (f.tables[3].rowChecks[0].message += '（{date}）'))).toEqual([]);
    expect(problems('beijing-base-2023', (f) => (f.tables[3].rowChecks[0].message += '（{resident_total}）'))).toEqual([
      'tables.3.rowChecks.0.message: 文字中的占位符“{resident_total}”不是本表的列',
    ]);
  });

  it('reports a placeholder in a label or help, which nothing fills in; {year} is rendered at load', () => {
    expect(
      problems('beijing-base-2023', (f) => {
        f.sections[2].questions[0].label += '（{resident_small}）';
        f.sections[2].questions[0].help = '截至{year}年末，{year_end}';
      }),
    ).toEqual([
      'sections.2.questions.0.label: 占位符“{resident_small}”不会被替换：只有 message 按答案填写，其他文字只能用 {year}、{prev_year}、{next_year}',
      'sections.2.questions.0.help: 占位符“{year_end}”不会被替换：只有 message 按答案填写，其他文字只能用 {year}、{prev_year}、{next_year}',
    ]);
  });
});

describe('flows check: ids', () => {
  it('reports a duplicate question id at the second use', () => {
    expect(
      problems('beijing-base-2023', (f) => f.sections[3].questions.push({ id: 'resident_total', type: 'integer', label: '重复的题目', ref: '【四】' })),
    ).toEqual([expect.stringMatching(/^sections\.3\.questions\.\d+\.id: 题目 id “resident_total”重复（已用于 sections\.2\.questions\.0\.id）$/)]);
  });

  it('reports a duplicate check id across questions, the flow and tables', () => {
    expect(problems('beijing-base-2023', (f) => (f.tables[3].rowChecks[1].id = f.checks[0].id))).toEqual([
      'tables.3.rowChecks.1.id: 检查 id “survey_coverage”重复（已用于 checks.0.id）',
    ]);
  });

  it('reports a duplicate table id and a table id that is a question id', () => {
    const table = (id: string) => ({ id, title: '另一张表', ref: '附表', columns: [{ id: 'name', label: '名称' }] });
    expect(problems('beijing-base-2023', (f) => f.tables.push(table('activity_ledger'), table('resident_total')))).toEqual([
      'tables.9.id: 表格 id “activity_ledger”重复（已用于 tables.3.id）',
      'tables.10.id: 表格 id “resident_total”与题目 id 相同（题目在 sections.2.questions.0.id）',
    ]);
  });

  it('reports a duplicate column id and a choice column without choices', () => {
    expect(
      problems('beijing-base-2023', (f) => {
        f.tables[3].columns[7].id = 'people';
        delete f.tables[3].columns[2].choicesFrom;
      }),
    ).toEqual(['tables.3.columns.2: 选择列需要 choices 或 choicesFrom', 'tables.3.columns.7.id: 列 id “people”重复（已用于 tables.3.columns.6.id）']);
  });

  it('reports an indicator naming a question that does not exist', () => {
    expect(problems('beijing-base-2023', (f) => f.indicators[0].questions.push('build_areas'))).toEqual([
      'indicators.0.questions.1: 题目“build_areas”不存在',
    ]);
  });
});

describe('flows check: evidence', () => {
  it('reports an evidence reference to nothing', () => {
    expect(problems('beijing-base-2023', (f) => f.indicators[0].evidence.push('t1_licence'))).toEqual([
      'indicators.0.evidence.5: 证明材料“t1_licence”没有定义',
    ]);
  });

  it('reports evidence defined in two places, saying whether the two differ', () => {
    expect(problems('beijing-base-2023', (f) => f.indicators[0].evidence.push({ ...f.evidence[0] }))).toEqual([
      'indicators.0.evidence.5.id: 证明材料“report_scan”重复定义（与 evidence.0 相同；其他地方请只写 id 引用）',
    ]);
    expect(problems('beijing-base-2023', (f) => f.indicators[0].evidence.push({ id: 't1_license', title: '营业执照' }))).toEqual([
      'indicators.0.evidence.5.id: 证明材料“t1_license”重复定义且内容不同（另见 thresholds.0.evidence.0）；请只定义一次，其他地方写 id 引用',
    ]);
  });
});

describe('flows check: vocabularies and questions', () => {
  it('reports an unknown vocabulary in a question, a table column and a matrix’s rows', () => {
    const message = (id: string) => `词表“${id}”不存在（可在 flows/_shared 中定义并在 imports 中引入）`;
    expect(
      problems('beijing-base-2023', (f) => {
        f.sections[1].questions[0].choicesFrom = 'service_function';
        f.tables[3].columns[2].choicesFrom = 'service_function';
      }),
    ).toEqual([`sections.1.questions.0.choicesFrom: ${message('service_function')}`, `tables.3.columns.2.choicesFrom: ${message('service_function')}`]);
    expect(problems('hebei-base', (f) => (f.sections[3].questions[0].rowsFrom = 'hebei_service_types'))).toEqual([
      `sections.3.questions.0.rowsFrom: ${message('hebei_service_types')}`,
    ]);
  });

  it('reports an alias that would say two options, in a question and in a table column', () => {
    const find = (list: any[], id: string) => list.findIndex((item) => item.id === id);
    expect(
      problems('beijing-platform-2024', (f) => {
        const basic = f.sections[0].questions;
        const nature = basic[find(basic, 'unit_nature')];
        nature.choices[0].aliases.push('民企');
        const staff = f.tables[find(f.tables, 'staff_list')];
        staff.columns[find(staff.columns, 'degree')].choices[1].aliases.push('本科');
      }),
    ).toEqual([
      expect.stringMatching(/^sections\.0\.questions\.\d+\.choices: 别名“民企”（私营企业）同时是选项“国有企业”的名称或别名，回答时无法区分$/),
      expect.stringMatching(/^tables\.\d+\.columns\.\d+\.choices: 别名“本科”（硕士研究生）同时是选项“本科”的名称或别名，回答时无法区分$/),
    ]);
  });

  it('reports an extra question without help', () => {
    expect(problems('beijing-base-2023', (f) => delete f.sections[0].questions[4].help)).toEqual([
      'sections.0.questions.4.help: 表格本身不问的题目（extra）需要 help 说明为何要问',
    ]);
  });
});

describe('flows check: the directory', () => {
  /** A copy of the shipped flows with one directory's CSV changed; returns that flow's folder. */
  const brokenDirectory = (id: string, change: (csv: string) => string) => brokenCopy(tmp, id, 'directory.csv', change);
  const report = (dir: string) => checkFlowDir(dir).map((i) => `${i.file.split('/').slice(-2).join('/')}: ${i.path}: ${i.message}`);

  it('reports a category the form cannot accept, where the directory prefills a choice question', () => {
    const dir = brokenDirectory('beijing-platform-2024', (csv) => csv.replace(/^(1,[^\n]*,)创业辅导,/m, '$1创业咨询,'));
    expect(report(dir)).toEqual(['beijing-platform-2024/directory.csv: 第2行.category: “创业咨询”不是题目 service_category（申报服务类别）的选项']);
  });

  it('reports a repeated number and an undeclared column', () => {
    const dup = brokenDirectory('beijing-base-2023', (csv) => csv.replace(/^2,/m, '1,'));
    expect(report(dup)).toEqual(['beijing-base-2023/directory.csv: 第3行.seq: 序号 1 与第2行重复']);
    const extra = brokenDirectory('hebei-platform', (csv) => csv.replace(/^([^\n]*)/, '$1,note').replace(/\n(\d+,[^\n]*)/g, '\n$1,'));
    expect(report(extra)).toEqual(['hebei-platform/directory.csv: 表头: 列“note”没有在 flow.yaml 的 directory.columns 中声明']);
  });
});

describe('flows check: nothing claimed that the seed does not say', () => {
  const NOT_SAID = '依据文件中没有“营业执照正副本及年检报告”的字样：请在 quote 中写出依据文件要求该材料的原文，或标记 extra: true 并在 reason 中说明为何建议准备（将列为“建议材料”）';

  it('reports an evidence item whose words the seed does not have, unless it is marked as the assistant’s suggestion with a reason', () => {
    expect(problems('beijing-base-2023', (f) => (f.thresholds[0].evidence[0].title = '营业执照正副本及年检报告'))).toEqual([`thresholds.0.evidence.0.title: ${NOT_SAID}`]);
    expect(
      problems('beijing-base-2023', (f) => Object.assign(f.thresholds[0].evidence[0], { title: '营业执照正副本及年检报告', extra: true, reason: '便于核对注册信息' })),
    ).toEqual([]);
    expect(problems('beijing-base-2023', (f) => Object.assign(f.thresholds[0].evidence[0], { title: '营业执照正副本及年检报告', extra: true }))).toEqual([
      'thresholds.0.evidence.0.reason: 助手补充的项（extra）需要 reason 说明为何补充',
    ]);
  });

  it('accepts a paraphrased title whose quote is the seed’s own words, and reports a quote the seed does not have', () => {
    expect(problems('beijing-base-2023', (f) => Object.assign(f.thresholds[0].evidence[0], { title: '营业执照复印件', quote: '提供企业营业执照或法人证书复印件' }))).toEqual([]);
    expect(problems('beijing-base-2023', (f) => Object.assign(f.thresholds[0].evidence[0], { quote: '营业执照正副本及年检报告' }))).toEqual([
      `thresholds.0.evidence.0.quote: ${NOT_SAID}`,
    ]);
  });

  it('reports a rule whose reference is not in the seed, or that has none and is not marked as the assistant’s check', () => {
    expect(problems('beijing-base-2023', (f) => (f.checks[0].ref = '四（一）12'))).toEqual([
      'checks.0.ref: 依据文件中找不到“四（一）12”；请改为依据文件中的出处，或标记 extra: true 并在 reason 中说明',
    ]);
    expect(problems('beijing-base-2023', (f) => (f.thresholds[8].cases[1].conditions[0].ref = '附件1-2-2 一（八）'))).toEqual([
      'thresholds.8.cases.1.conditions.0.ref: 依据文件中找不到“附件1-2-2 一（八）”；请改为依据文件中的出处，或标记 extra: true 并在 reason 中说明',
    ]);
    expect(problems('beijing-base-2023', (f) => delete f.checks[0].ref)).toEqual([
      'checks.0.ref: 规则需要 ref 写明依据文件中的出处；依据文件没有的核对请标记 extra: true 并在 reason 中说明（提示时会注明是助手的核对）',
    ]);
    expect(problems('beijing-base-2023', (f) => Object.assign(f.checks[0], { ref: undefined, extra: true, reason: '助手核对调查数量' }))).toEqual([]);
  });

  it('reports a seed it cannot find', () => {
    expect(problems('beijing-base-2023', (f) => (f.seed = 'no-such-guide.txt'))).toEqual([
      'seed: 找不到依据文件“no-such-guide.txt”（在申报项目文件夹、SHENBAO_SEEDS_DIR 或 ../shared/seeds 中）；没有它无法核对材料和规则的出处',
    ]);
  });
});
