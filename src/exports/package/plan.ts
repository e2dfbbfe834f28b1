import type { PackageFile, PackageFolder } from './folders.ts';
import { ARCHIVE_END_BOUND, entryBound, shouldDeflate, utf8Length } from './zip-entry.ts';
import { windowsName } from './windows-names.ts';

/**
 * The package's parts, decided before a byte is written (guide 【八】 2: “单个压缩包大小不超过1G，如超过规定大小，可上传多个
 * 压缩包，并以“XX公司-1”、“XX公司-2”的格式命名”). Every entry is counted at its upper bound (zip-entry.ts), so no part
 * can come out over the limit whatever deflate does, and the 目录 can say which part holds each folder before the
 * parts exist.
 *
 * Order is the seed's: the top (catalogue first, then the package's own documents), then the folders in number order.
 * A folder goes whole into a part when it fits there; when it does not fit what is left of the current part it starts
 * the next one, unless that would make one part more than filling file by file needs (then it is split, files in
 * order). So the count of parts is never more than the fewest an order-keeping fill allows, and a reviewer finds
 * most folders whole.
 *
 * Names: “<单位名称>-1.zip”, “<单位名称>-2.zip” … when there are several. A single part is “<单位名称>.zip”: the guide gives
 * the numbered form for the case of several (“如超过规定大小”), and a lone “-1” would send a reviewer looking for a “-2”.
 *
 * The limit defaults to 999,000,000 bytes: the guide's “1G” may mean 10⁹ or 2³⁰ bytes (research B), and the upload
 * form's own counting is unknown, so stay below both.
 */

export const DEFAULT_LIMIT_BYTES = 999_000_000;

export interface PlannedEntry {
  /** The entry's path in the archive, “/”-separated: “03 门槛条件3 …/截至上年末在驻企业名单.xlsx”, or a top-level name. */
  path: string;
  size: number;
  /** A file's path on disk, or the bytes themselves (the catalogue). */
  source: string | Uint8Array;
  deflate: boolean;
  /** The most bytes it can take in the archive. */
  bound: number;
  /** The folder it is in; none at the top. */
  folder?: string;
}

export interface PlannedPart {
  /** 1, 2, … */
  number: number;
  /** “北京某某科技有限公司-1.zip”. */
  name: string;
  entries: PlannedEntry[];
  /** The part can be no larger: its entries' bounds and the archive's end. */
  boundBytes: number;
}

export interface PackagePlan {
  unitName: string;
  limitBytes: number;
  parts: PlannedPart[];
  /** Each folder's name → the parts holding it, in order: one usually, several when it had to be split. */
  folderParts: Map<string, number[]>;
  /** The catalogue's path in the first part, when one was reserved. */
  catalogue?: string;
}

export interface PlanInput {
  unitName: string;
  folders: readonly PackageFolder[];
  /** Files at the top of the package. */
  extras: readonly PackageFile[];
  /** The 目录, first in part 1: its name and its size, or an upper bound of it until it is built (fillCatalogue). */
  catalogue?: { name: string; size: number; bytes?: Uint8Array };
  limitBytes?: number;
  /** The flow's own words on what to do when the materials are too large (the e-mail route), quoted in a refusal. */
  packagingRule?: string;
}

/** A file larger than a part can hold: no split can help, the operator has to make it smaller (or use the e-mail route). */
export class PackageTooLargeError extends Error {
  constructor(readonly files: { path: string; size: number }[], readonly limitBytes: number, packagingRule?: string) {
    super(
      [
        `以下文件单个就超过了每个压缩包 ${formatBytes(limitBytes)} 的上限，放不进任何一个压缩包（填报系统要求单个压缩包不超过 1G，一个文件不能拆到两个压缩包里）：`,
        ...files.map((f) => `· ${f.path}（${formatBytes(f.size)}）`),
        '请把它缩小后重新上传：扫描件可降低分辨率（200 dpi 黑白或灰度即可）或按月份、按合同拆成几个 PDF；视频可剪短或转码；照片可压缩。',
        packagingRule
          ? `若确实无法缩小，按申报通知的要求办理：${packagingRule}`
          : '若确实无法缩小，请按申报通知中“附件材料过大”时的做法，将全部附件材料发送至通知指定的邮箱；填报系统的基础信息仍需填报提交。',
      ].join('\n'),
    );
  }
}

/** Bytes for a person, in the decimal units the guide's “1G” and the upload form use. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

function plannedEntry(path: string, size: number, source: string | Uint8Array, folder?: string): PlannedEntry {
  // The catalogue is a .docx, stored like any other; a reserved one has no bytes yet.
  const deflate = shouldDeflate(path, size);
  return { path, size, source, deflate, bound: entryBound(utf8Length(path), size, deflate), folder };
}

export function planPackage({ unitName, folders, extras, catalogue, limitBytes = DEFAULT_LIMIT_BYTES, packagingRule }: PlanInput): PackagePlan {
  const capacity = limitBytes - ARCHIVE_END_BOUND;
  const groups: PlannedEntry[][] = [
    [
      ...(catalogue ? [plannedEntry(catalogue.name, catalogue.size, catalogue.bytes ?? new Uint8Array(0))] : []),
      ...extras.map((f) => plannedEntry(f.name, f.size, f.path)),
    ],
    ...folders.map((folder) => folder.files.map((f) => plannedEntry(`${folder.name}/${f.name}`, f.size, f.path, folder.name))),
  ];

  const oversized = groups.flat().filter((e) => e.bound > capacity);
  if (oversized.length > 0) throw new PackageTooLargeError(oversized.map((e) => ({ path: e.path, size: e.size })), limitBytes, packagingRule);

  /** Parts needed from a state onwards when filling file by file, in order. */
  const fillCount = (parts: number, left: number, fromGroup: number): number => {
    for (const entry of groups.slice(fromGroup).flat()) {
      if (entry.bound > left) {
        parts++;
        left = capacity;
      }
      left -= entry.bound;
    }
    return parts;
  };
  const fewest = fillCount(1, capacity, 0);

  const parts: PlannedEntry[][] = [[]];
  let left = capacity;
  const startPart = () => {
    parts.push([]);
    left = capacity;
  };
  const place = (entry: PlannedEntry) => {
    if (entry.bound > left) startPart();
    parts[parts.length - 1]!.push(entry);
    left -= entry.bound;
  };
  groups.forEach((group, index) => {
    const total = group.reduce((sum, e) => sum + e.bound, 0);
    if (total > left && total <= capacity && fillCount(parts.length + 1, capacity, index) <= fewest) startPart();
    for (const entry of group) place(entry);
  });
  if (parts.length > 1 && parts[0]!.length === 0) parts.shift();

  const baseName = windowsName(unitName || '附件材料', 60);
  const planned: PlannedPart[] = parts.map((entries, i) => ({
    number: i + 1,
    name: parts.length === 1 ? `${baseName}.zip` : `${baseName}-${i + 1}.zip`,
    entries,
    boundBytes: entries.reduce((sum, e) => sum + e.bound, ARCHIVE_END_BOUND),
  }));
  const folderParts = new Map<string, number[]>();
  for (const part of planned) {
    for (const entry of part.entries) {
      if (!entry.folder) continue;
      const numbers = folderParts.get(entry.folder) ?? [];
      if (!numbers.includes(part.number)) numbers.push(part.number);
      folderParts.set(entry.folder, numbers);
    }
  }
  return { unitName, limitBytes, parts: planned, folderParts, catalogue: catalogue?.name };
}

/**
 * The plan with the catalogue's bytes in the place reserved for it. The catalogue names the parts, so it is built
 * after planning against a reserved size; it must not be larger than that reserve, or the first part's bound would
 * no longer hold.
 */
export function fillCatalogue(plan: PackagePlan, bytes: Uint8Array): PackagePlan {
  const first = plan.parts[0]!;
  const reserved = first.entries[0];
  if (!plan.catalogue || !reserved || reserved.path !== plan.catalogue) throw new Error('the plan reserves no catalogue');
  if (bytes.length > reserved.size) throw new Error(`catalogue of ${bytes.length} bytes exceeds its reserve of ${reserved.size}`);
  const filled = plannedEntry(reserved.path, bytes.length, bytes);
  const entries = [filled, ...first.entries.slice(1)];
  const parts = [{ ...first, entries, boundBytes: first.boundBytes - reserved.bound + filled.bound }, ...plan.parts.slice(1)];
  return { ...plan, parts };
}
