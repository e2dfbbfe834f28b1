import { join } from 'node:path';
import { compile, functionsOf, FUNCTIONS, identifiersOf } from './expression.ts';
import type { FlowIssue, LoadedFlow } from './loader.ts';
import { findSeed, Seed } from './seed.ts';

/**
 * `flows check` for a flow's report template: every placeholder and condition is an expression over what exists
 * (questions, constants, directory columns, annex tables), the cover's tick boxes name a choice question, and what the
 * draft presents as the seed's — cover, titles, chapter headings and prompts, the declaration — is found in the seed.
 */

const FILTREX_FUNCTIONS = new Set(['abs', 'ceil', 'empty', 'exists', 'floor', 'log', 'log2', 'log10', 'max', 'min', 'round', 'sqrt']);

export function checkReport(loaded: LoadedFlow): FlowIssue[] {
  const report = loaded.flow.report;
  if (!report) return [];
  const file = join(loaded.dir, 'flow.yaml');
  const issues: FlowIssue[] = [];
  const add = (path: string, message: string) => issues.push({ file, path, message });
  const known = new Set<string>([
    ...loaded.questions.keys(),
    ...Object.keys(loaded.constants),
    'today',
    ...Object.keys(loaded.flow.directory.columns).map((c) => `org_${c}`),
    ...[...loaded.questions.values()].filter((q) => (q.type === 'choice' || q.type === 'multi') && q.other).map((q) => `${q.id}_other`),
    ...loaded.flow.tables.map((t) => t.id),
  ]);
  const expression = (path: string, expr: string) => {
    try {
      compile(expr);
    } catch (err) {
      add(path, `表达式无法解析：${(err as Error).message.split('\n')[0]}（${expr}）`);
      return;
    }
    for (const name of identifiersOf(expr)) if (!known.has(name)) add(path, `表达式引用了不存在的题目、附表或常量“${name}”（${expr}）`);
    for (const fn of functionsOf(expr)) if (!(fn in FUNCTIONS) && !FILTREX_FUNCTIONS.has(fn)) add(path, `表达式调用了未定义的函数“${fn}”（${expr}）`);
  };

  const seedFile = findSeed(loaded.dir, loaded.flow.seed);
  const seed = seedFile ? Seed.read(seedFile) : null;
  const quoted = (path: string, words: string) => {
    if (seed && !seed.says(words)) add(path, `依据文件中没有“${words}”的字样：报告模板的标题、章节和声明函须照录依据文件`);
  };

  report.cover.title.forEach((line, i) => quoted(`report.cover.title.${i}`, line));
  quoted('report.cover.issuer', report.cover.issuer);
  report.cover.fields.forEach((f, i) => quoted(`report.cover.fields.${i}.label`, f.label));
  if (report.cover.choice) {
    const { label, question } = report.cover.choice;
    quoted('report.cover.choice.label', label);
    const q = loaded.questions.get(question);
    if (!q || q.type !== 'choice') add('report.cover.choice.question', `“${question}”不是单选题`);
  }
  quoted('report.title', report.title);
  report.chapters.forEach((chapter, i) => {
    const cp = `report.chapters.${i}`;
    quoted(`${cp}.title`, chapter.title);
    quoted(`${cp}.prompt`, chapter.prompt);
    chapter.facts.forEach((fact, j) => {
      if (fact.when) expression(`${cp}.facts.${j}.when`, fact.when);
      for (const expr of factExpressions(fact.message)) expression(`${cp}.facts.${j}.message`, expr);
    });
  });
  if (report.declaration) {
    const d = report.declaration;
    quoted('report.declaration.title', d.title);
    quoted('report.declaration.body', d.body);
    d.signatures.forEach((f, i) => quoted(`report.declaration.signatures.${i}.label`, f.label));
    const missing = seed?.missingPart(d.ref);
    if (missing) add('report.declaration.ref', `依据文件中找不到“${missing}”`);
  }
  const missing = seed?.missingPart(report.ref);
  if (missing) add('report.ref', `依据文件中找不到“${missing}”`);
  return issues;
}

/** The expressions a fact's text holds between braces: “{count(resident_list)} 家” → count(resident_list). */
export function factExpressions(message: string): string[] {
  return [...message.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1].trim());
}
