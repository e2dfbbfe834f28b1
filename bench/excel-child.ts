/**
 * One process of bench/excel.ts: builds a Beijing base declaration whose 入驻企业名单 (附表1-2-3-1-3, the widest annex
 * table: 14 columns) has BENCH_ROWS rows, then times one operation once and prints one JSON line:
 *   export   declarationWorkbook(): the whole workbook (form, nine annex sheets, thresholds, evidence)
 *   import   importAnnex() of that table from the exported workbook (inspection, reading, every cell parsed, checks)
 *   annotate importAnnex() of a workbook exported with BENCH_FAULTY (a wrong 企业划型 in one row in a thousand), then
 *            the annotated copy the operator gets back (annotated-copy.ts)
 * with the peak resident memory of the process (VmHWM) beside the time. With BENCH_WARMUP_ROWS, the same work on a
 * declaration of that many rows comes first (not measured). Run by bench/excel.ts, bundled the way dist/cli.js is, so
 * that the figures are those of the installed program, not of TypeScript compiled on the fly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { getFlow } from '../src/flow/loader.ts';
import { fillAnswers } from '../src/engine/fill.ts';
import { orgScope, type Env } from '../src/engine/scope.ts';
import type { TableValue } from '../src/engine/values.ts';
import { declarationWorkbook } from '../src/exports/excel/workbook.ts';
import { annotatedCopy } from '../src/exports/excel/annotated-copy.ts';
import { importAnnex } from '../src/exports/excel/import.ts';

const [operation, root, file] = process.argv.slice(2) as ['export' | 'import' | 'annotate', string, string];
const rowsWanted = Number(process.env.BENCH_ROWS ?? 10_000);
const warmupRows = Number(process.env.BENCH_WARMUP_ROWS ?? 0);

const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

const DISTRICTS = ['海淀区', '朝阳区', '昌平区', '丰台区', '大兴区', '通州区', '顺义区', '亦庄'];
const INDUSTRIES = ['软件和信息技术服务业', '科技推广和应用服务业', '专用设备制造业', '医药制造业', '研究和试验发展', '商务服务业'];
const SIZES = ['小型', '微型', '中型', '微型', '小型'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A resident enterprise as a base would list it: distinct names, mostly small and micro, in the base's leading trades. */
function resident(i: number, year: number): Record<string, string | number | boolean | null> {
  return {
    seq: i + 1,
    name: `北京${DISTRICTS[i % DISTRICTS.length]}创新${i + 1}号科技有限公司`,
    founded: `${2005 + (i % 17)}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`,
    industry: INDUSTRIES[i % INDUSTRIES.length],
    headcount: 3 + (i % 90),
    // BENCH_FAULTY: one row in a thousand with a 企业划型 the form does not have, as an operator's slip.
    size: process.env.BENCH_FAULTY === '1' && i % 1000 === 999 ? '小微' : SIZES[i % SIZES.length],
    entered: `${year - 1 - (i % 6)}-${pad(1 + ((i * 7) % 12))}-${pad(1 + ((i * 3) % 28))}`,
    area: `${40 + (i % 400)}.5`,
    leading: i % 4 !== 0,
    registered_here: i % 3 !== 0,
    office_here: true,
    revenue: `${(i % 5000) + 12}.3456`,
    contact: ['张伟', '王芳', '李娜', '刘洋', '陈静'][i % 5],
    phone: `138${String(10_000_000 + i).slice(-8)}`,
  };
}

const loaded = getFlow('beijing-base-2023');
const year = loaded.flow.year;
const fixture = readFileSync(`${root}/test/fixtures/answers/beijing-base-2023.yaml`, 'utf8');
const seq = Number(fixture.match(/--org (\d+)/)?.[1] ?? 1);
const env: Env = { today: `${year + 1}-03-01`, org: orgScope(loaded.directory.find((e) => e.seq === seq)) };
const table = loaded.flow.tables.find((t) => t.id === 'resident_list')!;

/** A declaration of `rows` resident enterprises, as the export receives it from the database. */
function declaration(rows: number) {
  const answers = fillAnswers(loaded, parseYaml(fixture), env).answers;
  const tables: Record<string, TableValue> = { resident_list: Array.from({ length: rows }, (_, i) => resident(i, year)) };
  return { loaded, answers, tables, env };
}

// A warm-up on a small declaration first, when asked: the process has done Excel work before, as a running bot has.
if (warmupRows > 0) {
  const small = await declarationWorkbook(declaration(warmupRows));
  if (operation !== 'export') await importAnnex(loaded, table, small, env.today);
}

const baselineMiB = peakMiB();
if (operation === 'export') {
  const input = declaration(rowsWanted);
  const started = performance.now();
  const bytes = await declarationWorkbook(input);
  const ms = performance.now() - started;
  writeFileSync(file, bytes);
  console.log(JSON.stringify({ operation, ms, peakMiB: peakMiB(), baselineMiB, bytes: bytes.length }));
} else if (operation === 'annotate') {
  const started = performance.now();
  const result = await importAnnex(loaded, table, file, env.today);
  const copy = await annotatedCopy(file, result);
  const ms = performance.now() - started;
  console.log(JSON.stringify({ operation, ms, peakMiB: peakMiB(), baselineMiB, rows: result.rows.length, invalid: result.invalidRows.length, bytes: copy.bytes.length, valuesOnly: copy.valuesOnly }));
} else {
  const started = performance.now();
  const result = await importAnnex(loaded, table, file, env.today);
  const ms = performance.now() - started;
  console.log(JSON.stringify({ operation, ms, peakMiB: peakMiB(), baselineMiB, rows: result.rows.length, problems: result.problems.length }));
}
