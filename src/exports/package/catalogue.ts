import { AlignmentType, BorderStyle, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, VerticalAlign, WidthType } from 'docx';
import { FONT, LANGUAGE, PAGE } from '../report/typography.ts';
import type { IndicatorEntry, PackageFolder, PackageLayout } from './folders.ts';
import type { PackagePlan } from './plan.ts';

/**
 * The 目录 the guide asks to go with the evidence (【八】 1: “同时需附目录文档，写明每项指标对应的文件夹序号和名称”): a Word
 * table, one row per 门槛条件 and 评分指标 in the seed's order, giving its folder's number and name and the part (压缩包)
 * it is in; where an indicator's documents are filed under an earlier indicator, the row says which folder; what is
 * handed in outside (线下提交) is said too. Then the files at the top of the package. A4, 宋体, like the bureau's forms.
 * It goes first into the first part, so whoever opens any part can find the rest.
 */

export interface CatalogueInput {
  unitName: string;
  /** The evaluation's title, e.g. “北京市小型微型企业创业创新示范基地2023年度绩效评价”. */
  programme?: string;
  layout: PackageLayout;
  plan: PackagePlan;
}

const SIZE = { 小二: 36, 小四: 24, 五号: 21 } as const;
const TYPE_AREA = PAGE.size.width - PAGE.margin.left - PAGE.margin.right;
/** 指标 | 文件夹序号 | 文件夹名称 | 所在压缩包 | 说明, in parts of the type area. */
const COLUMNS = [0.25, 0.1, 0.26, 0.11, 0.28].map((share) => Math.floor(share * TYPE_AREA));

const run = (text: string, size: number = SIZE.五号, bold = false) => new TextRun({ text, font: FONT.宋体, size, bold, language: LANGUAGE });
const line = (text: string, size: number = SIZE.小四, alignment: (typeof AlignmentType)[keyof typeof AlignmentType] = AlignmentType.LEFT) =>
  new Paragraph({ alignment, spacing: { after: 120 }, children: [run(text, size)] });

function cell(lines: string[], width: number, bold = false): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    margins: { top: 40, bottom: 40, left: 80, right: 80 },
    children: (lines.length ? lines : ['']).map((text) => new Paragraph({ children: [run(text, SIZE.五号, bold)] })),
  });
}

const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
const borders = { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border };

/** The parts holding a folder, as the 目录 numbers them: “第1个”, “第1、2个”. */
const partsOf = (plan: PackagePlan, folder: PackageFolder) => `第${(plan.folderParts.get(folder.name) ?? []).join('、')}个`;
const folderNumber = (folder: PackageFolder) => folder.name.split(' ')[0]!;

/**
 * The folders an indicator's reviewer opens: its own, or when all its documents are filed under earlier indicators,
 * those folders, so every row leads somewhere.
 */
function foldersOf(entry: IndicatorEntry): PackageFolder[] {
  return entry.folder ? [entry.folder] : entry.shared.map((s) => s.folder);
}

function remarks(entry: IndicatorEntry): string[] {
  const lines = entry.shared.map(({ folder, items }) =>
    entry.folder ? `另见文件夹 ${folderNumber(folder)}（与${folder.ref}共用）：${items.join('、')}` : `与${folder.ref}共用：${items.join('、')}`,
  );
  if (entry.offline.length) lines.push(`线下提交：${entry.offline.join('、')}`);
  for (const { title, reason } of entry.notApplicable) lines.push(`不适用：${title}${reason ? `（${reason}）` : ''}`);
  if (!entry.folder && lines.length === 0 && entry.missing.length) lines.push('未附材料');
  return lines;
}

export async function catalogueDocx({ unitName, programme, layout, plan }: CatalogueInput): Promise<Buffer> {
  const header = new TableRow({
    tableHeader: true,
    cantSplit: true,
    children: ['指标', '文件夹序号', '文件夹名称', '所在压缩包', '说明'].map((text, i) => cell([text], COLUMNS[i]!, true)),
  });
  const dash = (lines: string[]) => (lines.length ? lines : ['—']);
  const rows = layout.indicators.map((entry) => {
    const folders = foldersOf(entry);
    return new TableRow({
      cantSplit: true,
      children: [
        cell([`${entry.ref} ${entry.title}`], COLUMNS[0]!),
        cell(dash(folders.map(folderNumber)), COLUMNS[1]!),
        cell(dash(folders.map((f) => f.name)), COLUMNS[2]!),
        cell(dash(folders.map((f) => partsOf(plan, f))), COLUMNS[3]!),
        cell(remarks(entry), COLUMNS[4]!),
      ],
    });
  });
  // Folders no indicator owns (建议材料): listed after the indicators, in their number order.
  const owned = new Set(layout.indicators.map((e) => e.folder));
  for (const folder of layout.folders.filter((f) => !owned.has(f))) {
    rows.push(
      new TableRow({
        cantSplit: true,
        children: [
          cell(['其他证明材料（评价标准中未明确的材料）'], COLUMNS[0]!),
          cell([folderNumber(folder)], COLUMNS[1]!),
          cell([folder.name], COLUMNS[2]!),
          cell([partsOf(plan, folder)], COLUMNS[3]!),
          cell([], COLUMNS[4]!),
        ],
      }),
    );
  }

  const topFiles = plan.parts.flatMap((part) => part.entries.filter((e) => !e.folder).map((e) => ({ name: e.path, part: part.number })));
  const children = [
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [run('附件材料目录', SIZE.小二, true)] }),
    line(`申请单位：${unitName}`),
    ...(programme ? [line(`评价项目：${programme}`)] : []),
    line(`压缩包：共 ${plan.parts.length} 个`),
    ...plan.parts.map((part) => line(`第${part.number}个：${part.name}${part.number === 1 ? '（含本目录）' : ''}`)),
    new Table({ width: { size: TYPE_AREA, type: WidthType.DXA }, columnWidths: COLUMNS, borders, rows: [header, ...rows] }),
    line(''),
    line('压缩包根目录中的文件：'),
    new Table({
      width: { size: TYPE_AREA, type: WidthType.DXA },
      columnWidths: [COLUMNS[0]! + COLUMNS[1]! + COLUMNS[2]!, COLUMNS[3]! + COLUMNS[4]!],
      borders,
      rows: [
        new TableRow({ tableHeader: true, children: [cell(['文件名'], COLUMNS[0]! + COLUMNS[1]! + COLUMNS[2]!, true), cell(['所在压缩包'], COLUMNS[3]! + COLUMNS[4]!, true)] }),
        ...topFiles.map((f) => new TableRow({ cantSplit: true, children: [cell([f.name], COLUMNS[0]! + COLUMNS[1]! + COLUMNS[2]!), cell([`第${f.part}个`], COLUMNS[3]! + COLUMNS[4]!)] })),
      ],
    }),
  ];
  const document = new Document({
    creator: '申报助手',
    title: `${unitName}附件材料目录`,
    styles: { default: { document: { run: { font: FONT.宋体, size: SIZE.小四, language: LANGUAGE } } } },
    sections: [{ properties: { page: PAGE }, children }],
  });
  return Packer.toBuffer(document);
}
