import { join } from 'node:path';
import { compile, functionsOf, FUNCTIONS, identifiersOf } from './expression.ts';
import { FlowError, loadFlow, type FlowIssue, type LoadedFlow } from './loader.ts';
import type { Check, EvidenceRef } from './schema.ts';

/**
 * Cross-reference checks beyond the schema: every expression compiles and names only questions, constants or
 * directory columns that exist; vocabularies, evidence, prefills and placeholders all resolve. Each problem is
 * reported with its file and path, so an editor of flow.yaml can find it.
 */

const FILTREX_FUNCTIONS = new Set(['abs', 'ceil', 'empty', 'exists', 'floor', 'log', 'log2', 'log10', 'max', 'min', 'round', 'sqrt']);

export function checkLoadedFlow(loaded: LoadedFlow): FlowIssue[] {
  const file = join(loaded.dir, 'flow.yaml');
  const issues: FlowIssue[] = [];
  const { flow } = loaded;
  const add = (path: string, message: string) => issues.push({ file, path, message });
  const directoryColumns = Object.keys(flow.directory.columns);
  const known = new Set<string>([
    ...loaded.questions.keys(),
    ...Object.keys(loaded.constants),
    'today',
    ...directoryColumns.map((c) => `org_${c}`),
  ]);

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
  const placeholders = (path: string, text: string | undefined, extra: Set<string> = new Set()) => {
    for (const m of (text ?? '').matchAll(/\{([a-z_][a-z0-9_]*)\}/g)) {
      if (!known.has(m[1]) && !extra.has(m[1])) add(path, `文字中的占位符“{${m[1]}}”不是题目或常量`);
    }
  };
  const checks = (path: string, list: Check[], extra?: Set<string>) =>
    list.forEach((c, i) => {
      expression(`${path}.${i}.assert`, c.assert, extra);
      expression(`${path}.${i}.when`, c.when, extra);
      placeholders(`${path}.${i}.message`, c.message, extra);
    });
  const evidence = (path: string, refs: EvidenceRef[]) =>
    refs.forEach((ref, i) => {
      if (typeof ref === 'string' && !loaded.evidence.has(ref)) add(`${path}.${i}`, `证明材料“${ref}”没有定义`);
      if (typeof ref !== 'string') expression(`${path}.${i}.when`, ref.when);
    });
  const vocabulary = (path: string, id: string | undefined) => {
    if (id && !loaded.vocabularies.has(id)) add(path, `词表“${id}”不存在（可在 flows/_shared 中定义并在 imports 中引入）`);
  };

  const seen = new Map<string, string>();
  flow.sections.forEach((section, s) => {
    const sp = `sections.${s}`;
    expression(`${sp}.when`, section.when);
    section.questions.forEach((q, k) => {
      const qp = `${sp}.questions.${k}`;
      if (seen.has(q.id)) add(`${qp}.id`, `题目 id “${q.id}”重复（已用于 ${seen.get(q.id)}）`);
      seen.set(q.id, qp);
      expression(`${qp}.when`, q.when);
      checks(`${qp}.checks`, q.checks);
      evidence(`${qp}.evidence`, q.evidence);
      if (q.prefill && !directoryColumns.includes(q.prefill)) add(`${qp}.prefill`, `名录中没有“${q.prefill}”这一列`);
      if (q.type === 'choice' || q.type === 'multi') {
        vocabulary(`${qp}.choicesFrom`, q.choicesFrom);
        if (!q.choices && !q.choicesFrom) add(qp, '选择题需要 choices 或 choicesFrom');
      }
      if (q.type === 'matrix') {
        vocabulary(`${qp}.rowsFrom`, q.rowsFrom);
        if (!q.rows && !q.rowsFrom) add(qp, '矩阵题需要 rows 或 rowsFrom');
      }
      if (q.type === 'table' || q.type === 'matrix') q.columns.forEach((c, j) => vocabulary(`${qp}.columns.${j}.choicesFrom`, c.choicesFrom));
      if (q.type === 'derived') expression(`${qp}.formula`, q.formula);
    });
  });
  checks('checks', flow.checks);
  flow.thresholds.forEach((t, i) => {
    t.cases.forEach((c, j) => {
      expression(`thresholds.${i}.cases.${j}.when`, c.when);
      expression(`thresholds.${i}.cases.${j}.pass`, c.pass);
      expression(`thresholds.${i}.cases.${j}.reviewWhen`, c.reviewWhen);
      placeholders(`thresholds.${i}.cases.${j}.message`, c.message);
    });
    t.reviewAfter.forEach((id, j) => known.has(id) || add(`thresholds.${i}.reviewAfter.${j}`, `题目“${id}”不存在`));
    evidence(`thresholds.${i}.evidence`, t.evidence);
  });
  flow.indicators.forEach((ind, i) => {
    ind.questions.forEach((id, j) => loaded.questions.has(id) || add(`indicators.${i}.questions.${j}`, `题目“${id}”不存在`));
    expression(`indicators.${i}.when`, ind.when);
    evidence(`indicators.${i}.evidence`, ind.evidence);
  });
  flow.tables.forEach((table, i) => {
    const columns = new Set(table.columns.map((c) => c.id));
    checks(`tables.${i}.rowChecks`, table.rowChecks, columns);
    checks(`tables.${i}.checks`, table.checks, new Set(flow.tables.map((t) => t.id)));
    table.totals.forEach((c, j) => columns.has(c) || add(`tables.${i}.totals.${j}`, `表格没有“${c}”这一列`));
    table.columns.forEach((c, j) => vocabulary(`tables.${i}.columns.${j}.choicesFrom`, c.choicesFrom));
    evidence(`tables.${i}.evidence`, table.evidence);
  });
  flow.evidence.forEach((e, i) => expression(`evidence.${i}.when`, e.when));
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
