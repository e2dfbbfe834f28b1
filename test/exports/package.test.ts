import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';
import { CATALOGUE_NAME, packageLayout, type SourceFile } from '../../src/exports/package/folders.ts';
import { PackageTooLargeError, planPackage } from '../../src/exports/package/plan.ts';
import { preparePackage } from '../../src/exports/package/prepare.ts';
import { writePackage, type WriteProgress } from '../../src/exports/package/write.ts';
import { BufferPool, PooledFileReader, PooledFileSink, ReadPace } from '../../src/exports/package/pooled-io.ts';
import { NameSet, windowsName } from '../../src/exports/package/windows-names.ts';

/**
 * The evidence package as a reviewer meets it: folders per threshold and indicator in the seed's order, files named
 * after what they are, parts under the limit named as the guide says, a 目录 that says where everything is.
 */

const loaded = getFlow('beijing-base-2023');
const answers = parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-base-2023.yaml', import.meta.url)), 'utf8'));
const env = { today: '2026-11-21' };
const filled = fillAnswers(loaded, answers, env).answers;
const items = evidenceChecklist(loaded, filled, buildScope(loaded, filled, env));

const work = mkdtempSync(join(tmpdir(), 'shenbao-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileCount = 0;
/** A real small file with the operator's original name. */
function file(name: string, bytes = 2_000): SourceFile {
  const path = join(work, `src-${++fileCount}`);
  writeFileSync(path, Buffer.alloc(bytes, fileCount % 251));
  return { name, size: bytes, path };
}

/** What an operator typically sends: phone photos, scans with Chinese names, several files for one item. */
function attachments(): Map<string, SourceFile[]> {
  return new Map([
    ['t1_license', [file('IMG_2031.jpg')]],
    ['t1_lease', [file('租赁合同（2023）.PDF'), file('scan0002.pdf'), file('扫描0003.pdf')]],
    ['t3_resident_list', [file('入驻企业名单.xlsx')]],
    ['t3_resident_contracts', Array.from({ length: 12 }, (_, i) => file(`合同${i + 1}.pdf`))],
    ['t6_staff_list', [file('服务人员.xlsx')]],
    ['t10_activities', [file('3月创业沙龙签到表.jpg'), file('微信图片_20230506102334.jpg'), file('notes.txt', 30_000)]],
    ['i3_agreements', [file('合作协议.pdf')]],
    ['i8_contracts', [file('入驻合同.pdf')]],
  ]);
}

function listZip(path: string): Promise<{ name: string; size: number; data?: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries: { name: string; size: number; data?: Buffer }[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push({ name: entry.fileName, size: entry.uncompressedSize });
        if (!entry.fileName.endsWith('.docx')) return zip.readEntry();
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries[entries.length - 1]!.data = Buffer.concat(chunks);
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** The text of a .docx: document.xml's runs, tags dropped. */
async function docxText(bytes: Buffer): Promise<string> {
  const path = join(work, `doc-${++fileCount}.docx`);
  writeFileSync(path, bytes);
  const xml = execFileSync('unzip', ['-p', path, 'word/document.xml']).toString('utf8');
  return xml.replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
}

describe('package folders', () => {
  const layout = packageLayout({ loaded, items, files: attachments(), extras: [file('附表1-2-3-1 绩效评价附表.xlsx'), file('绩效评价材料真实性声明函.pdf')] });

  it('has one folder per threshold or indicator with files, in the seed order, numbered and named by the flow', () => {
    expect(layout.folders.map((f) => f.name)).toEqual([
      '01 门槛条件1 法人资格、注册地、成立时间与基地面积',
      '02 门槛条件3 上年末入驻小型微型企业数',
      '03 门槛条件6 专业服务人员',
      '04 门槛条件10 服务功能',
      '05 评分指标3 上年度带动服务资源数量',
      '06 评分指标8 上年度创新型企业培育数量',
    ]);
  });

  it('names files after their item, numbered when several, never after the camera', () => {
    const names = layout.folders.flatMap((f) => f.files.map((file) => file.name));
    expect(names).toContain('企业营业执照或法人证书复印件.jpg');
    expect(names).toContain('经营场所的房屋租赁合同复印件-1（租赁合同（2023））.pdf');
    expect(names).toContain('经营场所的房屋租赁合同复印件-2.pdf');
    expect(names).toContain('经营场所的房屋租赁合同复印件-3.pdf');
    expect(names).toContain('相应的截至上年末有效的入驻合同-01（合同1）.pdf');
    expect(names).toContain('相应的截至上年末有效的入驻合同-12（合同12）.pdf');
    const activities = layout.folders[3]!.files.map((f) => f.name);
    expect(activities[0]).toMatch(/^上年度4次以上相关活动证明材料.*-1（3月创业沙龙签到表）\.jpg$/);
    expect(activities[1]).toMatch(/-2\.jpg$/);
    expect(names.some((n) => /IMG_|scan0002|微信图片/.test(n))).toBe(false);
    for (const name of [...names, ...layout.folders.map((f) => f.name), ...layout.topLevel.map((f) => f.name)]) {
      expect(name).not.toMatch(/[\\/:*?"<>|]|[. ]$/);
      expect([...name].length).toBeLessThanOrEqual(80);
    }
  });

  it('files an item several indicators ask for once, and points the later indicators to it', () => {
    const all = layout.folders.flatMap((f) => f.files.map((file) => ({ folder: f.name, id: file.evidenceId })));
    expect(all.filter((f) => f.id === 't3_resident_list')).toEqual([{ folder: '02 门槛条件3 上年末入驻小型微型企业数', id: 't3_resident_list' }]);
    const indicator5 = layout.indicators.find((e) => e.ref === '评分指标5')!;
    expect(indicator5.folder).toBeUndefined();
    expect(indicator5.shared).toEqual([{ folder: layout.folders[1], items: ['截至上年末在驻企业名单', '相应的截至上年末有效的入驻合同'] }]);
    expect(layout.indicators.map((e) => e.ref)).toEqual([
      ...loaded.flow.thresholds.map((t) => `门槛条件${t.number}`),
      ...loaded.flow.indicators.map((i) => `评分指标${i.number}`),
    ]);
  });

  it('puts suggestions in a last folder and the package documents at the top', () => {
    const withSuggestion = packageLayout({
      loaded,
      items: [...items, { id: 'x_photo', title: '基地外景照片', requiredBy: [], status: 'provided', files: 1, fileNames: [], suggested: true }],
      files: new Map([...attachments(), ['x_photo', [file('DSC0001.JPG')]]]),
    });
    expect(withSuggestion.folders.at(-1)!.name).toBe('07 建议材料');
    expect(withSuggestion.folders.at(-1)!.files.map((f) => f.name)).toEqual(['基地外景照片.jpg']);
    expect(layout.topLevel.map((f) => f.name)).toEqual(['附表1-2-3-1 绩效评价附表.xlsx', '绩效评价材料真实性声明函.pdf']);
  });

  it('makes any name safe for Windows', () => {
    expect(windowsName('通知/签到表: "第1期"?')).toBe('通知／签到表： ＂第1期＂？');
    expect(windowsName('CON.pdf')).toBe('_CON.pdf');
    expect(windowsName('说明...  ')).toBe('说明');
    expect(windowsName('a'.repeat(200), 50)).toHaveLength(50);
    expect(windowsName('  ')).toBe('未命名');
    const names = new NameSet();
    expect([names.claim('说明.pdf'), names.claim('说明.PDF'), names.claim('说明.pdf')]).toEqual(['说明.pdf', '说明（2）.pdf', '说明（3）.pdf']);
    const long = packageLayout({ loaded, items: [], files: new Map(), extras: [file(`${'很长的附件名称'.repeat(20)}.xlsx`)] });
    expect(long.topLevel[0]!.name).toMatch(/^很长的附件名称.*…\.xlsx$/);
    expect([...long.topLevel[0]!.name].length).toBe(80);
  });
});

describe('package parts', () => {
  const folder = (number: number, sizes: number[]) => ({
    number,
    name: `0${number} 门槛条件${number} 测试`,
    ref: `门槛条件${number}`,
    title: '测试',
    files: sizes.map((size, i) => ({ name: `材料${i + 1}.pdf`, size, path: `/nonexistent/${number}-${i}` })),
  });

  it('keeps folders whole when they fit, names parts -1, -2, and stays under the limit', () => {
    const plan = planPackage({ unitName: '北京某某科技有限公司', folders: [folder(1, [3000, 3000]), folder(2, [3000]), folder(3, [2000, 2000])], extras: [], limitBytes: 10_000 });
    expect(plan.parts.map((p) => p.name)).toEqual(['北京某某科技有限公司-1.zip', '北京某某科技有限公司-2.zip']);
    for (const part of plan.parts) expect(part.boundBytes).toBeLessThanOrEqual(10_000);
    expect([...plan.folderParts.values()]).toEqual([[1], [1], [2]]);
  });

  it('splits a folder rather than use more parts than a file-by-file fill needs', () => {
    // Five folders of just over half a part: whole folders would take five parts; three suffice.
    const folders = [1, 2, 3, 4, 5].map((n) => folder(n, [1700, 1700, 1700]));
    const plan = planPackage({ unitName: '某公司', folders, extras: [], limitBytes: 10_000 });
    expect(plan.parts).toHaveLength(3);
    expect([...plan.folderParts.values()].filter((parts) => parts.length > 1).length).toBeGreaterThan(0);
  });

  it('names a single part after the unit alone', () => {
    const plan = planPackage({ unitName: '某公司', folders: [folder(1, [100])], extras: [] });
    expect(plan.parts.map((p) => p.name)).toEqual(['某公司.zip']);
  });

  it('refuses a single file larger than a part, in Chinese, with the guide’s e-mail route', () => {
    const rule = '系统无法上传时以“XX公司-示范基地-2023年度绩效评价附件材料”命名发送至邮箱zhuyu@bjsidic.com。';
    const attempt = () => planPackage({ unitName: '某公司', folders: [folder(1, [100, 1_200_000_000])], extras: [], packagingRule: rule });
    expect(attempt).toThrow(PackageTooLargeError);
    expect(attempt).toThrow(/01 门槛条件1 测试\/材料2\.pdf（1\.20 GB）[\s\S]*zhuyu@bjsidic\.com/);
  });
});

describe('package written', () => {
  it('writes parts that unzip accepts, with the 目录 first and every folder in it with its part', async () => {
    const files = attachments();
    const { layout, plan } = await preparePackage({ loaded, items, files, unitName: '北京某某科技有限公司', extras: [file('附表 绩效评价附表.xlsx')], limitBytes: 60_000 });
    expect(plan.parts.length).toBeGreaterThan(1);
    const progress: WriteProgress[] = [];
    const written = await writePackage(plan, join(work, 'out'), (p) => progress.push(p));
    expect(written.map((w) => w.name)).toEqual(plan.parts.map((p) => p.name));
    expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);

    const entries = await Promise.all(written.map((w) => listZip(w.path)));
    for (const [i, part] of written.entries()) {
      expect(part.bytes).toBeLessThanOrEqual(60_000);
      expect(execFileSync('unzip', ['-t', part.path]).toString()).toMatch(/No errors detected/);
      expect(entries[i]!.map((e) => e.name)).toEqual(plan.parts[i]!.entries.map((e) => e.path));
    }
    expect(entries[0]![0]!.name).toBe(CATALOGUE_NAME);
    // The deflated text came back whole.
    const notes = plan.parts.flatMap((p) => p.entries).find((e) => e.path.endsWith('.txt'))!;
    expect(notes.deflate).toBe(true);

    const text = await docxText(entries[0]![0]!.data!);
    for (const folder of layout.folders) {
      expect(text).toContain(`${folder.name}\n第${plan.folderParts.get(folder.name)!.join('、')}个`);
    }
    for (const entry of layout.indicators) expect(text).toContain(`${entry.ref} ${entry.title}`);
    for (const part of plan.parts) expect(text).toContain(`第${part.number}个：${part.name}`);
    // 评分指标5's documents are 门槛条件3's: its row leads to that folder.
    expect(text).toContain('评分指标5 上年末入驻小型微型企业数\n02\n02 门槛条件3 上年末入驻小型微型企业数\n第1个\n与门槛条件3共用：截至上年末在驻企业名单、相应的截至上年末有效的入驻合同');
  });

  it('gives every byte back: random files of several MiB, through the reused buffers, in several parts', async () => {
    const sources = Array.from({ length: 9 }, (_, i) => {
      const path = join(work, `random-${i}`);
      writeFileSync(path, randomBytes(1_500_000 + i * 700_000));
      return { name: `扫描件${i}.pdf`, size: 1_500_000 + i * 700_000, path };
    });
    const folders = [0, 1, 2].map((k) => ({ number: k + 1, name: `0${k + 1} 评分指标${k + 1} 测试`, ref: `评分指标${k + 1}`, title: '测试', files: sources.slice(k * 3, k * 3 + 3) }));
    const plan = planPackage({ unitName: '某公司', folders, extras: [], limitBytes: 12_000_000 });
    expect(plan.parts.length).toBeGreaterThan(1);
    const written = await writePackage(plan, join(work, 'random-out'));
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    for (const [i, part] of written.entries()) {
      expect(execFileSync('unzip', ['-t', part.path]).toString()).toMatch(/No errors detected/);
      for (const entry of plan.parts[i]!.entries) {
        const back = execFileSync('unzip', ['-p', part.path, entry.path], { maxBuffer: 1 << 26 });
        expect(sha(back)).toBe(sha(readFileSync(entry.source as string)));
      }
    }
  });

  it('reads the same bytes blocking (quick reads) and on libuv threads (after a slow read)', async () => {
    const path = join(work, 'pace.bin');
    const bytes = randomBytes(3 * 1024 + 100);
    writeFileSync(path, bytes);
    const readAll = async (pace: ReadPace) => {
      const chunks: Buffer[] = [];
      for await (const chunk of new PooledFileReader(path, new BufferPool(2, 1024), pace)) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks);
    };
    const quick = new ReadPace(60_000);
    expect((await readAll(quick)).equals(bytes)).toBe(true);
    expect(quick.blocking).toBe(true);
    // Every read counts as slow: the first blocks, the rest go to libuv's threads.
    const slow = new ReadPace(-1);
    expect((await readAll(slow)).equals(bytes)).toBe(true);
    expect(slow.blocking).toBe(false);
  });

  it('writes every chunk at its place with writes batched and several under way, and finishes when all have landed', async () => {
    const path = join(work, 'sink.bin');
    const chunks = Array.from({ length: 23 }, (_, i) => randomBytes(i % 3 === 0 ? 1024 * 1024 : 300_000 + i));
    const sink = new PooledFileSink(path, new BufferPool(2, 1024));
    await pipeline(Readable.from(chunks), sink);
    const written = readFileSync(path);
    expect(written.equals(Buffer.concat(chunks))).toBe(true);
    expect(sink.bytesWritten).toBe(written.length);
  });

  it('never reuses a buffer while part of it may still be on its way', () => {
    const pool = new BufferPool(1, 1024);
    const buffer = pool.take();
    const chunk = pool.lend(buffer, 1000);
    pool.giveBack(chunk.subarray(0, 500));
    expect(pool.take()).not.toBe(buffer);
    const whole = new BufferPool(1, 1024);
    const again = whole.take();
    whole.giveBack(whole.lend(again, 1000));
    expect(whole.take()).toBe(again);
  });
});
