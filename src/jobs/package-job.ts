import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Sql } from '../store/sql.ts';
import type { FileStore } from '../files/file-store.ts';
import { loadDeclaration } from '../store/turn-store.ts';
import { evidenceProvisions, recordFile } from '../store/file-records.ts';
import { loadTables } from '../store/table-store.ts';
import { orgScope, buildScope } from '../engine/scope.ts';
import { UploadValueSchema } from '../engine/values.ts';
import { isoDateInChina } from '../engine/today.ts';
import { evidenceChecklist } from '../rules/evidence.ts';
import { declarationFiles, unitNamed } from '../exports/declaration-files.ts';
import { preparePackage } from '../exports/package/prepare.ts';
import { PackageTooLargeError, formatBytes } from '../exports/package/plan.ts';
import { writePackage } from '../exports/package/write.ts';
import type { SourceFile } from '../exports/package/folders.ts';
import { feedback, say, type View } from '../bot/views.ts';
import type { JobContext, JobHandler } from './job-runner.ts';

/**
 * The evidence package, as the guide asks: one folder per threshold and indicator in the seed's order, files named by
 * their content, the 目录, the workbook and the report at the top, in zip parts of at most 1 GB named “<单位>-1.zip” …
 * Built from the file store by streaming into a temporary folder, each part then kept in the store and sent (a part
 * too large for the platform goes as a download link, or through `shenbao export`).
 */

export function packageJob(options: { flows: ReadonlyMap<string, LoadedFlow>; store: FileStore; limitBytes?: number; now?: () => Date }): JobHandler {
  return async (ctx: JobContext) => {
    const { job, sql } = ctx;
    const declaration = await loadDeclaration(sql, job.declarationId, job.userId ?? '');
    const loaded = options.flows.get(declaration.flowId);
    if (!loaded) throw new Error(`flow ${declaration.flowId} is not served`);
    const today = isoDateInChina(options.now?.() ?? new Date());
    const org = orgScope(declaration.orgExtra);
    const env = { today, org };
    const answers = declaration.answers;
    const tables = Object.fromEntries([...(await loadTables(sql, declaration.id))].map(([id, t]) => [id, t.rows]));
    const checklist = evidenceChecklist(loaded, answers, buildScope(loaded, answers, env), await evidenceProvisions(sql, declaration.id));
    const { unit, district } = unitNamed(loaded, org);
    await ctx.progress(2, '正在整理证明材料……');

    const work = await mkdtemp(join(tmpdir(), 'shenbao-package-'));
    try {
      const extras: SourceFile[] = [];
      for (const document of await declarationFiles({ loaded, answers, tables, env, checklist, unit, district, today })) {
        const path = join(work, document.name);
        await writeFile(path, document.bytes);
        extras.push({ name: document.name, size: document.bytes.length, path });
      }
      const files = await attachedFiles(sql, options.store, declaration.id, loaded, answers);
      let prepared;
      try {
        prepared = await preparePackage({ loaded, items: checklist, files, extras, unitName: unit, limitBytes: options.limitBytes });
      } catch (error) {
        if (error instanceof PackageTooLargeError) return ctx.tell([feedback('refused', error.message)]);
        throw error;
      }
      // Progress is said in order: each report waits for the one before it.
      let said = Promise.resolve();
      const written = await writePackage(prepared.plan, join(work, 'parts'), (p) => {
        said = said.then(() => ctx.progress(5 + (90 * p.bytesDone) / Math.max(1, p.bytesTotal), `正在写入第 ${p.part} 个压缩包（共 ${p.parts} 个）……`));
      });
      await said;
      const views: View[] = [];
      for (const part of written) {
        const stored = await options.store.put(createReadStream(part.path));
        const fileId = await recordFile(sql, { ...stored, name: part.name, mime: 'application/zip', channel: 'export', declarationId: declaration.id, uploadedById: job.userId });
        views.push({ kind: 'file', fileId, name: part.name, text: `${formatBytes(stored.size)}` });
      }
      await ctx.progress(100, '完成');
      const missing = checklist.filter((i) => i.status === 'missing' && !i.suggested).length;
      ctx.tell([
        say(
          `证明材料压缩包已生成，共 ${written.length} 个${written.length > 1 ? `（每个不超过 1G，按“${unit}-序号”命名，第 1 个含附件材料目录、申报表和绩效报告初稿）` : '（含附件材料目录、申报表和绩效报告初稿）'}。` +
            (missing ? `还缺 ${missing} 项材料未上传，回复“清单”查看；补齐后可再次“打包”。` : ''),
        ),
        ...views,
      ]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}

/** The files attached to each evidence item: sorted into the item, or sent at an upload question that stands for it. */
async function attachedFiles(sql: Sql, store: FileStore, declarationId: string, loaded: LoadedFlow, answers: Record<string, { value: unknown }>): Promise<Map<string, SourceFile[]>> {
  const rows = await sql.query<{ id: string; evidenceId: string | null; name: string; size: number; sha256: string }>(
    `SELECT "id", "evidenceId", "name", "size"::float8 AS "size", "sha256" FROM "StoredFile" WHERE "declarationId" = $1 ORDER BY "createdAt", "id"`,
    [declarationId],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const files = new Map<string, SourceFile[]>();
  const add = (evidenceId: string, row: { name: string; size: number; sha256: string }) => {
    if (!store.has(row.sha256)) return;
    files.set(evidenceId, [...(files.get(evidenceId) ?? []), { name: row.name, size: row.size, path: store.path(row.sha256) }]);
  };
  for (const row of rows) if (row.evidenceId) add(row.evidenceId, row);
  for (const question of loaded.questions.values()) {
    if (question.type !== 'upload') continue;
    const upload = UploadValueSchema.safeParse(answers[question.id]?.value).data;
    const first = question.evidence[0];
    const evidenceId = typeof first === 'string' ? first : first?.id;
    if (upload?.status !== 'provided' || !evidenceId) continue;
    for (const f of upload.files) {
      const row = f.key ? byId.get(f.key) : undefined;
      if (row) add(evidenceId, row);
    }
  }
  return files;
}

/** What a chat is told when its package could not be made. */
export const packageFailed = (): View[] => [feedback('refused', '证明材料压缩包没有生成成功（内部错误，已记录）。已上传的文件都在，请稍后再回复“打包”试一次；仍不行请联系管理员。')];

