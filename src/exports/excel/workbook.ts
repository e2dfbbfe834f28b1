import type ExcelJS from 'exceljs';
import { streamingWorkbook } from './workbook-io.ts';
import type { LoadedFlow } from '../../flow/loader.ts';
import { formatStored, questionTitle } from '../../engine/format.ts';
import { channelName, formatChangedValue } from '../../engine/format-change.ts';
import { isoMinuteInChina } from '../../engine/today.ts';
import type { RecordedChange } from '../../store/history-store.ts';
import { buildScope, type Env } from '../../engine/scope.ts';
import type { Answers, TableValue } from '../../engine/values.ts';
import { evidenceChecklist, type EvidenceItem } from '../../rules/evidence.ts';
import { relevance } from '../../rules/relevance.ts';
import { evaluateThresholds, type Verdict } from '../../rules/thresholds.ts';
import { annexLayout } from './annex-layout.ts';
import { annexSheetOptions, paintAnnexSheet } from './annex-sheet.ts';
import { DropdownLists } from './dropdown-lists.ts';
import { formSheetOptions, paintFormSheet } from './form-sheet.ts';

/**
 * One declaration as one workbook: the form's answers (填报信息), each annex table on a sheet of its own in the seed's
 * layout (the same layout as the template, 合计 computed by us and written as figures), the threshold verdicts
 * (门槛条件) and the evidence checklist (证明材料). Written by exceljs's streaming writer, row by row, so a 10,000-row
 * table costs its rows' bytes, not a model of the whole workbook. Every text is written as a text cell: an answer
 * starting with = + - @ never becomes a formula (exceljs makes formulas only from `{ formula }` values).
 */

export interface DeclarationWorkbookInput {
  loaded: LoadedFlow;
  answers: Answers;
  /** Annex rows by table id; a table without rows still gets its sheet, empty. */
  tables: Record<string, TableValue>;
  env: Env;
  /** Default: evaluated from the answers. */
  verdicts?: Verdict[];
  /** Default: built from the answers, with no files recorded. */
  checklist?: EvidenceItem[];
  /**
   * Every recorded change of an answer, oldest first, for the 修改记录 sheet; without it (a headless export has no
   * history) the sheet is left out.
   */
  history?: RecordedChange[];
}

export const FORM_SHEET = '填报信息';
export const THRESHOLD_SHEET = '门槛条件';
export const EVIDENCE_SHEET = '证明材料';
export const HISTORY_SHEET = '修改记录';

const thin = { style: 'thin' } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };
export const STYLE = {
  title: { font: { bold: true, size: 14 }, alignment: { horizontal: 'center', vertical: 'middle' } },
  subtitle: { font: { color: { argb: 'FF595959' } }, alignment: { horizontal: 'left', vertical: 'middle' } },
  header: { font: { bold: true }, alignment: { horizontal: 'center', vertical: 'middle', wrapText: true }, border: BORDER, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } } },
  section: { font: { bold: true }, alignment: { vertical: 'middle' }, border: BORDER, fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } } },
  text: { alignment: { vertical: 'top', wrapText: true }, border: BORDER, numFmt: '@' },
  centred: { alignment: { horizontal: 'center', vertical: 'top', wrapText: true }, border: BORDER, numFmt: '@' },
  number: { alignment: { horizontal: 'center', vertical: 'top' }, border: BORDER },
} satisfies Record<string, Partial<ExcelJS.Style>>;

/** A plain list sheet: a title, a header, rows; each column with its width and style. */
export interface ListColumn { header: string; width: number; style: Partial<ExcelJS.Style> }

export function listSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, title: string, subtitle: string, columns: ListColumn[]): {
  sheet: ExcelJS.Worksheet;
  add(values: (string | number | null)[], style?: Partial<ExcelJS.Style>): void;
} {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 3 }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  columns.forEach((c, i) => (sheet.getColumn(i + 1).width = c.width));
  const head = (r: number, text: string, style: Partial<ExcelJS.Style>, height: number) => {
    const row = sheet.getRow(r);
    row.height = height;
    row.getCell(1).value = text;
    for (let c = 1; c <= columns.length; c++) row.getCell(c).style = style;
    sheet.mergeCells(r, 1, r, columns.length);
    row.commit();
  };
  head(1, title, STYLE.title, 28);
  head(2, subtitle, STYLE.subtitle, 18);
  const header = sheet.getRow(3);
  columns.forEach((c, i) => {
    header.getCell(i + 1).value = c.header;
    header.getCell(i + 1).style = STYLE.header;
  });
  header.commit();
  let next = 4;
  return {
    sheet,
    add(values, style) {
      const r = next++;
      const row = sheet.getRow(r);
      values.forEach((value, i) => {
        const cell = row.getCell(i + 1);
        cell.style = style ?? columns[i].style;
        if (value !== null && value !== '') cell.value = value;
      });
      if (style) sheet.mergeCells(r, 1, r, columns.length);
      row.commit();
    },
  };
}

const VERDICT_TEXT: Record<Verdict['status'], string> = { pass: '✅ 满足', fail: '❌ 不满足', review: '需审核', unknown: '待填写' };
const EVIDENCE_STATUS: Record<EvidenceItem['status'], string> = { provided: '已提供', missing: '待提供', offline: '线下提交', not_applicable: '不适用' };

export async function declarationWorkbook(input: DeclarationWorkbookInput): Promise<Buffer> {
  const { loaded, answers, tables, env } = input;
  const { flow } = loaded;
  const scope = buildScope(loaded, answers, env);
  const verdicts = input.verdicts ?? evaluateThresholds(loaded, answers, scope);
  const checklist = input.checklist ?? evidenceChecklist(loaded, answers, scope);

  const { workbook, finish } = await streamingWorkbook();
  const generated = `由申报助手生成于 ${env.today}`;

  const form = listSheet(workbook, FORM_SHEET, `${flow.title}：填报信息`, generated, [
    { header: '位置', width: 14, style: STYLE.centred },
    { header: '题目', width: 46, style: STYLE.text },
    { header: '填报内容', width: 60, style: STYLE.text },
    { header: '情况说明', width: 40, style: STYLE.text },
  ]);
  for (const section of flow.sections) {
    form.add([`${section.ref}${section.title}`, null, null, null], STYLE.section);
    for (const question of section.questions) {
      const stored = answers[question.id];
      const shown = relevance(loaded, question, scope) === false && !stored ? '（不适用）' : formatStored(loaded, question, stored && { ...stored, note: null }, scope);
      form.add([question.ref, questionTitle(question), shown, stored?.note ?? null]);
    }
  }
  form.sheet.commit();

  // The seed's own forms (Hebei's 运营情况表), filled in their layout.
  for (const layout of flow.sheets) {
    const sheet = workbook.addWorksheet(layout.name, formSheetOptions(layout));
    paintFormSheet(sheet, loaded, layout, answers, scope);
    sheet.commit();
  }

  const lists = new DropdownLists(workbook as unknown as { definedNames: ExcelJS.DefinedNames });
  for (const table of flow.tables) {
    const layout = annexLayout(loaded, table);
    const sheet = workbook.addWorksheet(layout.sheetName, annexSheetOptions(layout));
    paintAnnexSheet(sheet, layout, { kind: 'rows', rows: tables[table.id] ?? [] }, lists);
    sheet.commit();
  }

  const thresholds = listSheet(workbook, THRESHOLD_SHEET, `${flow.title}：门槛条件`, `${generated}；按填报内容判断，仅供核对，以主管部门审核为准`, [
    { header: '序号', width: 8, style: STYLE.number },
    { header: '门槛条件', width: 36, style: STYLE.text },
    { header: '判断', width: 12, style: STYLE.centred },
    { header: '原因', width: 70, style: STYLE.text },
  ]);
  for (const v of verdicts) thresholds.add([v.number, v.title, VERDICT_TEXT[v.status], v.reason]);
  thresholds.sheet.commit();

  const evidence = listSheet(workbook, EVIDENCE_SHEET, `${flow.title}：证明材料`, generated, [
    { header: '序号', width: 8, style: STYLE.number },
    { header: '材料', width: 44, style: STYLE.text },
    { header: '要求依据', width: 30, style: STYLE.text },
    { header: '状态', width: 12, style: STYLE.centred },
    { header: '文件', width: 30, style: STYLE.text },
    { header: '说明', width: 50, style: STYLE.text },
  ]);
  checklist.forEach((item, i) => {
    const remark = [item.detail, item.markReason, item.suggested ? `建议材料（申报文件未要求）：${item.reason ?? ''}` : undefined].filter(Boolean).join('\n');
    const names = item.fileNames ?? [];
    const files = names.length ? names.join('\n') : item.files ? `${item.files} 个` : null;
    evidence.add([i + 1, item.title, item.requiredBy.join('、'), EVIDENCE_STATUS[item.status], files, remark || null]);
  });
  evidence.sheet.commit();

  // Who changed what and when: after the sheets to file, so their layout and order stay the seed's.
  if (input.history) {
    const history = listSheet(workbook, HISTORY_SHEET, `${flow.title}：修改记录`, `${generated}；时间为北京时间，按修改先后排列`, [
      { header: '部分', width: 18, style: STYLE.text },
      { header: '题号', width: 12, style: STYLE.centred },
      { header: '题目', width: 36, style: STYLE.text },
      { header: '原值', width: 30, style: STYLE.text },
      { header: '新值', width: 30, style: STYLE.text },
      { header: '情况说明', width: 30, style: STYLE.text },
      { header: '修改人', width: 12, style: STYLE.centred },
      { header: '时间', width: 17, style: STYLE.centred },
      { header: '渠道', width: 10, style: STYLE.centred },
    ]);
    if (input.history.length === 0) history.add(['尚无修改记录。', null, null, null, null, null, null, null, null], STYLE.subtitle);
    for (const h of input.history) {
      const question = loaded.questions.get(h.questionId);
      const section = question && loaded.sectionOf.get(question.id);
      history.add([
        section ? `${section.ref}${section.title}` : '',
        question?.ref ?? h.questionId,
        question ? questionTitle(question) : h.questionId,
        formatChangedValue(loaded, question, h.oldValue, 'old'),
        formatChangedValue(loaded, question, h.newValue, 'new'),
        h.note,
        h.name ?? '（未知）',
        isoMinuteInChina(h.at),
        channelName(h.channel),
      ]);
    }
    history.sheet.commit();
  }

  lists.writeSheet(workbook as unknown as { addWorksheet(name: string, options?: Partial<ExcelJS.AddWorksheetOptions>): ExcelJS.Worksheet });
  return finish();
}
