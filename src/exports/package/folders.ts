import { basename } from 'node:path';
import type { LoadedFlow } from '../../flow/loader.ts';
import type { EvidenceItem } from '../../rules/evidence.ts';
import { MAX_FILE_NAME, MAX_FOLDER_NAME, NameSet, extensionOf, windowsFileName, windowsName } from './windows-names.ts';

/**
 * The evidence package's layout (guide 【八】: “按序提供相应材料……每项电子版材料文件或文件夹以该项材料内容命名。同时需附目录
 * 文档，写明每项指标对应的文件夹序号和名称”): one folder per 门槛条件 and 评分指标 that has files, in the seed's order,
 * numbered in that order (“03 门槛条件3 上年末入驻小型微型企业数”); in it each file named after its evidence item, never
 * after the phone's “IMG_2031.jpg”; the assistant's suggestions (建议材料) in a last folder; the package's own documents
 * (annex workbook, report, 真实性声明函, and items no indicator asks for) at the top.
 *
 * An item several indicators ask for (the resident list: 门槛条件3, 评分指标5) is filed once, in the first of them, and
 * the 目录 says where the later ones find it. Copies would multiply the largest items (a year of contracts, scanned)
 * against the 1 GB cap, and two copies invite a reviewer to compare them; pointing from one indicator to another
 * folder is what the 目录 the guide asks for is there to do.
 */

/** A file to package: its name as received (for the extension), its size, where its bytes are. */
export interface SourceFile {
  name: string;
  size: number;
  path: string;
}

/** A file placed in the package: `name` is its name inside its folder (or at the top). */
export interface PackageFile extends SourceFile {
  evidenceId?: string;
}

export interface PackageFolder {
  /** 1, 2, … in the seed's order: the 目录's 文件夹序号. */
  number: number;
  /** “03 门槛条件3 上年末入驻小型微型企业数” — the folder's name in the archive. */
  name: string;
  /** 门槛条件3, 评分指标8.1, or 建议材料. */
  ref: string;
  /** The indicator's full title as the flow has it. */
  title: string;
  files: PackageFile[];
}

/** Items of an indicator filed in an earlier indicator's folder. */
export interface SharedPlacement {
  folder: PackageFolder;
  items: string[];
}

/** One row of the 目录: a threshold or indicator, where its files are, and what it has no file for. */
export interface IndicatorEntry {
  ref: string;
  title: string;
  folder?: PackageFolder;
  shared: SharedPlacement[];
  /** Items marked as handed in outside (线下提交). */
  offline: string[];
  /** Items marked as not applying to the unit (不适用), with the operator's reason. */
  notApplicable: { title: string; reason?: string }[];
  /** Items with no file and no mark. */
  missing: string[];
}

export interface PackageLayout {
  folders: PackageFolder[];
  /** Files at the top of the package (the catalogue is added beside them when the parts are planned). */
  topLevel: PackageFile[];
  /** Every threshold and indicator, in the seed's order. */
  indicators: IndicatorEntry[];
}

export interface LayoutInput {
  loaded: LoadedFlow;
  items: EvidenceItem[];
  /** The files attached to each evidence item, by evidence id, in the order they should appear. */
  files: ReadonlyMap<string, readonly SourceFile[]>;
  /** The package's own documents, named as they should appear at the top (附表 workbook, 绩效报告, 真实性声明函). */
  extras?: readonly SourceFile[];
}

/** The catalogue's name at the top of the first part; no other top-level file may take it. */
export const CATALOGUE_NAME = '附件材料目录.docx';
export const SUGGESTED_FOLDER = '建议材料';

interface Section {
  ref: string;
  title: string;
  items: EvidenceItem[];
}

export function packageLayout({ loaded, items, files, extras = [] }: LayoutInput): PackageLayout {
  const sections: Section[] = [
    ...loaded.flow.thresholds.map((t) => ({ ref: `门槛条件${t.number}`, title: t.title, items: [] as EvidenceItem[] })),
    ...loaded.flow.indicators.map((i) => ({ ref: `评分指标${i.number}`, title: i.title, items: [] as EvidenceItem[] })),
  ];
  const byRef = new Map(sections.map((s) => [s.ref, s]));
  const filesOf = (item: EvidenceItem) => files.get(item.id) ?? [];

  // Each item with files goes to the first indicator that asks for it (requiredBy is in the seed's order).
  const home = new Map<string, Section>();
  const suggested: EvidenceItem[] = [];
  const unplaced: EvidenceItem[] = [];
  for (const item of items) {
    const refs = item.requiredBy.filter((ref) => byRef.has(ref));
    for (const ref of refs) byRef.get(ref)!.items.push(item);
    if (filesOf(item).length === 0) continue;
    if (item.suggested) suggested.push(item);
    else if (refs.length > 0) home.set(item.id, byRef.get(refs[0]!)!);
    else unplaced.push(item);
  }
  // Files attached to an item the checklist no longer lists (an answer changed since): kept, as supporting material
  // the guide welcomes (“以及评价标准中未明确的能够证明符合申报条件的其他材料”), rather than silently left out.
  const listed = new Set(items.map((i) => i.id));
  for (const [id, attached] of files) {
    if (listed.has(id) || attached.length === 0) continue;
    const evidence = loaded.evidence.get(id);
    const fileNames = attached.map((f) => f.name);
    suggested.push({ id, title: evidence?.title ?? '其他证明材料', requiredBy: [], status: 'provided', files: attached.length, fileNames, suggested: true });
  }

  const folders: PackageFolder[] = [];
  const width = Math.max(2, String(sections.length + 1).length);
  const addFolder = (ref: string, title: string, label: string, folderItems: EvidenceItem[]) => {
    if (folderItems.length === 0) return undefined;
    const number = folders.length + 1;
    const name = windowsName(`${String(number).padStart(width, '0')} ${label}`, MAX_FOLDER_NAME);
    const folder: PackageFolder = { number, name, ref, title, files: namedFiles(folderItems, filesOf, new NameSet()) };
    folders.push(folder);
    return folder;
  };

  const folderOf = new Map<Section, PackageFolder>();
  for (const section of sections) {
    const own = section.items.filter((item) => home.get(item.id) === section);
    const folder = addFolder(section.ref, section.title, `${section.ref} ${shortTitle(section.title)}`, own);
    if (folder) folderOf.set(section, folder);
  }
  addFolder(SUGGESTED_FOLDER, SUGGESTED_FOLDER, SUGGESTED_FOLDER, suggested);

  const indicators: IndicatorEntry[] = sections.map((section) => {
    const shared = new Map<PackageFolder, string[]>();
    for (const item of section.items) {
      const at = home.get(item.id);
      if (!at || at === section) continue;
      const folder = folderOf.get(at)!;
      shared.set(folder, [...(shared.get(folder) ?? []), item.title]);
    }
    const unfiled = section.items.filter((item) => filesOf(item).length === 0);
    return {
      ref: section.ref,
      title: section.title,
      folder: folderOf.get(section),
      shared: [...shared].map(([folder, titles]) => ({ folder, items: titles })),
      offline: unfiled.filter((i) => i.status === 'offline').map((i) => i.title),
      notApplicable: unfiled.filter((i) => i.status === 'not_applicable').map((i) => ({ title: i.title, reason: i.markReason })),
      missing: unfiled.filter((i) => i.status === 'missing' || i.status === 'provided').map((i) => i.title),
    };
  });

  const top = new NameSet();
  top.claim(CATALOGUE_NAME);
  const topLevel: PackageFile[] = [
    ...extras.map((file) => {
      const ext = extensionOf(file.name);
      return { ...file, name: top.claim(windowsFileName(ext ? file.name.slice(0, -ext.length) : file.name, ext)) };
    }),
    ...namedFiles(unplaced, filesOf, top),
  ];
  return { folders, topLevel, indicators };
}

/**
 * A folder's name needs the indicator recognisable, not its whole wording (the 目录 has that): the words before the
 * first “：” or “，” when that leaves a name (“企业上市挂牌：入驻企业在上交所……” → “企业上市挂牌”).
 */
function shortTitle(title: string): string {
  const head = title.split(/[：:，,；;]/)[0]!.trim();
  return [...head].length >= 2 ? head : title;
}

/**
 * Files named after their item: “营业执照或法人证书复印件.pdf”; several: “…-1.pdf”, “…-2.pdf” (all numbered, so they sort
 * together and in order — a bare first name would sort after “-2” in Explorer's and 7-Zip's listings). When the
 * operator's own name says more (“3月创业沙龙签到表.jpg” among twelve activity files) it follows in brackets.
 */
function namedFiles(items: EvidenceItem[], filesOf: (item: EvidenceItem) => readonly SourceFile[], names: NameSet): PackageFile[] {
  const placed: PackageFile[] = [];
  for (const item of items) {
    const attached = filesOf(item);
    const width = String(attached.length).length;
    attached.forEach((file, index) => {
      const ext = extensionOf(file.name);
      const suffix = attached.length > 1 ? `-${String(index + 1).padStart(width, '0')}` : '';
      const hint = telling(file.name, item.title);
      const hintPart = hint ? `（${windowsName(hint, 30)}）` : '';
      const title = windowsName(item.title, MAX_FILE_NAME - ext.length - suffix.length - hintPart.length);
      placed.push({ ...file, evidenceId: item.id, name: names.claim(`${title}${suffix}${hintPart}${ext}`) });
    });
  }
  return placed;
}

/** Camera, scanner and chat-app names say nothing about the content. */
const MEANINGLESS = /^(img|dsc|dcim|pxl|mmexport|wx_camera|screenshot|scan|微信图片|微信截图|屏幕截图|扫描全能王)/i;
/** Words that say what kind of file it is, not what it is about (“扫描0001”, “新建文档 (2)”). */
const GENERIC = /扫描件?|图片|照片|截图|截屏|文档|文件|新建|副本|复件|未命名/g;

/** The operator's own file name when it tells something in Chinese the item's title does not. */
function telling(original: string, title: string): string | undefined {
  const ext = extensionOf(original);
  const base = basename(original.replace(/\\/g, '/'));
  const stem = (ext ? base.slice(0, -ext.length) : base).trim();
  const subject = stem.replace(GENERIC, '').match(/\p{Script=Han}/gu) ?? [];
  if (subject.length < 2 || MEANINGLESS.test(stem) || title.includes(stem) || stem.includes(title)) return undefined;
  return stem;
}
