import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Env } from '../engine/scope.ts';
import { buildScope } from '../engine/scope.ts';
import type { FillResult } from '../engine/fill.ts';
import { evidenceChecklist, type EvidenceItem } from '../rules/evidence.ts';
import { declarationFiles } from './declaration-files.ts';
import type { SourceFile } from './package/folders.ts';
import { preparePackage } from './package/prepare.ts';
import { writePackage, type WriteProgress } from './package/write.ts';

/**
 * `shenbao export`: the same files a chat's 导出 and 打包 give, from an answers file, annex tables and a folder of
 * evidence, written to a folder. Evidence is found in `filesDir` by item: one subfolder per evidence item, named by the
 * item's id (t6_staff_list) or its title as the checklist says it (上一年度服务人员名单).
 */

export interface HeadlessExportInput {
  loaded: LoadedFlow;
  fill: FillResult;
  env: Env;
  unit: string;
  district?: string;
  today: string;
  out: string;
  /** Evidence, one subfolder per item; without it only the workbook and the report are written. */
  filesDir?: string;
  onProgress?: (progress: WriteProgress) => void;
}

export interface HeadlessExportResult {
  written: string[];
  /** Subfolders of `filesDir` that name no item of the checklist (said, not guessed). */
  unmatched: string[];
  checklist: EvidenceItem[];
}

export async function headlessExport(input: HeadlessExportInput): Promise<HeadlessExportResult> {
  const { loaded, fill, env, unit, district, today, out } = input;
  await mkdir(out, { recursive: true });
  const bare = evidenceChecklist(loaded, fill.answers, buildScope(loaded, fill.answers, env));
  const { files, unmatched } = input.filesDir ? await evidenceFolders(input.filesDir, bare) : { files: new Map<string, SourceFile[]>(), unmatched: [] };
  const provisions = new Map([...files].map(([id, list]) => [id, { files: list.map((f) => ({ name: f.name })), mark: null }]));
  const checklist = evidenceChecklist(loaded, fill.answers, buildScope(loaded, fill.answers, env), provisions);
  const written: string[] = [];
  const extras: SourceFile[] = [];
  for (const document of await declarationFiles({ loaded, answers: fill.answers, tables: fill.tableRows, env, checklist, unit, district, today })) {
    const path = join(out, document.name);
    await writeFile(path, document.bytes);
    written.push(path);
    extras.push({ name: document.name, size: document.bytes.length, path });
  }
  if (input.filesDir) {
    const { plan } = await preparePackage({ loaded, items: checklist, files, extras, unitName: unit });
    for (const part of await writePackage(plan, out, input.onProgress)) written.push(part.path);
  }
  return { written, unmatched, checklist };
}

async function evidenceFolders(dir: string, items: EvidenceItem[]): Promise<{ files: Map<string, SourceFile[]>; unmatched: string[] }> {
  const files = new Map<string, SourceFile[]>();
  const unmatched: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const item = items.find((i) => i.id === entry.name || i.title === entry.name);
    if (!item) {
      unmatched.push(entry.name);
      continue;
    }
    const list: SourceFile[] = [];
    for (const name of (await readdir(join(dir, entry.name))).sort()) {
      const path = join(dir, entry.name, name);
      const info = await stat(path);
      if (info.isFile()) list.push({ name, size: info.size, path });
    }
    if (list.length) files.set(item.id, list);
  }
  return { files, unmatched };
}
