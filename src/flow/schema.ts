import { z } from 'zod';

/**
 * The format of `flows/<id>/flow.yaml`: a programme's declaration form as data.
 *
 * Expressions (`when`, `assert`, `formula`, `pass`) use filtrex syntax over answers keyed by question id,
 * e.g. `resident_small >= 60 and not gjj_manufacturing`. See src/flow/expression.ts for the functions available.
 * Every string may contain `{year}` (the evaluation year), `{prev_year}`, `{next_year}`, rendered at load; messages
 * may also contain `{<question id>}`, rendered with the operator's answer.
 * Expressions also see the constants year, prev_year, next_year, year_end ("YYYY-12-31"), today, and the
 * organisation's directory entry as `org_<column>` (e.g. org_category, org_district), and for a choice with an
 * "other" option the text written after it as `<id>_other`.
 */

const id = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, '只能用小写字母、数字和下划线，且以字母开头（例如 resident_small）');

const expression = z.string().min(1);

/**
 * Other words operators use for an option (租的 for 租赁, 民营企业 for 私营企业, 硕士 for 硕士研究生): taken as the option
 * when they are the whole reply or cell, never saved themselves.
 */
const aliases = z.array(z.string().min(1)).optional().describe('other words that mean this option');

/** One choice of a single- or multiple-choice question. A bare string is both value and label. */
export const ChoiceSchema = z.union([
  z.string().min(1),
  z.object({ value: z.string().min(1), label: z.string().min(1).optional(), help: z.string().optional(), aliases }),
]);

/**
 * The assistant's own addition (a question, document or rule the seed does not state): marked, with the reason shown
 * to the operator, so nothing is presented as a requirement of the documents that they do not make.
 */
const addition = {
  extra: z.boolean().default(false).describe("the assistant's addition, not a requirement of the seed"),
  reason: z.string().min(1).optional().describe('why the assistant adds it (required with extra), shown to the operator'),
};

/**
 * A document the organisation must provide (证明材料). Referenced elsewhere by its id. Unless it is marked `extra`
 * (then listed as 建议材料, suggested), the seed must name it: its `quote` — by default its title — is found in the
 * seed's text, which `shenbao flows check` verifies.
 */
export const EvidenceSchema = z.object({
  id,
  title: z.string().min(1).describe('what the document is, worded as in the seed'),
  detail: z.string().optional().describe('further requirement from the seed, e.g. 社保需提供1-12月的整年的记录'),
  when: expression.optional().describe('required only when this holds'),
  ref: z.string().min(1).optional().describe('where the seed asks for it, when not where it is listed (e.g. 四（一）9)'),
  quote: z.string().min(1).optional().describe("the seed's own words naming the document, when the title paraphrases them"),
  ...addition,
});

/** Evidence named in a threshold, indicator or upload question: a full definition or the id of one defined elsewhere. */
export const EvidenceRefSchema = z.union([id, EvidenceSchema]);

/** A hard constraint (level error: the answer is refused) or soft warning (the operator may continue with a 情况说明). */
export const CheckSchema = z.object({
  id,
  assert: expression.describe('must hold; evaluated once every answer it names is known'),
  when: expression.optional(),
  level: z.enum(['error', 'warning']).default('error'),
  message: z.string().min(1).describe('Chinese, says what is wrong and what to send instead'),
  ref: z.string().optional().describe('where the seed states the rule; a rule without one is a plausibility check of the assistant'),
  /**
   * The question the check is about, whose answer it questions: by default the question it is defined on, or for a
   * flow-level check the first question its assert names. A warning about another question than the one being
   * answered is said as a notice naming that question, never held against the answer being given.
   */
  about: id.optional(),
  ...addition,
});

const columnTypes = z.enum(['text', 'integer', 'amount', 'percent', 'area', 'date', 'year', 'choice', 'yesno']);

/** A typed column of a small table question or an annex table. */
export const ColumnSchema = z.object({
  id,
  label: z.string().min(1),
  type: columnTypes.default('text'),
  choices: z.array(ChoiceSchema).optional(),
  choicesFrom: id.optional().describe('id of a vocabulary in the flow'),
  required: z.boolean().default(true),
  unit: z.string().optional(),
});

/**
 * What the organisation's previous declaration of the same programme (an earlier flow with the same programme and
 * region) says about a question. `shenbao flows check` allows comparisons on figures only, and a carry on questions
 * whose answer can be offered back as typed (not grids, uploads or computed values).
 */
export const LastYearSchema = z.strictObject({
  carry: z
    .boolean()
    .default(false)
    .describe("a stable answer (单位名称, 注册时间, 法定代表人 …): last year's is offered pre-filled, saved only once the operator confirms it"),
  from: id
    .optional()
    .describe("the question of last year's declaration to read, by default this one: e.g. this year's {prev_year} figure is last year's {year} figure"),
  compare: z.boolean().default(false).describe("a figure: shown with last year's value and the change (营业收入 3,200 → 4,100 万元，+28%)"),
  change: z
    .number()
    .positive()
    .optional()
    .describe(
      "a figure: a change beyond ±change (0.5 = ±50%; for a percent question in percentage points ÷ 100) asks for a 情况说明, as a warning does. The seeds set no such limit: it is the assistant's suggestion, and said so",
    ),
});

const questionBase = {
  id,
  label: z.string().min(1).describe('worded as in the seed'),
  ref: z.string().min(1).describe('where the question stands in the seed, e.g. 【三】4'),
  required: z.boolean().default(true),
  help: z.string().optional().describe('shown on 帮助 and with the question'),
  when: expression.optional().describe('ask only when this holds'),
  prefill: z.string().optional().describe('a directory column whose value is offered as the default answer'),
  evidence: z.array(EvidenceRefSchema).default([]),
  checks: z.array(CheckSchema).default([]),
  /** Asked by the assistant though the official form does not ask it (a threshold needs it). */
  extra: z.boolean().default(false),
  /**
   * What the annex tables say this answer is (e.g. count(resident_list)): once the table is in, the answer is filled
   * from it, or a different typed answer is shown beside it for the operator to choose.
   */
  tableValue: expression.optional().describe('the answer as the annex tables give it, e.g. count(resident_list)'),
  lastYear: LastYearSchema.optional().describe("what the organisation's previous declaration of the programme says about this question"),
};

const numericBounds = {
  min: z.number().optional(),
  max: z.number().optional(),
};

export const QuestionSchema = z.discriminatedUnion('type', [
  z.object({
    ...questionBase,
    type: z.literal('text'),
    maxLength: z.number().int().positive().default(200),
    minLength: z.number().int().nonnegative().optional(),
    multiline: z.boolean().default(false),
    /** What kind of text: a phone field takes phone numbers, a website field a URL, a name field a name. */
    format: z.enum(['plain', 'person', 'phone', 'mobile', 'landline', 'url', 'email']).default('plain'),
  }),
  z.object({ ...questionBase, type: z.literal('integer'), unit: z.string().optional(), ...numericBounds }),
  z.object({
    ...questionBase,
    type: z.literal('amount'),
    unit: z.enum(['万元', '元', '亿元']).default('万元'),
    decimals: z.number().int().min(0).max(8).optional().describe('default: to the 元 (4 for 万元, 8 for 亿元, 2 for 元)'),
    ...numericBounds,
  }),
  z.object({ ...questionBase, type: z.literal('percent'), decimals: z.number().int().min(0).max(4).default(2), ...numericBounds }),
  z.object({ ...questionBase, type: z.literal('area'), unit: z.literal('平方米').default('平方米'), ...numericBounds }),
  z.object({
    ...questionBase,
    type: z.literal('date'),
    notFuture: z.boolean().default(true),
  }),
  z.object({ ...questionBase, type: z.literal('year'), ...numericBounds }),
  z.object({
    ...questionBase,
    type: z.literal('choice'),
    choices: z.array(ChoiceSchema).optional(),
    choicesFrom: id.optional(),
    other: z.string().optional().describe('value of the choice that asks for a free text, e.g. 其他'),
  }),
  z.object({
    ...questionBase,
    type: z.literal('multi'),
    choices: z.array(ChoiceSchema).optional(),
    choicesFrom: id.optional(),
    other: z.string().optional(),
    minSelected: z.number().int().nonnegative().default(1),
    maxSelected: z.number().int().positive().optional(),
  }),
  z.object({ ...questionBase, type: z.literal('yesno') }),
  z.object({
    ...questionBase,
    type: z.literal('table'),
    columns: z.array(ColumnSchema).min(1),
    minRows: z.number().int().nonnegative().default(0),
    maxRows: z.number().int().positive().optional(),
  }),
  z.object({
    ...questionBase,
    type: z.literal('matrix'),
    rows: z.array(ChoiceSchema).optional(),
    rowsFrom: id.optional(),
    columns: z.array(ColumnSchema).min(1),
    totals: z.boolean().default(true).describe('a 合计 line: each column summed over the rows'),
    rowTotals: z.boolean().default(false).describe('a 小计 per row: the row summed over its columns (only when the columns share a unit)'),
  }),
  z.object({
    ...questionBase,
    type: z.literal('derived'),
    formula: expression,
    format: z.enum(['number', 'percent', 'amount', 'integer']).default('number'),
    decimals: z.number().int().min(0).max(4).default(2),
    unit: z.string().optional(),
    explain: z.string().optional().describe('how it is computed, shown with the value'),
    confirm: z.boolean().default(false).describe('show the value back and ask the operator to confirm it'),
  }),
  z.object({
    ...questionBase,
    type: z.literal('upload'),
    accept: z.array(z.string()).default([]).describe('file extensions, e.g. pdf, docx, zip'),
  }),
]);

export const SectionSchema = z.object({
  id,
  title: z.string().min(1),
  ref: z.string().min(1).describe('e.g. 【一】'),
  intro: z.string().optional(),
  when: expression.optional(),
  questions: z.array(QuestionSchema).min(1),
});

/**
 * One condition of a threshold. False: the verdict is fail, or review when `onFail` is review or `reviewWhen` holds
 * (relaxable, or a point the seed does not make disqualifying: a person decides). The message names this condition
 * and the value, e.g. 成立时间不足两年：注册于{reg_date}，至{year_end}不满两年.
 */
export const ThresholdConditionSchema = z.object({
  pass: expression,
  reviewWhen: expression.optional(),
  onFail: z.enum(['fail', 'review']).default('fail'),
  message: z.string().min(1).describe('said when the condition does not hold'),
  reviewMessage: z.string().min(1).optional().describe('said instead when the verdict is review, e.g. naming both dates'),
  ref: z.string().min(1).optional(),
  ...addition,
});

/**
 * One case of a threshold rule; the first whose `when` holds applies. Either one rule (`pass`, `message`) or several
 * `conditions`, each named on its own when it fails: a verdict names what failed, not the whole rule.
 */
export const ThresholdCaseSchema = z
  .object({
    when: expression.optional(),
    pass: expression.optional(),
    /** When the rule fails but this holds, the verdict is review (relaxable, a person decides), not fail. */
    reviewWhen: expression.optional(),
    message: z.string().min(1).optional().describe('said on failure, quoting the rule and the value'),
    conditions: z.array(ThresholdConditionSchema).optional(),
    reviewNote: z.string().min(1).optional().describe('said once after the conditions when the verdict is review: why a person decides'),
  })
  .refine((c) => (c.conditions ? !c.pass : Boolean(c.pass && c.message)), {
    message: '每个 case 写 pass 和 message（一条规则），或写 conditions（多个分条件），二者选一',
  });

export const ThresholdSchema = z.object({
  number: z.number().int().positive(),
  title: z.string().min(1),
  text: z.string().min(1).describe('the rule worded as in the seed'),
  ref: z.string().min(1),
  cases: z.array(ThresholdCaseSchema).default([]),
  /** A rule no answer can decide (needs a person's reading of documents): verdict review once these are answered. */
  reviewAfter: z.array(id).default([]),
  evidence: z.array(EvidenceRefSchema).default([]),
});

export const IndicatorSchema = z.object({
  number: z.string().min(1).describe('e.g. 1, 8.1, 14'),
  group: z.string().min(1).describe('一级指标'),
  title: z.string().min(1).describe('二级指标, worded as in the seed'),
  explanation: z.string().optional(),
  questions: z.array(id).default([]).describe('the answers that report this indicator'),
  evidence: z.array(EvidenceRefSchema).default([]),
  when: expression.optional(),
});

/**
 * An annex table (附表) as the official Excel has it: its columns, checks per row (the row's columns are the
 * identifiers, e.g. `participants >= 10`) and checks over the whole table (the table id is the list of rows, next to
 * every answer, e.g. `count(activities) >= 10` or `unique(service_enterprises, "name")`).
 */
export const AnnexTableSchema = z.object({
  id,
  title: z.string().min(1),
  ref: z.string().min(1).describe('e.g. 附表1-2-3-1-3'),
  note: z.string().optional().describe('填表说明, verbatim'),
  columns: z.array(ColumnSchema).min(1),
  totals: z.array(id).default([]).describe('columns summed in a 合计 row'),
  /** Rows the seed's layout ends with besides 合计, computed, never typed, e.g. 平均满意度 (the column's mean). */
  footer: z
    .array(z.object({ label: z.string().min(1), column: id, aggregate: z.enum(['sum', 'mean']) }))
    .default([]),
  rowChecks: z.array(CheckSchema).default([]),
  checks: z.array(CheckSchema).default([]),
  evidence: z.array(EvidenceRefSchema).default([]),
  /**
   * What identifies a row (e.g. the enterprise's name): a second row with the same values is named on import, row by
   * row. At level error it is not taken (the seed forbids repeats); at warning it is taken and the operator asked to check.
   */
  key: z
    .object({ columns: z.array(id).min(1), level: z.enum(['error', 'warning']).default('error') })
    .optional()
    .describe('columns identifying a row, for duplicates on import'),
}).refine((t) => !t.key || t.key.columns.every((c) => t.columns.some((col) => col.id === c)), {
  message: 'key.columns 中的列必须是本表的列',
  path: ['key', 'columns'],
});

export const VocabularySchema = z.object({
  id,
  title: z.string().min(1),
  ref: z.string().optional(),
  items: z.array(z.object({ value: z.string().min(1), label: z.string().optional(), description: z.string().optional(), aliases })).min(1),
});

export const DirectorySchema = z.object({
  file: z.string().default('directory.csv'),
  ref: z.string().min(1),
  /** The CSV column holding the name an operator searches by (unit name). */
  key: z.string().default('unit'),
  /** The CSV columns whose values are shown with the key when choosing (e.g. district, base name). */
  label: z.array(z.string()).default([]),
  /** Which columns hold the base/platform name, the district or city, and the service category, for summaries. */
  name: z.string().optional(),
  region: z.string().optional(),
  category: z.string().optional(),
  columns: z.record(z.string(), z.string()).describe('CSV column → Chinese heading'),
});

/** A line of the report's cover or of its declaration's signature block: a label, filled in by the draft or left blank. */
export const ReportFieldSchema = z.object({
  label: z.string().min(1).describe('worded as in the seed, e.g. 申请单位, 填报单位（盖章）'),
  fill: z.enum(['unit', 'district', 'date']).optional().describe("the declaring unit's name, its district or the draft's date; none: left blank to sign"),
  suffix: z.string().optional().describe('after the value, e.g. （盖章）'),
});

/**
 * One sentence of figures the declaration already holds. Its `message`, as a check's, is said with the answers:
 * `{question_id}` or any expression over answers and annex tables, e.g. `{count(resident_list)}`, `{sum(activity_ledger, "people")}`.
 */
export const ReportFactSchema = z.object({ message: z.string().min(1), when: expression.optional().describe('said only when this holds') });

/** The 绩效报告 template of the seed: cover, chapters in order, and the truthfulness declaration (真实性声明函). */
export const ReportSchema = z.object({
  ref: z.string().min(1).describe('e.g. 附件1-2-3-1'),
  cover: z.object({
    title: z.array(z.string().min(1)).min(1).describe('the cover title, one entry per line as in the seed'),
    choice: z.object({ label: z.string().min(1), question: id }).optional().describe('a tick-box line, e.g. 服务类别（任选一项）'),
    fields: z.array(ReportFieldSchema).min(1),
    issuer: z.string().min(1).describe('e.g. 北京市经济和信息化局制'),
  }),
  title: z.string().min(1).describe('the title over the chapters, e.g. 基地{year}年度运营服务情况报告'),
  chapters: z
    .array(
      z.object({
        title: z.string().min(1).describe('the heading as in the seed, e.g. 一、基地基本情况'),
        prompt: z.string().min(1).describe("the seed's words on what the chapter covers: where the operator writes, highlighted 【请填写：…】"),
        facts: z.array(ReportFactSchema).default([]),
      }),
    )
    .min(1),
  declaration: z
    .object({
      ref: z.string().min(1).describe('e.g. 附件1-2-3-1-10'),
      title: z.string().min(1),
      body: z.string().min(1).describe('verbatim'),
      signatures: z.array(ReportFieldSchema).min(1),
      dated: z.boolean().default(true).describe('ends with a blank 年 月 日 line'),
    })
    .optional(),
});
export type Report = z.infer<typeof ReportSchema>;
export type ReportField = z.infer<typeof ReportFieldSchema>;

export const FlowSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  programme: z.string().min(1).describe('the programme name shown to operators'),
  region: z.string().min(1),
  year: z.number().int().min(2000).max(2100).describe('the evaluation year: 上年度 in the labels'),
  seed: z.string().min(1).describe('the seed document this flow encodes'),
  vocabularies: z.array(VocabularySchema).default([]),
  /** Shared library imported from flows/_shared/<name>.yaml (vocabularies defined once). */
  imports: z.array(z.string()).default([]),
  directory: DirectorySchema,
  sections: z.array(SectionSchema).min(1),
  checks: z.array(CheckSchema).default([]).describe('cross-checks spanning sections'),
  tables: z.array(AnnexTableSchema).default([]),
  thresholds: z.array(ThresholdSchema).default([]),
  indicators: z.array(IndicatorSchema).default([]),
  evidence: z.array(EvidenceSchema).default([]).describe('evidence not tied to a threshold or indicator'),
  report: ReportSchema.optional().describe("the seed's 绩效报告 template, when it has one"),
  /**
   * The key figures of a declaration as staff compare organisations (入驻企业数, 营业收入, 满意度 …): question ids, one
   * column each in the overview workbook (导出全部), in this order.
   */
  overview: z.array(id).default([]).describe('key figures: question ids shown for every organisation in the overview workbook'),
  /**
   * The seed's own forms as sheets of the declaration workbook (e.g. Hebei's 运营情况表): its words in their cells, the
   * answers where it leaves blanks, merged where its table is. Painted by src/exports/excel/form-sheet.ts.
   */
  sheets: z
    .array(
      z.object({
        name: z.string().min(1).max(31).regex(/^[^\\/?*[\]:]+$/, '工作表名不能含 \\ / ? * [ ] :').describe('the tab name'),
        ref: z.string().min(1).describe('where the form stands in the seed, e.g. 附件2'),
        title: z.string().min(1).describe("the form's title, as in the seed"),
        widths: z.array(z.number().positive()).min(1).describe('column widths in characters: as many as the sheet has columns'),
        rows: z
          .array(
            z.union([
              z.strictObject({ heading: z.string().min(1).describe('a line across the sheet, e.g. 一、基本情况') }),
              z.strictObject({
                grid: id.describe('a matrix question, laid out as a block with its row and column headers and its totals'),
                corner: z.string().default('').describe('the top-left cell, e.g. 项目'),
                transpose: z.boolean().default(false).describe("the matrix's rows run across the sheet, its columns down"),
              }),
              z.strictObject({
                cells: z
                  .array(
                    z
                      .strictObject({
                        text: z.string().optional().describe("the seed's words; with answer, the answer below them in the cell"),
                        answer: id.optional().describe('the question whose answer the cell shows, as the assistant shows it'),
                        fill: z
                          .array(z.union([z.string(), z.strictObject({ answer: id })]))
                          .optional()
                          .describe("the seed's words with blanks: each blank an answer's figure, the words around it carry the unit"),
                        span: z.number().int().positive().default(1).describe("columns covered; a row's last cell reaches the edge"),
                        align: z.enum(['left', 'center', 'right']).optional(),
                      })
                      .refine((c) => !c.fill || (c.text === undefined && c.answer === undefined), { message: 'fill 不能与 text、answer 同用' }),
                  )
                  .min(1),
                height: z.number().positive().optional().describe('row height in points; by default from the texts'),
                plain: z.boolean().default(false).describe('without borders: a line above or below the table'),
              }),
            ]),
          )
          .min(1),
      }),
    )
    .default([])
    .describe("the seed's forms laid out as workbook sheets"),
});

export const SharedLibrarySchema = z.object({ vocabularies: z.array(VocabularySchema).default([]) });

export type Choice = z.infer<typeof ChoiceSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;
export type EvidenceRef = z.infer<typeof EvidenceRefSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type Column = z.infer<typeof ColumnSchema>;
export type Question = z.infer<typeof QuestionSchema>;
export type LastYearRule = z.infer<typeof LastYearSchema>;
export type QuestionType = Question['type'];
export type Section = z.infer<typeof SectionSchema>;
export type Threshold = z.infer<typeof ThresholdSchema>;
export type ThresholdCase = z.infer<typeof ThresholdCaseSchema>;
export type ThresholdCondition = z.infer<typeof ThresholdConditionSchema>;
export type Indicator = z.infer<typeof IndicatorSchema>;
export type Vocabulary = z.infer<typeof VocabularySchema>;
export type AnnexTable = z.infer<typeof AnnexTableSchema>;
export type Flow = z.infer<typeof FlowSchema>;
export type FlowInput = z.input<typeof FlowSchema>;
