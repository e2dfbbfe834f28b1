import { AlignmentType, LineRuleType, type IParagraphStyleOptions, type IRunStylePropertiesOptions } from 'docx';

/**
 * How the report draft is set. The seed gives its templates as text, without fonts or sizes, so these follow the
 * national standard for official documents that the bureau's own templates use (GB/T 9704-2012 党政机关公文格式):
 * A4, body in 仿宋_GB2312 三号, first-level headings in 黑体 三号, titles in 宋体 二号 bold, page numbers in 宋体 四号.
 * Sizes are in half-points (三号 = 16 pt = 32).
 */

export const SIZE = { 二号: 44, 小二: 36, 三号: 32, 四号: 28 } as const;

/** Latin letters and digits in Times New Roman, Chinese in the named font; the language picks simplified glyphs. */
const font = (eastAsia: string) => ({ ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia });
export const FONT = { 仿宋: font('仿宋_GB2312'), 黑体: font('黑体'), 宋体: font('宋体') } as const;
export const LANGUAGE = { value: 'en-US', eastAsia: 'zh-CN' } as const;

/** Twips (1/20 pt). GB/T 9704: top margin 37 mm, binding side 28 mm, type area 156 × 225 mm. */
const mm = (n: number) => Math.round((n / 25.4) * 1440);
export const PAGE = {
  size: { width: 11906, height: 16838 },
  margin: { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26), header: mm(15), footer: mm(20) },
} as const;

/** 22 lines to the page of 三号 text, as the standard sets: a fixed line pitch of about 28.95 pt. */
const LINE = { line: 579, lineRule: LineRuleType.EXACT } as const;
/** Two characters of 三号 text: the first-line indent of a Chinese paragraph. */
const INDENT_TWO_CHARACTERS = 2 * 16 * 20;

export const STYLE = { title: 'ReportTitle', heading: 'ReportHeading1', body: 'ReportBody', plain: 'ReportPlain' } as const;

/** Yellow behind what the operator must still write or check: placeholders stand out until replaced. */
export const PLACEHOLDER_RUN: IRunStylePropertiesOptions = { highlight: 'yellow' };

/**
 * Our own paragraph styles. The built-in Heading 1 is blue in Word's and LibreOffice's defaults; a black 黑体 style
 * with an outline level keeps the headings in the navigation pane without that colour.
 */
export const PARAGRAPH_STYLES: IParagraphStyleOptions[] = [
  {
    id: STYLE.title,
    name: '报告标题',
    basedOn: 'Normal',
    next: STYLE.body,
    quickFormat: true,
    run: { font: FONT.宋体, size: SIZE.二号, bold: true, color: '000000' },
    paragraph: { alignment: AlignmentType.CENTER, spacing: { before: 0, after: 0, line: 760, lineRule: LineRuleType.EXACT } },
  },
  {
    id: STYLE.heading,
    name: '报告一级标题',
    basedOn: 'Normal',
    next: STYLE.body,
    quickFormat: true,
    run: { font: FONT.黑体, size: SIZE.三号, bold: false, color: '000000' },
    paragraph: { outlineLevel: 0, keepNext: true, keepLines: true, indent: { firstLine: INDENT_TWO_CHARACTERS }, spacing: { before: 0, after: 0, ...LINE } },
  },
  {
    id: STYLE.body,
    name: '报告正文',
    basedOn: 'Normal',
    quickFormat: true,
    run: { font: FONT.仿宋, size: SIZE.三号 },
    paragraph: { alignment: AlignmentType.JUSTIFIED, indent: { firstLine: INDENT_TWO_CHARACTERS }, spacing: { before: 0, after: 0, ...LINE } },
  },
  {
    id: STYLE.plain,
    name: '报告无缩进',
    basedOn: STYLE.body,
    quickFormat: true,
    paragraph: { alignment: AlignmentType.LEFT, indent: { firstLine: 0 } },
  },
];

/** The document's defaults: 仿宋 三号 in Chinese, so text typed into the draft looks like the rest. */
export const DEFAULT_RUN: IRunStylePropertiesOptions = { font: FONT.仿宋, size: SIZE.三号, language: LANGUAGE };
