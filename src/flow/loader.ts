import { createHash } from 'node:crypto';
import { readFileSync, existsSync, readdirSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { packageRoot } from '../package-root.ts';
import { FlowSchema, SharedLibrarySchema, type Flow, type Question, type Section, type Evidence, type Vocabulary, type Choice } from './schema.ts';

/**
 * The repository's flows folder, found from this file so the CLI works from any working directory: the folder
 * beside the nearest package.json above it, which holds for the sources and for the build in dist/ alike.
 */
export const FLOWS_DIR = join(packageRoot(), 'flows');

export interface NormalChoice { value: string; label: string; help?: string; aliases?: string[] }

export interface DirectoryEntry { seq: number; unit: string; [column: string]: string | number }

/** A flow ready for the engine: validated, years rendered, vocabularies resolved, indexed. */
export interface LoadedFlow {
  flow: Flow;
  dir: string;
  directory: DirectoryEntry[];
  vocabularies: Map<string, Vocabulary>;
  questions: Map<string, Question>;
  sectionOf: Map<string, Section>;
  evidence: Map<string, Evidence>;
  /** Constants available to every expression. */
  constants: Record<string, string | number>;
}

/** An error in a flow file, located by file and path for `shenbao flows check`. */
export interface FlowIssue { file: string; path: string; message: string }

export class FlowError extends Error {
  constructor(readonly issues: FlowIssue[]) {
    super(issues.map((i) => `${i.file}: ${i.path}: ${i.message}`).join('\n'));
  }
}

/** Replace {year}, {prev_year}, {next_year} in every string: the evaluation year is a parameter of the flow. */
function renderYears(node: unknown, year: number): unknown {
  if (typeof node === 'string') {
    return node.replaceAll('{year}', String(year)).replaceAll('{prev_year}', String(year - 1)).replaceAll('{next_year}', String(year + 1));
  }
  if (Array.isArray(node)) return node.map((item) => renderYears(item, year));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, renderYears(v, year)]));
  }
  return node;
}

function zodIssues(file: string, error: z.ZodError): FlowIssue[] {
  return error.issues.map((issue) => ({ file, path: issue.path.join('.') || '(根)', message: issue.message }));
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FlowError([{ file, path: '(文件)', message: `无法读取或解析 YAML：${(err as Error).message}` }]);
  }
}

export function normalChoice(choice: Choice): NormalChoice {
  return typeof choice === 'string' ? { value: choice, label: choice } : { value: choice.value, label: choice.label ?? choice.value, help: choice.help, aliases: choice.aliases };
}

/** The choices of a choice/multi question or of a matrix's rows, with `choicesFrom` resolved. */
export function choicesOf(loaded: Pick<LoadedFlow, 'vocabularies'>, item: { choices?: Choice[]; choicesFrom?: string; rows?: Choice[]; rowsFrom?: string }): NormalChoice[] {
  const from = item.choicesFrom ?? item.rowsFrom;
  if (from) {
    const vocab = loaded.vocabularies.get(from);
    return vocab ? vocab.items.map((i) => ({ value: i.value, label: i.label ?? i.value, help: i.description, aliases: i.aliases })) : [];
  }
  return (item.choices ?? item.rows ?? []).map(normalChoice);
}

function readDirectory(file: string, keyColumn: string): DirectoryEntry[] {
  if (!existsSync(file)) throw new FlowError([{ file, path: '(文件)', message: '名录文件不存在' }]);
  const rows = parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  const issues: FlowIssue[] = [];
  const entries = rows.map((row, i) => {
    const seq = Number(row.seq);
    if (!Number.isInteger(seq)) issues.push({ file, path: `第${i + 2}行.seq`, message: `序号“${row.seq}”不是整数` });
    if (!row[keyColumn]) issues.push({ file, path: `第${i + 2}行.${keyColumn}`, message: '缺少单位名称' });
    return { ...row, seq, unit: row[keyColumn] ?? '' } as DirectoryEntry;
  });
  if (issues.length) throw new FlowError(issues);
  return entries;
}

/** A flow validated, with its shared vocabularies: what parsing the YAML and zod produce, and what the cache keeps. */
interface Validated {
  flow: Flow;
  vocabularies: Map<string, Vocabulary>;
  /** Every file read, for the cache. */
  sources: string[];
}

function validate(dir: string): Validated {
  const file = join(dir, 'flow.yaml');
  const raw = readYaml(file) as Record<string, unknown> | null;
  const year = typeof raw?.year === 'number' ? raw.year : 0;
  const parsed = FlowSchema.safeParse(renderYears(raw, year));
  if (!parsed.success) throw new FlowError(zodIssues(file, parsed.error));
  const flow = parsed.data;

  const vocabularies = new Map<string, Vocabulary>();
  const sources = [file];
  for (const name of flow.imports) {
    const libFile = join(dir, '..', '_shared', `${name}.yaml`);
    if (!existsSync(libFile)) throw new FlowError([{ file, path: 'imports', message: `共享词表文件 _shared/${name}.yaml 不存在` }]);
    const lib = SharedLibrarySchema.safeParse(renderYears(readYaml(libFile), year));
    if (!lib.success) throw new FlowError(zodIssues(libFile, lib.error));
    for (const v of lib.data.vocabularies) vocabularies.set(v.id, v);
    sources.push(libFile);
  }
  for (const v of flow.vocabularies) vocabularies.set(v.id, v);
  const validated = { flow, vocabularies, sources };
  storeValidation(dir, validated);
  return validated;
}

// Parsing the YAML and validating it is most of a start-up's flow loading (~0.3 s for the four flows); its result is
// kept as JSON in dist/flow-cache/, keyed by the code that produced it and the content of every file it read. Only
// successes are kept, so every error is still found and reported by validate().

const CACHE_DIR = join(packageRoot(), 'dist', 'flow-cache');

/** This module's code and the schema beside it (in the bundle, dist/cli.js holds both): a change invalidates the cache. */
let codeHash: string | undefined;
function codeFingerprint(): string {
  if (codeHash === undefined) {
    const here = fileURLToPath(import.meta.url);
    const hash = createHash('sha256');
    for (const f of [here, join(dirname(here), 'schema.ts')]) if (existsSync(f)) hash.update(readFileSync(f));
    codeHash = hash.digest('hex');
  }
  return codeHash;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const cacheFile = (dir: string) => join(CACHE_DIR, `${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16)}.json`);

interface CacheEntry {
  code: string;
  sources: Record<string, string>;
  flow: Flow;
  vocabularies: [string, Vocabulary][];
}

/** Only the shipped flows, which every start loads; a test's or an editor's copy elsewhere is validated each time. */
const cacheable = (dir: string) => resolve(dir).startsWith(FLOWS_DIR + sep);

function cachedValidation(dir: string): Validated | undefined {
  if (!cacheable(dir)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as CacheEntry;
    if (entry.code !== codeFingerprint()) return undefined;
    for (const [file, hash] of Object.entries(entry.sources)) if (sha256(file) !== hash) return undefined;
    return { flow: entry.flow, vocabularies: new Map(entry.vocabularies), sources: Object.keys(entry.sources) };
  } catch {
    return undefined;
  }
}

function storeValidation(dir: string, validated: Validated): void {
  if (!cacheable(dir)) return;
  try {
    const entry: CacheEntry = {
      code: codeFingerprint(),
      sources: Object.fromEntries(validated.sources.map((f) => [f, sha256(f)])),
      flow: validated.flow,
      vocabularies: [...validated.vocabularies],
    };
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: a reader never sees half a file.
    const target = cacheFile(dir);
    writeFileSync(`${target}.${process.pid}`, JSON.stringify(entry));
    renameSync(`${target}.${process.pid}`, target);
  } catch {
    // A read-only installation simply validates at every start.
  }
}

/** Load, validate and index one flow folder. Throws FlowError listing every problem with file and path. */
export function loadFlow(dir: string): LoadedFlow {
  const { flow, vocabularies } = cachedValidation(dir) ?? validate(dir);

  const questions = new Map<string, Question>();
  const sectionOf = new Map<string, Section>();
  for (const section of flow.sections) {
    for (const q of section.questions) {
      questions.set(q.id, q);
      sectionOf.set(q.id, section);
    }
  }

  const evidence = new Map<string, Evidence>();
  const collect = (refs: ReadonlyArray<string | Evidence>) => {
    for (const ref of refs) if (typeof ref !== 'string') evidence.set(ref.id, ref);
  };
  for (const e of flow.evidence) evidence.set(e.id, e);
  for (const t of flow.thresholds) collect(t.evidence);
  for (const i of flow.indicators) collect(i.evidence);
  for (const q of questions.values()) collect(q.evidence);
  for (const t of flow.tables) collect(t.evidence);

  const directory = readDirectory(join(dir, flow.directory.file), flow.directory.key);
  const constants = { year: flow.year, prev_year: flow.year - 1, next_year: flow.year + 1, year_end: `${flow.year}-12-31` };
  return { flow, dir, directory, vocabularies, questions, sectionOf, evidence, constants };
}

/** The ids of every flow folder (folders starting with _ hold shared data). */
export function listFlowIds(flowsDir = FLOWS_DIR): string[] {
  return readdirSync(flowsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(join(flowsDir, d.name, 'flow.yaml')))
    .map((d) => d.name)
    .sort();
}

const cache = new Map<string, LoadedFlow>();

/** Load a flow by id from the flows folder, once per process. */
export function getFlow(id: string, flowsDir = FLOWS_DIR): LoadedFlow {
  const key = join(flowsDir, id);
  let loaded = cache.get(key);
  if (!loaded) {
    if (!existsSync(join(key, 'flow.yaml'))) {
      throw new FlowError([{ file: key, path: '(目录)', message: `没有名为“${id}”的申报项目；可用：${listFlowIds(flowsDir).join('、') || '无'}` }]);
    }
    loaded = loadFlow(key);
    cache.set(key, loaded);
  }
  return loaded;
}
