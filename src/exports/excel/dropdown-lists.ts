import type ExcelJS from 'exceljs';
import { columnLetter, type LayoutColumn } from './annex-layout.ts';

/**
 * Where a dropdown takes its values from. Excel limits a list written into the validation itself (“大型,中型,…”) to
 * 255 characters and asks to repair a file with a longer one (exceljs does not check), and such a list cannot hold a
 * comma. A longer list goes to a hidden sheet, named by an ASCII defined name the validation refers to.
 */

export const LIST_SHEET = '_lists';
const INLINE_LIMIT = 255;

export class DropdownLists {
  private readonly columns: string[][] = [];
  private readonly names = new Map<string, string>();

  constructor(private readonly workbook: { definedNames: ExcelJS.DefinedNames }) {}

  /** The validation formula for a column's allowed values (inline, or the defined name of a list on the hidden sheet). */
  formulaFor(tableId: string, column: LayoutColumn): string {
    const values = column.allowed ?? [];
    const inline = values.join(',');
    if (inline.length <= INLINE_LIMIT && !values.some((v) => /[,"]/.test(v))) return `"${inline}"`;
    const key = `${tableId}.${column.column.id}`;
    let name = this.names.get(key);
    if (!name) {
      this.columns.push(values);
      const letter = columnLetter(this.columns.length);
      name = `L_${tableId}_${column.column.id}`;
      this.workbook.definedNames.add(`'${LIST_SHEET}'!$${letter}$1:$${letter}$${values.length}`, name);
      this.names.set(key, name);
    }
    return name;
  }

  /** Whether any list needs the hidden sheet. */
  get needed(): boolean {
    return this.columns.length > 0;
  }

  /** Write the hidden sheet (once every sheet asked for its lists). */
  writeSheet(workbook: { addWorksheet(name: string, options?: Partial<ExcelJS.AddWorksheetOptions>): ExcelJS.Worksheet }): void {
    if (!this.needed) return;
    const sheet = workbook.addWorksheet(LIST_SHEET, { state: 'veryHidden' });
    const longest = Math.max(...this.columns.map((c) => c.length));
    for (let r = 1; r <= longest; r++) {
      const row = sheet.getRow(r);
      this.columns.forEach((values, c) => {
        // Text, whatever it looks like: a list value is never read as a formula or a number.
        if (r <= values.length) row.getCell(c + 1).value = values[r - 1];
      });
      row.commit();
    }
  }
}
