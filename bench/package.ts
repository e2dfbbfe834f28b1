/**
 * The evidence package against a plain copy, side by side in one run: a BENCH_GB (default 2) GB evidence set — scans
 * and photos (random bytes, stored) and a few CSV files (deflated), in 20 folders with Chinese names — packaged into
 * parts of ≤ 999 MB by planPackage + writePackage, against `cp -r` of the same files to the same disk.
 *
 *   cp        `cp -r` of the evidence folder (coreutils copies in the kernel: copy_file_range)
 *   package   planPackage + writePackage in a child process (the time is the child's own, from before planning to the
 *             last part renamed; node's start-up is not counted), native CRC-32 (src/exports/package/native-crc.ts)
 *   js-crc    the same with yazl's own JavaScript CRC-32, to show what the native one is worth (reported, not judged)
 *
 * The files are read once before the first round, so they are in the page cache; before every timed run the disk is
 * `sync`ed (untimed), so no run pays for the previous one's dirty pages. Each figure is the median over BENCH_REPEATS
 * rounds (default 5) with its min–max; the order of the methods rotates from round to round. “+ sync” adds the time
 * of the `sync` right after the run: what it takes until the archives are on the disk, not only in the page cache.
 *
 * Peak RSS is the child's own maximum resident set (getrusage), as the product runs it: the modules bundled by
 * esbuild (tsx's copy, like scripts/build.js), node with the program's V8 settings (scripts/runtime-flags.js), no tsx.
 *
 *   npm run bench:package            BENCH_REPEATS=3 BENCH_GB=1 for a quicker run
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { PackageFolder } from '../src/exports/package/folders.ts';

const CHILD_FLAG = '--package-child';

if (process.argv[2] === CHILD_FLAG) await child(process.argv[3]!, process.argv[4]!, process.argv[5] === 'js-crc');
else await main();

/** One packaging run: plan and write the job's folders, print the figures as JSON. */
async function child(jobPath: string, outDir: string, jsCrc: boolean): Promise<void> {
  const { planPackage } = await import('../src/exports/package/plan.ts');
  const { writePackage } = await import('../src/exports/package/write.ts');
  const { useNativeCrcInYazl } = await import('../src/exports/package/native-crc.ts');
  const native = useNativeCrcInYazl(!jsCrc);
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as { unitName: string; folders: PackageFolder[] };
  const rssBeforeKiB = process.resourceUsage().maxRSS;
  const started = performance.now();
  const plan = planPackage({ unitName: job.unitName, folders: job.folders, extras: [] });
  const parts = await writePackage(plan, outDir);
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, native, rssBeforeKiB, peakRssKiB: process.resourceUsage().maxRSS, parts: parts.map((p) => p.bytes) }));
}

async function main(): Promise<void> {
  const support = await import('./support.ts');
  const { intEnv, machineLine, median, printVerdicts, row, spread, tempDir } = support;
  const REPEATS = Math.max(3, intEnv('BENCH_REPEATS', 5));
  const GB = intEnv('BENCH_GB', 2);
  // < 100 MB read strictly: 100 × 10⁶ bytes (95 MiB), as the parts' 1 GB is 10⁹ bytes.
  const TARGET = { throughput: 0.5, rssMB: 100, rssMiB: (100 * 1e6) / 2 ** 20 };
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = tempDir('shenbao-bench-package-');
  try {
    console.log(`evidence package vs cp -r — ${GB} GB, ${REPEATS} rounds`);
    console.log(machineLine());

    // The child, bundled as the product is (scripts/build.js): node_modules stay external, so it must live inside
    // the repository for node to find them, and yazl's own buffer-crc32 is the one native-crc.ts swaps.
    const bundle = join(root, 'node_modules', '.cache', 'shenbao-bench', 'package-child.mjs');
    mkdirSync(join(bundle, '..'), { recursive: true });
    const fromTsx = createRequire(createRequire(join(root, 'package.json')).resolve('tsx/package.json'));
    const { buildSync } = fromTsx('esbuild') as typeof import('esbuild');
    buildSync({ entryPoints: [fileURLToPath(import.meta.url)], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

    const t0 = performance.now();
    const { folders, bytes, files } = makeEvidence(join(dir.path, 'evidence'), GB * 1e9);
    const job = join(dir.path, 'job.json');
    writeFileSync(job, JSON.stringify({ unitName: '北京某某创业孵化器有限公司', folders }));
    console.log(`evidence: ${files} files, ${(bytes / 1e9).toFixed(2)} GB in ${folders.length} folders, made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Into the page cache: every run then reads from memory.
    spawnSync('sh', ['-c', `cat "${join(dir.path, 'evidence')}"/*/* > /dev/null`]);

    const out = join(dir.path, 'out');
    const syncMs = () => {
      const s = performance.now();
      spawnSync('sync');
      return performance.now() - s;
    };
    const clean = () => {
      rmSync(out, { recursive: true, force: true });
      syncMs();
    };
    type Method = 'cp' | 'package' | 'js-crc';
    const methods: Method[] = ['cp', 'package', 'js-crc'];
    const runs: Record<Method, { ms: number; synced: number; rssMiB?: number; baseMiB?: number }[]> = { cp: [], package: [], 'js-crc': [] };
    let partSizes: number[] = [];
    let native = false;
    let verified = 'not checked';
    for (let round = 0; round < REPEATS; round++) {
      for (const method of [...methods.slice(round % 3), ...methods.slice(0, round % 3)]) {
        clean();
        if (method === 'cp') {
          const s = performance.now();
          const copy = spawnSync('cp', ['-r', join(dir.path, 'evidence'), out]);
          if (copy.status !== 0) throw new Error(`cp failed: ${copy.stderr}`);
          const ms = performance.now() - s;
          runs.cp.push({ ms, synced: ms + syncMs() });
        } else {
          const result = await runChild(bundle, job, out, method === 'js-crc', support.PROGRAM_NODE_FLAGS);
          runs[method].push({ ms: result.ms, synced: result.ms + syncMs(), rssMiB: result.peakRssKiB / 1024, baseMiB: result.rssBeforeKiB / 1024 });
          partSizes = result.parts;
          if (method === 'package') native = result.native;
          // Once, that the archives are sound: random data, so a chunk reused too early would fail its CRC.
          if (round === 0 && method === 'package') verified = verify(out);
        }
        process.stdout.write('.');
      }
    }
    clean();
    console.log('');
    console.log(`parts: ${partSizes.map((b) => `${(b / 1e6).toFixed(1)} MB`).join(', ')}; native CRC-32 in yazl: ${native ? 'yes' : 'no (Node < 20.15?)'}; unzip -t: ${verified}`);
    console.log('');

    const widths = [10, 26, 14, 26, 22];
    console.log(row(['', 'time', 'throughput', 'time + sync', 'peak RSS (at start)'], widths));
    const mbps = (ms: number) => `${((bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s`;
    for (const method of methods) {
      const r = runs[method];
      const rss = r[0]?.rssMiB === undefined ? '—' : `${median(r.map((x) => x.rssMiB!)).toFixed(0)} MiB (${median(r.map((x) => x.baseMiB!)).toFixed(0)})`;
      console.log(row([method, spread(r.map((x) => x.ms / 1000), 2, ' s'), mbps(median(r.map((x) => x.ms))), spread(r.map((x) => x.synced / 1000), 2, ' s'), rss], widths));
    }
    const ratio = median(runs.cp.map((x) => x.ms)) / median(runs.package.map((x) => x.ms));
    const ratioSynced = median(runs.cp.map((x) => x.synced)) / median(runs.package.map((x) => x.synced));
    const ratioJs = median(runs.cp.map((x) => x.ms)) / median(runs['js-crc'].map((x) => x.ms));
    const peak = Math.max(...runs.package.map((x) => x.rssMiB!));
    console.log('');
    console.log(`package throughput ÷ cp's: ${ratio.toFixed(2)}×   target ≥ ${TARGET.throughput}×   (+ sync: ${ratioSynced.toFixed(2)}×; with yazl's JS CRC-32: ${ratioJs.toFixed(2)}×)`);
    console.log(`package peak RSS: ${peak.toFixed(0)} MiB (highest of the rounds)   target < ${TARGET.rssMB} MB (${TARGET.rssMiB.toFixed(0)} MiB)`);

    printVerdicts([
      { name: 'package throughput ÷ cp -r (page cache)', figure: `${ratio.toFixed(2)}×`, target: `≥ ${TARGET.throughput}×`, pass: ratio >= TARGET.throughput },
      { name: 'package peak RSS', figure: `${peak.toFixed(0)} MiB`, target: `< ${TARGET.rssMB} MB (${TARGET.rssMiB.toFixed(0)} MiB)`, pass: peak < TARGET.rssMiB },
    ]);
  } finally {
    dir.remove();
  }
}

/** `unzip -t` on every part written (Debian's unzip), when it is installed. */
function verify(out: string): string {
  const parts = readdirSync(out).filter((name) => name.endsWith('.zip'));
  for (const name of parts) {
    const test = spawnSync('unzip', ['-tqq', join(out, name)]);
    if (test.error) return 'unzip not installed';
    if (test.status !== 0) throw new Error(`unzip -t failed on ${name}: ${test.stdout}${test.stderr}`);
  }
  return `${parts.length} parts OK`;
}

interface ChildResult { ms: number; native: boolean; rssBeforeKiB: number; peakRssKiB: number; parts: number[] }

function runChild(bundle: string, job: string, out: string, jsCrc: boolean, nodeFlags: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, bundle, CHILD_FLAG, job, out, jsCrc ? 'js-crc' : 'native'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`package child exited with ${code}:\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/**
 * The evidence: 20 folders as the package has them; in each, scans (10 MB “PDF”) and photos (5 MB “JPG”) of random
 * bytes, which are stored, and one 250 KB CSV, which is deflated. Random data comes from a 16 MiB pool, each file
 * from its own offset, so no two files are the same.
 */
function makeEvidence(into: string, targetBytes: number): { folders: PackageFolder[]; bytes: number; files: number } {
  const pool = randomBytes(16 * 1024 * 1024);
  const titles = ['门槛条件1 法人资格', '门槛条件2 信用与守法', '门槛条件3 入驻小微企业数', '门槛条件5 运营管理制度', '门槛条件6 专业服务人员', '门槛条件7 服务满意度', '门槛条件8 公益性免费服务', '门槛条件9 企业服务工作站', '门槛条件10 服务功能', '评分指标1 空间规模', '评分指标2 专业服务设施', '评分指标3 带动服务资源', '评分指标4 园区投资基金', '评分指标6 投融资金额', '评分指标7 知识产权', '评分指标8 创新型企业培育', '评分指标9 营业收入', '评分指标10 品牌', '评分指标11 企业上市挂牌', '评分指标13 数字化转型'];
  const folders: PackageFolder[] = titles.map((title, i) => ({ number: i + 1, name: `${String(i + 1).padStart(2, '0')} ${title}`, ref: title.split(' ')[0]!, title, files: [] }));
  let bytes = 0;
  let files = 0;
  const add = (folder: PackageFolder, name: string, size: number, text = false) => {
    const path = join(into, folder.name, name);
    mkdirSync(join(path, '..'), { recursive: true });
    const fd = openSync(path, 'w');
    if (text) {
      const line = Buffer.from(`${files},北京某某科技有限公司,2023-06-01,创业辅导,签到 35 人,备注\n`);
      for (let written = 0; written < size; written += line.length) writeSync(fd, line, 0, Math.min(line.length, size - written));
    } else {
      let offset = (files * 7919 * 4096) % (pool.length - 1024 * 1024);
      for (let written = 0; written < size; ) {
        const n = Math.min(1024 * 1024, size - written);
        writeSync(fd, pool, offset, n);
        written += n;
        offset = (offset + 1024 * 1024 + 4096) % (pool.length - 1024 * 1024);
      }
    }
    closeSync(fd);
    folder.files.push({ name, size, path });
    bytes += size;
    files++;
  };
  folders.forEach((folder) => add(folder, '活动签到汇总.csv', 250_000, true));
  for (let i = 0; bytes < targetBytes; i++) {
    const folder = folders[i % folders.length]!;
    const scan = i % 5 < 3;
    const size = Math.min(scan ? 10_000_000 : 5_000_000, targetBytes - bytes);
    add(folder, scan ? `扫描件-${i + 1}.pdf` : `现场照片-${i + 1}.jpg`, size);
  }
  // Sanity: what was written is what the job says.
  const onDisk = readdirSync(into).reduce((sum, f) => sum + readdirSync(join(into, f)).reduce((s, name) => s + statSync(join(into, f, name)).size, 0), 0);
  if (onDisk !== bytes) throw new Error(`evidence on disk ${onDisk} ≠ ${bytes}`);
  return { folders, bytes, files };
}
