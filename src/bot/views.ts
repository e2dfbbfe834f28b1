import { z } from 'zod';

/**
 * What the assistant says, as structured views rather than text. The wording is decided here in src/bot (each view
 * carries its plain-text form, which the console prints as it is); a channel only lays views out — Telegram as text
 * with an inline keyboard, Feishu as a card built from the structured fields.
 */

export const ChoiceSchema = z.object({ label: z.string(), value: z.string() });

/*
 * A view with choices also carries `keyboard`: the token a press on its buttons must bring back (src/bot/keyboard.ts),
 * set by the router on the one view of a reply whose buttons are live.
 */

export const SectionRefSchema = z.object({
  id: z.string(),
  /** “【一】基本情况” */
  title: z.string(),
  /** 1-based place among the flow's sections, and how many there are. */
  index: z.number().int(),
  total: z.number().int(),
});

/** A question being asked: everything a card or a keyboard needs, and the text a plain chat shows. */
export const QuestionViewSchema = z.object({
  kind: z.literal('question'),
  text: z.string(),
  section: SectionRefSchema,
  /** 1-based place among the questions asked now in the section (“第 3/26 题”). */
  position: z.object({ index: z.number().int(), total: z.number().int() }),
  questionId: z.string(),
  ref: z.string().optional(),
  label: z.string(),
  help: z.string().optional(),
  /** How to answer: the question's type (single, multi, yesno, number, amount, text, date, table, matrix, upload, derived …). */
  answerAs: z.string(),
  unit: z.string().optional(),
  /** Buttons, with stable values (typing the answer always works too). */
  choices: z.array(ChoiceSchema),
  keyboard: z.string().optional(),
  /** A multi-select's values chosen so far. */
  selected: z.array(z.string()).optional(),
  /** A table's columns, its rows so far (cells as shown) and how many it may have: enough for a form of inputs. */
  table: z.object({ columns: z.array(z.object({ id: z.string(), label: z.string() })), rows: z.array(z.array(z.string())), maxRows: z.number().int().optional() }).optional(),
  /** The saved answer or the directory's value offered for confirmation, as shown. */
  current: z.string().optional(),
});

/** What happened to the message: saved, refused, a warning needing a 情况说明, a computed value, a threshold change … */
export const FeedbackViewSchema = z.object({
  kind: z.literal('feedback'),
  tone: z.enum(['saved', 'refused', 'warning', 'notice', 'computed', 'verdict', 'reopened', 'completed']),
  text: z.string(),
});

/** A section's answers to confirm or to pick one to change from. */
export const ReviewViewSchema = z.object({
  kind: z.literal('review'),
  section: SectionRefSchema,
  text: z.string(),
  choices: z.array(ChoiceSchema).optional(),
  keyboard: z.string().optional(),
});

/** The sections with their state (目录, 进度). */
export const OverviewViewSchema = z.object({
  kind: z.literal('overview'),
  text: z.string(),
  /** Each section's state, and who fills it when it is assigned (分工). */
  sections: z.array(z.object({ id: z.string(), title: z.string(), status: z.string(), answered: z.number().int(), total: z.number().int(), assignee: z.string().optional() })),
  choices: z.array(ChoiceSchema).optional(),
  keyboard: z.string().optional(),
});

/** Anything else worded in full: a welcome, a list to choose from, help, a push. */
export const TextViewSchema = z.object({
  kind: z.literal('text'),
  text: z.string(),
  choices: z.array(ChoiceSchema).optional(),
  keyboard: z.string().optional(),
});

/** A file to send (the outputs' workbook, the package): a StoredFile's id, its name, and a caption. */
export const FileViewSchema = z.object({
  kind: z.literal('file'),
  fileId: z.string(),
  name: z.string(),
  text: z.string().default(''),
});
export type FileView = z.infer<typeof FileViewSchema>;
export type ProgressView = z.infer<typeof ProgressViewSchema>;

/** A progress message: a bar and what is being done. */
export function progressView(key: string, percent: number, doing: string): ProgressView {
  const filled = Math.round(Math.max(0, Math.min(100, percent)) / 10);
  return { kind: 'progress', key, percent, text: `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${Math.round(percent)}%　${doing}` };
}

/** How far long work got (building the package): one message per `key`, updated in place where the platform can. */
export const ProgressViewSchema = z.object({
  kind: z.literal('progress'),
  key: z.string(),
  percent: z.number().min(0).max(100),
  text: z.string(),
});

export const ViewSchema = z.discriminatedUnion('kind', [QuestionViewSchema, FeedbackViewSchema, ReviewViewSchema, OverviewViewSchema, TextViewSchema, FileViewSchema, ProgressViewSchema]);

export type Choice = z.infer<typeof ChoiceSchema>;
export type SectionRef = z.infer<typeof SectionRefSchema>;
export type QuestionView = z.infer<typeof QuestionViewSchema>;
export type FeedbackView = z.infer<typeof FeedbackViewSchema>;
export type ReviewView = z.infer<typeof ReviewViewSchema>;
export type OverviewView = z.infer<typeof OverviewViewSchema>;
export type TextView = z.infer<typeof TextViewSchema>;
export type View = z.infer<typeof ViewSchema>;

/** A text view. */
export const say = (text: string, choices?: Choice[]): TextView => (choices ? { kind: 'text', text, choices } : { kind: 'text', text });

/** Feedback of a tone. */
export const feedback = (tone: FeedbackView['tone'], text: string): FeedbackView => ({ kind: 'feedback', tone, text });

/** Views as one plain text, in order, as a chat without cards or buttons shows them. */
export function plainText(views: View[]): string {
  return views.map((v) => (v.kind === 'file' ? `📎 文件“${v.name}”${v.text ? `：${v.text}` : ''}` : v.text)).filter((t) => t !== '').join('\n\n');
}

/** The view whose controls a reply offers: the last with buttons, or a table to fill in a form. */
export function viewWithChoices(views: View[]): Extract<View, { choices?: Choice[] }> | undefined {
  for (let i = views.length - 1; i >= 0; i--) {
    const v = views[i];
    if ('choices' in v && v.choices && v.choices.length > 0) return v;
    if (v.kind === 'question' && v.table) return v;
  }
  return undefined;
}

/** A reply in the order it is sent: runs of views shown together (one message or card); each file and progress alone. */
export function runsAndFiles(views: View[]): ({ kind: 'views'; views: View[] } | { kind: 'file'; file: FileView } | { kind: 'progress'; progress: ProgressView })[] {
  const out: ReturnType<typeof runsAndFiles> = [];
  for (const view of views) {
    const last = out.at(-1);
    if (view.kind === 'file') out.push({ kind: 'file', file: view });
    else if (view.kind === 'progress') out.push({ kind: 'progress', progress: view });
    else if (last?.kind === 'views') last.views.push(view);
    else out.push({ kind: 'views', views: [view] });
  }
  return out;
}
