import type { LoadedFlow } from '../../flow/loader.ts';
import type { AnnexTable } from '../../flow/schema.ts';
import { annexLayout, placement, type AnnexLayout } from './annex-layout.ts';
import { annexSheetOptions, paintAnnexSheet } from './annex-sheet.ts';
import { DropdownLists } from './dropdown-lists.ts';
import { excel } from './workbook-io.ts';

/**
 * The blank template of an annex table, to fill in Excel or WPS: the seed's title and header, empty input rows with a
 * dropdown on every column with fixed values, the 合计 row as formulas under them, the 填表说明 below.
 *
 * The sheet is protected without a password, so that the header and the 合计 row are not broken by accident (they
 * are what the importer recognises); the input rows are unlocked, and rows may be inserted and deleted. spinCount 0:
 * protection here is a guard, not security, and exceljs's default (100,000 SHA-512 rounds) costs up to a second.
 */

/** Input rows in a template; more can be inserted above the 合计 row. */
export const TEMPLATE_INPUT_ROWS = 200;

function hint(layout: AnnexLayout, inputRows: number): string {
  const { firstDataRow } = placement(layout, inputRows);
  const lines = [
    `填写提示（申报助手）：请从第${firstDataRow}行起逐行填写，本模板留有${inputRows}行，不够时可在最后一行之上插入行；请勿修改表头。`,
    '有下拉箭头的列请从列表中选择；日期写成 2023-06-01；金额、面积等只写数字。',
  ];
  if (layout.summaries.length) lines.push(`${layout.summaries.map((s) => `“${s.label}”`).join('、')}由表格自动计算，助手导入时会按各行重新计算。`);
  lines.push('填好后把这个文件直接发给助手即可。');
  return lines.join('');
}

export async function annexTemplate(loaded: LoadedFlow, table: AnnexTable, inputRows = TEMPLATE_INPUT_ROWS): Promise<Buffer> {
  const workbook = new (await excel()).Workbook();
  workbook.creator = '申报助手';
  // The 合计 formulas are written without a result: have the spreadsheet compute them on opening.
  workbook.calcProperties.fullCalcOnLoad = true;
  const layout = annexLayout(loaded, table);
  const lists = new DropdownLists(workbook);
  const sheet = workbook.addWorksheet(layout.sheetName, annexSheetOptions(layout));
  paintAnnexSheet(sheet, layout, { kind: 'template', inputRows }, lists, { hint: hint(layout, inputRows) });
  await sheet.protect('', {
    selectLockedCells: true,
    selectUnlockedCells: true,
    formatColumns: true,
    formatRows: true,
    insertRows: true,
    deleteRows: true,
    spinCount: 0,
  });
  lists.writeSheet(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
