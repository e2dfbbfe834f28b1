import { join } from 'node:path';
import { compile, functionsOf, FUNCTIONS, identifiersOf } from './expression.ts';
import { checkReport } from './report-check.ts';
import { checkSheets } from './sheet-check.ts';
import { choicesOf, FlowError, loadFlow, type FlowIssue, type LoadedFlow } from './loader.ts';
import type { Check, Choice, Column, Evidence, EvidenceRef, Question, QuestionType } from './schema.ts';
import { findSeed, Seed } from './seed.ts';

/**
 * Cross-reference checks beyond the schema: every expression compiles and names only questions, constants or
 * directory columns that exist; ids are unique; vocabularies, evidence, prefills and placeholders all resolve; and the
 * flow claims nothing its seed does not say: an evidence item's words and a rule's reference are found in the seed, or
 * the item is marked as the assistant's addition (extra, with a reason). Each problem is reported with its file and
 * path, so an editor of flow.yaml can find it.
 */

const FILTREX_FUNCTIONS = new Set(['abs', 'ceil', 'empty', 'exists', 'floor', 'log', 'log2', 'log10', 'max', 'min', 'round', 'sqrt']);
const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;
/** Question types as a flow's editor reads them. */
const TYPE_NAMES: Record<QuestionType, string> = {
  text: '文字', integer: '整数', amount: '金额', percent: '百分比', area: '面积', date: '日期', year: '年份', choice: '单选',
  multi: '多选', yesno: '是否', table: '表格', matrix: '矩阵', derived: '计算', upload: '上传',
};
/** The figures a change from last year is measured on. */
const FIGURES = new Set<QuestionType>(['integer', 'amount', 'percent', 'area']);
/** Answers that can be offered back as typed (a grid is entered row by row, a file is sent, a computed value is computed). */
const CARRIED = new Set<QuestionType>(['text', 'integer', 'amount', 'percent', 'area', 'date', 'year', 'choice', 'multi', 'yesno', 'table']);
/** The texts filled in with the operator's answers when they are said. */
const MESSAGE_KEYS = new Set(['message', 'reviewMessage', 'reviewNote']);

export function checkLoadedFlow(loaded: LoadedFlow): FlowIssue[] {
  const file = join(loaded.dir, 'flow.yaml');
  const issues: FlowIssue[] = [];
  const { flow } = loaded;
  const add = (path: string, message: string) => issues.push({ file, path, message });
  const directoryColumns = Object.keys(flow.directory.columns);
  const tableIds = new Set(flow.tables.map((t) => t.id));
  // What every expression and message sees: answers, constants, today and the organisation's directory entry.
  const known = new Set<string>([
    ...loaded.questions.keys(),
    ...Object.keys(loaded.constants),
    'today',
    ...directoryColumns.map((c) => `org_${c}`),
    ...[...loaded.questions.values()].filter((q) => (q.type === 'choice' || q.type === 'multi') && q.other).map((q) => `${q.id}_other`),
  ]);

  /** Remember where an id was first used; report the second use with the first's path. */
  const unique = (kind: string) => {
    const first = new Map<string, string>();
    return (path: string, id: string) => {
      if (first.has(id)) add(path, `${kind} id “${id}”重复（已用于 ${first.get(id)}）`);
      else first.set(id, path);
      return first.get(id)!;
    };
  };
  const seedFile = findSeed(loaded.dir, flow.seed);
  if (!seedFile) add('seed', `找不到依据文件“${flow.seed}”（在申报项目文件夹、SHENBAO_SEEDS_DIR 或 ../shared/seeds 中）；没有它无法核对材料和规则的出处`);
  const seed = seedFile ? Seed.read(seedFile) : null;
  /** An addition says why; anything else the seed must say, at the reference given. */
  const provenance = (path: string, item: { extra: boolean; reason?: string; ref?: string }) => {
    if (item.extra) {
      if (!item.reason) add(`${path}.reason`, '助手补充的项（extra）需要 reason 说明为何补充');
      return;
    }
    const missing = item.ref && seed?.missingPart(item.ref);
    if (missing) add(`${path}.ref`, `依据文件中找不到“${missing}”；请改为依据文件中的出处，或标记 extra: true 并在 reason 中说明`);
  };
  const questionId = unique('题目');
  const checkId = unique('检查');
  const tableId = unique('表格');

  const expression = (path: string, expr: string | undefined, extra: Set<string> = new Set()) => {
    if (!expr) return;
    try {
      compile(expr);
    } catch (err) {
      add(path, `表达式无法解析：${(err as Error).message.split('\n')[0]}（${expr}）`);
      return;
    }
    for (const name of identifiersOf(expr)) {
      if (!known.has(name) && !extra.has(name)) add(path, `表达式引用了不存在的题目或常量“${name}”（${expr}）`);
    }
    for (const fn of functionsOf(expr)) {
      if (!(fn in FUNCTIONS) && !FILTREX_FUNCTIONS.has(fn)) add(path, `表达式调用了未定义的函数“${fn}”（${expr}）`);
    }
  };
  const placeholders = (path: string, text: string, names: Set<string>, what = '题目或常量') => {
    for (const m of text.matchAll(PLACEHOLDER)) if (!names.has(m[1])) add(path, `文字中的占位符“{${m[1]}}”不是${what}`);
  };
  /** A list of checks: ids unique across the flow, expressions over `scope`, messages naming `messageNames`. */
  const checks = (path: string, list: Check[], scope: Set<string>, messageNames: Set<string>, what?: string) =>
    list.forEach((c, i) => {
      checkId(`${path}.${i}.id`, c.id);
      provenance(`${path}.${i}`, c);
      if (c.about && !loaded.questions.has(c.about)) add(`${path}.${i}.about`, `题目“${c.about}”不存在`);
      if (!c.extra && !c.ref) add(`${path}.${i}.ref`, '规则需要 ref 写明依据文件中的出处；依据文件没有的核对请标记 extra: true 并在 reason 中说明（提示时会注明是助手的核对）');
      expression(`${path}.${i}.assert`, c.assert, scope);
      expression(`${path}.${i}.when`, c.when, scope);
      placeholders(`${path}.${i}.message`, c.message, messageNames, what);
    });

  // The loader keeps the last definition of an evidence id silently: every id is defined once, elsewhere referenced.
  const evidenceDefined = new Map<string, { path: string; evidence: Evidence }>();
  const defineEvidence = (path: string, e: Evidence) => {
    const first = evidenceDefined.get(e.id);
    if (!first) evidenceDefined.set(e.id, { path, evidence: e });
    else if (JSON.stringify(first.evidence) === JSON.stringify(e)) add(`${path}.id`, `证明材料“${e.id}”重复定义（与 ${first.path} 相同；其他地方请只写 id 引用）`);
    else add(`${path}.id`, `证明材料“${e.id}”重复定义且内容不同（另见 ${first.path}）；请只定义一次，其他地方写 id 引用`);
    expression(`${path}.when`, e.when);
    provenance(path, e);
    const words = e.quote ?? e.title;
    if (!e.extra && seed && !seed.says(words)) {
      add(`${path}.${e.quote ? 'quote' : 'title'}`, `依据文件中没有“${words}”的字样：请在 quote 中写出依据文件要求该材料的原文，或标记 extra: true 并在 reason 中说明为何建议准备（将列为“建议材料”）`);
    }
  };
  const evidence = (path: string, refs: EvidenceRef[]) =>
    refs.forEach((ref, i) => {
      if (typeof ref !== 'string') defineEvidence(`${path}.${i}`, ref);
      else if (!loaded.evidence.has(ref)) add(`${path}.${i}`, `证明材料“${ref}”没有定义`);
    });
  const vocabulary = (path: string, id: string | undefined) => {
    if (id && !loaded.vocabularies.has(id)) add(path, `词表“${id}”不存在（可在 flows/_shared 中定义并在 imports 中引入）`);
  };
  /** Aliases say one option each: never another option's name, never two options at once. */
  const aliases = (path: string, item: { choices?: Choice[]; choicesFrom?: string }) => {
    const options = choicesOf(loaded, item);
    const says = new Map<string, string>();
    for (const o of options) for (const name of [o.value, o.label]) says.set(name, o.value);
    for (const o of options) {
      for (const alias of o.aliases ?? []) {
        const other = says.get(alias);
        if (other !== undefined && other !== o.value) add(`${path}.choices`, `别名“${alias}”（${o.value}）同时是选项“${other}”的名称或别名，回答时无法区分`);
        else says.set(alias, o.value);
      }
    }
  };
  /** Columns of a table or matrix question or of an annex table: unique ids, choices that resolve. */
  const columns = (path: string, list: Column[]) => {
    const columnId = unique('列');
    list.forEach((c, j) => {
      columnId(`${path}.${j}.id`, c.id);
      vocabulary(`${path}.${j}.choicesFrom`, c.choicesFrom);
      if (c.type === 'choice' && !c.choices?.length && !c.choicesFrom) add(`${path}.${j}`, '选择列需要 choices 或 choicesFrom');
      if (c.type === 'choice') aliases(`${path}.${j}`, c);
    });
  };

  /** `lastYear`: a comparison on figures only, a carry only of what can be offered back, `from` a question of the same kind. */
  const lastYear = (path: string, q: Question) => {
    const rule = q.lastYear!;
    if (!rule.carry && !rule.compare && rule.change === undefined) add(path, 'lastYear 需要 carry（沿用上年答案）、compare（与上年对比）或 change（变化幅度）中的至少一项');
    if ((rule.compare || rule.change !== undefined) && !FIGURES.has(q.type)) {
      add(`${path}.${rule.change !== undefined ? 'change' : 'compare'}`, `只有数字题（整数、金额、百分比、面积）能与上年对比或设变化幅度，“${q.label}”是${TYPE_NAMES[q.type]}题`);
    }
    if (rule.carry && !CARRIED.has(q.type)) add(`${path}.carry`, `${TYPE_NAMES[q.type]}题不能沿用上年答案（只有能原样再填一次的答案可以：文字、数字、日期、年份、选择、是否、表格）`);
    if (rule.from !== undefined) {
      const from = loaded.questions.get(rule.from);
      if (!from) add(`${path}.from`, `题目“${rule.from}”不存在`);
      else if (from.type !== q.type) add(`${path}.from`, `题目“${rule.from}”是${TYPE_NAMES[from.type]}题，与“${q.label}”（${TYPE_NAMES[q.type]}题）不同，上年的答案不能用于本题`);
    }
  };

  // Top-level evidence first: a second definition elsewhere is the one to report.
  flow.evidence.forEach((e, i) => defineEvidence(`evidence.${i}`, e));
  const questionPaths = new Map<string, string>();
  flow.sections.forEach((section, s) => {
    const sp = `sections.${s}`;
    expression(`${sp}.when`, section.when);
    section.questions.forEach((q, k) => {
      const qp = `${sp}.questions.${k}`;
      questionPaths.set(q.id, questionId(`${qp}.id`, q.id));
      expression(`${qp}.when`, q.when);
      expression(`${qp}.tableValue`, q.tableValue, tableIds);
      checks(`${qp}.checks`, q.checks, known, known);
      evidence(`${qp}.evidence`, q.evidence);
      if (q.prefill && !directoryColumns.includes(q.prefill)) add(`${qp}.prefill`, `名录中没有“${q.prefill}”这一列`);
      // The official form does not ask an extra question: the operator is told why the assistant does.
      if (q.extra && !q.help) add(`${qp}.help`, '表格本身不问的题目（extra）需要 help 说明为何要问');
      if (q.type === 'choice' || q.type === 'multi') {
        vocabulary(`${qp}.choicesFrom`, q.choicesFrom);
        if (!q.choices?.length && !q.choicesFrom) add(qp, '选择题需要 choices 或 choicesFrom');
        aliases(qp, q);
      }
      if (q.type === 'matrix') {
        vocabulary(`${qp}.rowsFrom`, q.rowsFrom);
        if (!q.rows?.length && !q.rowsFrom) add(qp, '矩阵题需要 rows 或 rowsFrom');
      }
      if (q.type === 'table' || q.type === 'matrix') columns(`${qp}.columns`, q.columns);
      if (q.type === 'derived') expression(`${qp}.formula`, q.formula);
      if (q.lastYear) lastYear(`${qp}.lastYear`, q);
    });
  });
  checks('checks', flow.checks, known, known);
  flow.thresholds.forEach((t, i) => {
    provenance(`thresholds.${i}`, { extra: false, ref: t.ref });
    t.cases.forEach((c, j) => {
      const cp = `thresholds.${i}.cases.${j}`;
      expression(`${cp}.when`, c.when);
      expression(`${cp}.pass`, c.pass);
      expression(`${cp}.reviewWhen`, c.reviewWhen);
      if (c.message) placeholders(`${cp}.message`, c.message, known);
      if (c.reviewNote) placeholders(`${cp}.reviewNote`, c.reviewNote, known);
      c.conditions?.forEach((condition, k) => {
        const kp = `${cp}.conditions.${k}`;
        expression(`${kp}.pass`, condition.pass);
        expression(`${kp}.reviewWhen`, condition.reviewWhen);
        placeholders(`${kp}.message`, condition.message, known);
        if (condition.reviewMessage) placeholders(`${kp}.reviewMessage`, condition.reviewMessage, known);
        provenance(kp, condition);
      });
    });
    t.reviewAfter.forEach((id, j) => loaded.questions.has(id) || add(`thresholds.${i}.reviewAfter.${j}`, `题目“${id}”不存在`));
    evidence(`thresholds.${i}.evidence`, t.evidence);
  });
  flow.indicators.forEach((ind, i) => {
    ind.questions.forEach((id, j) => loaded.questions.has(id) || add(`indicators.${i}.questions.${j}`, `题目“${id}”不存在`));
    expression(`indicators.${i}.when`, ind.when);
    evidence(`indicators.${i}.evidence`, ind.evidence);
  });
  flow.tables.forEach((table, i) => {
    const tp = `tables.${i}`;
    tableId(`${tp}.id`, table.id);
    // A table's rows sit next to the answers in the scope of table checks: a shared id would hide one of them.
    if (questionPaths.has(table.id)) add(`${tp}.id`, `表格 id “${table.id}”与题目 id 相同（题目在 ${questionPaths.get(table.id)}）`);
    const cells = new Set(table.columns.map((c) => c.id));
    columns(`${tp}.columns`, table.columns);
    // A row check sees the answers and the row's cells, but its message is filled from the row's cells only.
    checks(`${tp}.rowChecks`, table.rowChecks, cells, cells, '本表的列');
    checks(`${tp}.checks`, table.checks, tableIds, known);
    table.totals.forEach((c, j) => cells.has(c) || add(`${tp}.totals.${j}`, `表格没有“${c}”这一列`));
    evidence(`${tp}.evidence`, table.evidence);
  });
  flow.overview.forEach((id, i) => {
    const q = loaded.questions.get(id);
    if (!q) add(`overview.${i}`, `题目“${id}”不存在`);
    else if (q.type === 'table' || q.type === 'matrix' || q.type === 'upload') add(`overview.${i}`, `题目“${id}”是${q.type === 'upload' ? '上传题' : '表格题'}，不能作为总览表的一列；请选数字、选择或文字题`);
  });
  literalPlaceholders(flow, '', add);
  issues.push(...checkDirectory(loaded));
  issues.push(...checkReport(loaded));
  issues.push(...checkSheets(loaded));
  return issues;
}

/**
 * Only messages are filled in with answers; {year}, {prev_year} and {next_year} are rendered everywhere at load. Any
 * other placeholder in a label, help, title or note would be shown to the operator as typed.
 */
function literalPlaceholders(node: unknown, path: string, add: (path: string, message: string) => void) {
  if (typeof node === 'string') {
    for (const m of node.matchAll(PLACEHOLDER)) add(path, `占位符“{${m[1]}}”不会被替换：只有 message 按答案填写，其他文字只能用 {year}、{prev_year}、{next_year}`);
  } else if (Array.isArray(node)) {
    node.forEach((item, i) => literalPlaceholders(item, `${path}.${i}`, add));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) if (!MESSAGE_KEYS.has(key)) literalPlaceholders(value, path ? `${path}.${key}` : key, add);
  }
}

/**
 * The directory (名录): its columns are the declared ones, every row has a unique number, and a column that
 * prefills a choice question holds only that question's choices (a directory category the form cannot accept
 * would warn every platform of that category).
 */
function checkDirectory(loaded: LoadedFlow): FlowIssue[] {
  const file = join(loaded.dir, loaded.flow.directory.file);
  const issues: FlowIssue[] = [];
  const declared = Object.keys(loaded.flow.directory.columns);
  const header = Object.keys(loaded.directory[0] ?? {});
  for (const column of declared) if (!header.includes(column)) issues.push({ file, path: '表头', message: `缺少声明的列“${column}”` });
  for (const column of header) if (!declared.includes(column)) issues.push({ file, path: '表头', message: `列“${column}”没有在 flow.yaml 的 directory.columns 中声明` });
  const { label, name, region, category } = loaded.flow.directory;
  const named: [string, string | undefined][] = [...label.map((c, i): [string, string] => [`directory.label.${i}`, c]), ['directory.name', name], ['directory.region', region], ['directory.category', category]];
  for (const [path, column] of named) {
    if (column && !declared.includes(column)) issues.push({ file: join(loaded.dir, 'flow.yaml'), path, message: `名录没有“${column}”这一列` });
  }
  const seen = new Map<number, number>();
  loaded.directory.forEach((entry, i) => {
    if (seen.has(entry.seq)) issues.push({ file, path: `第${i + 2}行.seq`, message: `序号 ${entry.seq} 与第${seen.get(entry.seq)! + 2}行重复` });
    seen.set(entry.seq, i);
  });
  for (const q of loaded.questions.values()) {
    if (!q.prefill || (q.type !== 'choice' && q.type !== 'multi')) continue;
    const allowed = new Set(choicesOf(loaded, q).flatMap((c) => [c.value, c.label]));
    loaded.directory.forEach((entry, i) => {
      const value = entry[q.prefill!];
      if (value !== undefined && value !== '' && !allowed.has(String(value))) {
        issues.push({ file, path: `第${i + 2}行.${q.prefill}`, message: `“${value}”不是题目 ${q.id}（${q.label}）的选项` });
      }
    });
  }
  return issues;
}

/** Load and check one flow folder; problems come back as a list, never thrown. */
export function checkFlowDir(dir: string): FlowIssue[] {
  try {
    return checkLoadedFlow(loadFlow(dir));
  } catch (err) {
    if (err instanceof FlowError) return err.issues;
    return [{ file: join(dir, 'flow.yaml'), path: '(文件)', message: (err as Error).message }];
  }
}
