import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';
import { CATALOGUE_NAME, type SourceFile } from '../../src/exports/package/folders.ts';
import { preparePackage } from '../../src/exports/package/prepare.ts';
import { writePackage } from '../../src/exports/package/write.ts';

/**
 * The done-when, for real: a 2.5 GB evidence set becomes three parts of at most 1 GB named “<单位>-1/2/3.zip”, a 目录
 * that matches the folders, and archives that `unzip -t` (Debian's Info-ZIP unzip, which CI must install) accepts
 * with the Chinese names intact. The files are sparse (no disk, read as zeros); the archives are real, 2.5 GB on
 * disk while the test runs. About 15–30 s on a 2-core machine.
 */

const loaded = getFlow('beijing-base-2023');
const answers = parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-base-2023.yaml', import.meta.url)), 'utf8'));
const env = { today: '2026-11-21' };
const filled = fillAnswers(loaded, answers, env).answers;
const items = evidenceChecklist(loaded, filled, buildScope(loaded, filled, env));

const work = mkdtempSync(join(tmpdir(), 'shenbao-package-2500-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MB = 1_000_000;
let made = 0;
function sparse(name: string, size: number): SourceFile {
  const path = join(work, `src-${++made}`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return { name, size, path };
}
const many = (count: number, size: number, name: (i: number) => string) => Array.from({ length: count }, (_, i) => sparse(name(i + 1), size));

/** 2.5 GB the way a base's evidence is heavy: a year of contracts and social-insurance records scanned, a video. */
const evidence = new Map<string, SourceFile[]>([
  ['t1_license', [sparse('营业执照.pdf', 2 * MB)]],
  ['t1_lease', many(3, 20 * MB, (i) => `租赁合同${i}.pdf`)],
  ['t1_floor_plan', [sparse('平面图.png', 8 * MB)]],
  ['t3_resident_list', [sparse('在驻企业名单.xlsx', 1 * MB)]],
  ['t3_resident_contracts', many(60, 10 * MB, (i) => `入驻合同${i}.pdf`)],
  ['t6_social_insurance', many(12, 25 * MB, (i) => `社保${i}月.pdf`)],
  ['t6_qualifications', many(20, 5 * MB, (i) => `学历证书${i}.jpg`)],
  ['t10_activities', [...many(40, 5 * MB, (i) => `活动${i}签到表.jpg`), sparse('创业沙龙视频.mp4', 543 * MB)]],
  ['i2_facilities', many(100, 3 * MB, (i) => `IMG_${2000 + i}.jpg`)],
  ['i9_audit_report', [sparse('2023年度审计报告.pdf', 150 * MB)]],
  ['i7_ip_certificates', many(43, 5 * MB, (i) => `专利证书${i}.pdf`)],
]);
const extras = [sparse('附表1-2-3-1 绩效评价附表.xlsx', 1 * MB), sparse('绩效报告（盖章扫描件）.pdf', 20 * MB)];
const unit = '北京某某创业孵化器有限公司';

describe('a 2.5 GB evidence set', () => {
  it('becomes three parts under 1 GB that unzip -t accepts, with Chinese names and a 目录 that matches', { timeout: 180_000 }, async () => {
    const total = [...evidence.values(), extras].flat().reduce((sum, f) => sum + f.size, 0);
    expect(total).toBe(2_500 * MB);
    const started = performance.now();

    const { layout, plan } = await preparePackage({ loaded, items, files: evidence, extras, unitName: unit });
    expect(plan.parts.map((p) => p.name)).toEqual([`${unit}-1.zip`, `${unit}-2.zip`, `${unit}-3.zip`]);
    const written = await writePackage(plan, join(work, 'out'));
    const writeSeconds = (performance.now() - started) / 1000;

    for (const part of written) {
      expect(part.bytes).toBeLessThanOrEqual(999_000_000);
      expect(statSync(part.path).size).toBe(part.bytes);
      expect(execFileSync('unzip', ['-t', part.path], { maxBuffer: 64 * MB }).toString()).toMatch(/No errors detected in compressed data/);
    }

    // Names as unzip lists them (it honours the UTF-8 flag): exactly the planned ones, Chinese intact.
    const listed = written.map((part) =>
      execFileSync('unzip', ['-Z1', part.path], { env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, maxBuffer: 64 * MB }).toString('utf8').trim().split('\n'),
    );
    expect(listed).toEqual(plan.parts.map((p) => p.entries.map((e) => e.path)));
    expect(listed[0]![0]).toBe(CATALOGUE_NAME);
    expect(listed.flat()).toContain('02 门槛条件3 上年末入驻小型微型企业数/相应的截至上年末有效的入驻合同-01（入驻合同1）.pdf');
    expect(listed.flat().some((name) => name.includes('IMG_'))).toBe(false);

    // The 目录 in part 1 gives each folder the parts it really is in.
    const catalogue = join(work, 'catalogue.docx');
    writeFileSync(catalogue, execFileSync('unzip', ['-p', written[0]!.path, CATALOGUE_NAME], { maxBuffer: 64 * MB }));
    const text = execFileSync('unzip', ['-p', catalogue, 'word/document.xml']).toString('utf8').replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '');
    for (const folder of layout.folders) {
      const actual = listed.flatMap((names, i) => (names.some((n) => n.startsWith(`${folder.name}/`)) ? [i + 1] : []));
      expect(plan.folderParts.get(folder.name)).toEqual(actual);
      expect(text).toContain(`${folder.name}\n第${actual.join('、')}个`);
    }
    for (const part of written) expect(text).toContain(`第${part.number}个：${part.name}`);

    const seconds = (performance.now() - started) / 1000;
    console.log(`2.5 GB → ${written.map((w) => `${w.name} ${(w.bytes / MB).toFixed(1)} MB`).join(', ')}; planned and written in ${writeSeconds.toFixed(1)} s, with unzip -t and checks ${seconds.toFixed(1)} s`);
  });
});
