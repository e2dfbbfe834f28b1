import { AlignmentType, Document, Footer, Packer, PageNumber, Paragraph, SectionType, TextRun, type ISectionOptions } from 'docx';
import { choicesOf, type LoadedFlow } from '../../flow/loader.ts';
import type { Report, ReportField } from '../../flow/schema.ts';
import type { Env } from '../../engine/scope.ts';
import type { Answers, ChoiceValue, TableValue } from '../../engine/values.ts';
import { renderFact, reportScope, type Piece } from './report-facts.ts';
import { DEFAULT_RUN, FONT, PAGE, PARAGRAPH_STYLES, PLACEHOLDER_RUN, SIZE, STYLE } from './typography.ts';

/**
 * The 绩效报告 draft as an editable Word file, laid out as the flow's `report` says (the seed's template): the cover
 * with the unit, district and date filled in, each chapter's heading, the figures the declaration already holds as
 * sentences, a highlighted place per chapter for the operator's own prose, and the 真实性声明函 on its own page.
 * What is not known yet is a highlighted 【待填写：…】, so the draft can be made at any stage of a declaration.
 */

export interface ReportDraftInput {
  loaded: LoadedFlow;
  answers: Answers;
  /** Annex tables by id, as imported; a table not given is said as still to be filled in. */
  tables: Record<string, TableValue>;
  env: Env;
  /** The declaring unit's name (申请单位), as in the directory. */
  unitName?: string;
  /** Its district (所属区). */
  district?: string;
  /** The draft's date (填报日期), YYYY-MM-DD. */
  date: string;
}

/** The programme's seed has no report template (the Hebei programmes). */
export class NoReportTemplateError extends Error {
  constructor(programme: string) {
    super(`“${programme}”的申报指南没有绩效报告模板，无法生成绩效报告草稿`);
  }
}

/** Build the draft; a Buffer holding the .docx. */
export async function reportDraft(input: ReportDraftInput): Promise<Buffer> {
  const report = input.loaded.flow.report;
  if (!report) throw new NoReportTemplateError(input.loaded.flow.programme);
  const sections: ISectionOptions[] = [
    { properties: { page: PAGE }, children: cover(report, input) },
    {
      properties: { type: SectionType.NEXT_PAGE, page: { ...PAGE, pageNumbers: { start: 1 } } },
      footers: { default: pageNumberFooter() },
      children: chapters(report, input),
    },
  ];
  // Its own section, so it starts on a new page and carries no page number: it is signed and stamped on its own.
  if (report.declaration) {
    sections.push({
      properties: { type: SectionType.NEXT_PAGE, page: PAGE },
      footers: { default: new Footer({ children: [] }) },
      children: declaration(report.declaration, input),
    });
  }
  const document = new Document({
    creator: '申报助手',
    title: `${report.cover.title.join('')}（草稿）`,
    styles: { default: { document: { run: DEFAULT_RUN } }, paragraphStyles: PARAGRAPH_STYLES },
    sections,
  });
  return Packer.toBuffer(document);
}

/** 2024-03-01 → 2024年3月1日. */
function chineseDate(iso: string): string | null {
  const m = iso.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : null;
}

const missingRun = (what: string[]) => new TextRun({ text: what.length ? `【待填写：${what.join('、')}】` : '【待填写】', ...PLACEHOLDER_RUN });
const runsOf = (pieces: Piece[]) => pieces.map((p) => ('text' in p ? new TextRun(p.text) : missingRun(p.missing)));

/** What a cover or signature line is filled with, or a highlighted placeholder naming the line. */
function fieldRuns(field: ReportField, input: ReportDraftInput): TextRun[] {
  const value = field.fill === 'unit' ? input.unitName : field.fill === 'district' ? input.district : field.fill === 'date' ? chineseDate(input.date) : undefined;
  const filled = value?.trim() ? [new TextRun(value.trim())] : field.fill ? [missingRun([field.label.replace(/（[^）]*）$/, '')])] : [];
  return [new TextRun(`${field.label}：`), ...filled, ...(field.suffix ? [new TextRun(field.suffix)] : [])];
}

function cover(report: Report, input: ReportDraftInput): Paragraph[] {
  const { cover } = report;
  const paragraphs = cover.title.map((line, i) => new Paragraph({ style: STYLE.title, spacing: { before: i === 0 ? 1800 : 0 }, children: [new TextRun(line)] }));
  if (cover.choice) paragraphs.push(choiceLine(cover.choice, input));
  cover.fields.forEach((field, i) =>
    paragraphs.push(new Paragraph({ style: STYLE.plain, indent: { left: 1280 }, spacing: { before: i === 0 ? 1800 : 240 }, children: fieldRuns(field, input) })),
  );
  paragraphs.push(new Paragraph({ style: STYLE.plain, alignment: AlignmentType.CENTER, spacing: { before: 1800 }, children: [new TextRun({ text: cover.issuer, font: FONT.宋体, bold: true })] }));
  return paragraphs;
}

/** The seed's tick boxes (□综合咨询 □创业辅导 …) with the declared choice ticked. */
function choiceLine(choice: NonNullable<Report['cover']['choice']>, input: ReportDraftInput): Paragraph {
  const question = input.loaded.questions.get(choice.question);
  const chosen = (input.answers[choice.question]?.value as ChoiceValue | null | undefined)?.value;
  const boxes = question?.type === 'choice' ? choicesOf(input.loaded, question).map((c) => `${c.value === chosen ? '☑' : '□'}${c.label}`) : [];
  const runs = [new TextRun(`${choice.label}：${boxes.join('  ')}`)];
  if (!chosen) runs.push(missingRun([question?.label ?? choice.label]));
  return new Paragraph({ style: STYLE.plain, alignment: AlignmentType.CENTER, spacing: { before: 720 }, children: runs });
}

function chapters(report: Report, input: ReportDraftInput): Paragraph[] {
  const scope = reportScope(input.loaded, input.answers, input.tables, input.env);
  const paragraphs = [new Paragraph({ style: STYLE.title, spacing: { after: 579 }, children: [new TextRun(report.title)] })];
  for (const chapter of report.chapters) {
    paragraphs.push(new Paragraph({ style: STYLE.heading, children: [new TextRun(chapter.title)] }));
    // Two facts waiting for the same answer (certified / not certified) would say the same placeholder twice.
    const said = new Set<string>();
    for (const fact of chapter.facts) {
      const pieces = renderFact(input.loaded, fact, input.answers, scope);
      if (!pieces) continue;
      const key = JSON.stringify(pieces);
      if (said.has(key)) continue;
      said.add(key);
      paragraphs.push(new Paragraph({ style: STYLE.body, children: runsOf(pieces) }));
    }
    paragraphs.push(new Paragraph({ style: STYLE.body, children: [new TextRun({ text: `【请填写：${chapter.prompt}】`, ...PLACEHOLDER_RUN })] }));
  }
  return paragraphs;
}

function declaration(text: NonNullable<Report['declaration']>, input: ReportDraftInput): Paragraph[] {
  const blank = () => new Paragraph({ style: STYLE.body, children: [] });
  const paragraphs = [
    new Paragraph({ style: STYLE.title, spacing: { before: 1158, after: 1158 }, children: [new TextRun(text.title)] }),
    new Paragraph({ style: STYLE.body, children: [new TextRun(text.body)] }),
    blank(),
    blank(),
    ...text.signatures.map((field) => new Paragraph({ style: STYLE.plain, indent: { left: 640 }, spacing: { before: 579 }, children: fieldRuns(field, input) })),
  ];
  // Dated by whoever signs: left blank, as in the seed.
  if (text.dated) paragraphs.push(new Paragraph({ style: STYLE.plain, alignment: AlignmentType.RIGHT, spacing: { before: 1158 }, indent: { right: 1280 }, children: [new TextRun('年　　月　　日')] }));
  return paragraphs;
}

/** GB/T 9704: the page number in 宋体 四号 between two dashes, centred. */
function pageNumberFooter(): Footer {
  const run = { font: FONT.宋体, size: SIZE.四号 };
  return new Footer({
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ text: '— ', ...run }), new TextRun({ children: [PageNumber.CURRENT], ...run }), new TextRun({ text: ' —', ...run })],
      }),
    ],
  });
}
