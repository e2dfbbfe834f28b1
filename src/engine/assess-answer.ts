import type { LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import type { Check } from '../flow/schema.ts';
import { checkSubject, checksTouching, runChecks } from '../rules/checks.ts';
import { identifiersOf } from '../flow/expression.ts';
import { formatStored, questionTitle } from './format.ts';
import { normalise, parseAnswer, parseTable, parseYesNo } from './parse-answer.ts';
import { buildScope, withAnswer, type Env } from './scope.ts';
import { agreesWithShown, disagreesWithShown } from './confirm-words.ts';
import { lastYearOffer, takenFromLastYear, yearOnYear } from './last-year.ts';
import { TableValueSchema, UploadValueSchema, type AnswerValue, type Answers } from './values.ts';

/**
 * What an answer amounts to before it is saved: refused (bad input or a hard constraint), accepted with warnings
 * (the operator must give a 情况说明), or accepted.
 */
export type Assessment =
  | { kind: 'invalid'; message: string }
  | { kind: 'warn'; value: AnswerValue; warnings: string[]; notices: string[]; note?: string }
  | { kind: 'ok'; value: AnswerValue; notices: string[]; note?: string };

/**
 * Assess a stored-form value against the checks, as if it were saved on top of `answers`. Warnings about this question
 * ask for a 情况说明; a warning about another question (a cross-check this answer completed) is a notice naming that
 * question, so that the next message is never mistaken for a note about something else.
 */
export function assessValue(loaded: LoadedFlow, question: Question, value: AnswerValue, answers: Answers, env: Env): Assessment {
  const candidate: Answers = withAnswer(answers, question.id, { value, skipped: false });
  const scope = buildScope(loaded, candidate, env);
  const { errors, warnings } = runChecks(loaded, checksTouching(loaded, question), candidate, scope);
  const about = (check: Check) => checkSubject(loaded, check) ?? question.id;
  const elsewhere = (check: Check) => (about(check) === question.id ? undefined : loaded.questions.get(about(check)));
  if (errors.length) {
    const message = errors.map((e) => {
      const other = elsewhere(e.check);
      return other ? `这个数与${questionTitle(other)}（已填：${formatStored(loaded, other, answers[other.id], scope)}）对不上：${e.message}` : e.message;
    });
    return { kind: 'invalid', message: message.join('\n') };
  }
  const own = warnings.filter((w) => !elsewhere(w.check)).map((w) => w.message);
  // A figure far from last year's is questioned as a warning is (the limit is the flow's, said to be the assistant's).
  const beyond = yearOnYear(question, value, env)?.beyond;
  if (beyond) own.push(beyond);
  const notices = warnings.flatMap((w) => {
    const other = elsewhere(w.check);
    return other ? [`⚠️ 关于${questionTitle(other)}的提醒：${w.message}（如需更正，回复“修改 ${editTarget(loaded, other)}”）`] : [];
  });
  if (own.length) return { kind: 'warn', value, warnings: own, notices };
  return { kind: 'ok', value, notices };
}

/** The words that name the directory's value, where last year's is offered too. */
const DIRECTORY = /^(同名录|采用名录)$/;

/** The directory's value offered as the default answer, if the question has one. */
export function prefillOf(question: Question, env: Env): string | undefined {
  const value = question.prefill ? env.org?.[`org_${question.prefill}`] : undefined;
  return value === undefined || value === '' ? undefined : String(value);
}

/**
 * What to write after 修改 to reach a question: its number (【一】8) where no other reference starts so, else its label
 * where no other question has it, else its title as shown — a Hebei reference begins with its section (二、服务执行 …),
 * which names thirteen questions.
 */
export function editTarget(loaded: LoadedFlow, question: Question): string {
  const head = question.ref.split(/\s/)[0];
  let heads = 0;
  let labels = 0;
  for (const q of loaded.questions.values()) {
    if (q.ref.split(/\s/)[0] === head) heads++;
    if (q.label === question.label) labels++;
  }
  if (heads === 1) return head;
  return labels === 1 ? question.label : questionTitle(question);
}

const WRONG = /^(?:不是|不对|不正确|错了|错误|有误|算错|算得不对)/;

/** A computed result said to be wrong: it cannot be typed over, so name the answers it is computed from. */
function derivedIsWrong(loaded: LoadedFlow, question: Extract<Question, { type: 'derived' }>): string {
  const inputs = identifiersOf(question.formula).flatMap((id) => {
    const input = loaded.questions.get(id);
    return input ? [input] : [];
  });
  if (inputs.length === 0) return '计算结果由您填写的数据得出，不能直接修改；如不正确，请回复“修改 题号”更正相关数据。';
  const names = inputs.map((q) => `“${q.label}”`).join('、');
  return `计算结果由${names}算出，不能直接修改。如不正确，请更正这些数据，例如回复“修改 ${editTarget(loaded, inputs[0])}”。`;
}

export function assessAnswer(loaded: LoadedFlow, question: Question, input: string, answers: Answers, env: Env): Assessment {
  const prefilled = prefillOf(question, env);
  // 是/沿用 take last year's answer where one is offered (同名录 still takes the directory's); it is parsed as if typed.
  const carried = DIRECTORY.test(normalise(input)) ? undefined : takenFromLastYear(loaded, question, input, env, Boolean(answers[question.id]));
  const text = carried ? carried.typed : prefilled !== undefined && agreesWithShown(input) ? prefilled : input;
  // “不是” to a value shown for confirmation says it is wrong, not what is right: ask for that, never save the words.
  if (!carried && question.type !== 'yesno' && disagreesWithShown(input) && !(question.type !== 'text' && parseAnswer(question, input, loaded, env.today).ok)) {
    const offered = answers[question.id] ? undefined : lastYearOffer(loaded, question, env);
    const shown = offered ? `上年的答案“${offered.shown}”` : prefilled !== undefined ? `名录登记的“${prefilled}”` : undefined;
    if (shown) return { kind: 'invalid', message: `好的，不用${shown}。请直接发送正确的${question.label}。` };
  }
  if (question.type === 'derived') {
    const current = buildScope(loaded, answers, env)[question.id];
    if (current === null) return { kind: 'invalid', message: '计算所需的数据尚未填写完整，请先填写相关题目。' };
    // “不是，应该是4%左右” says the result is wrong as surely as 否 does.
    const yes = WRONG.test(normalise(text)) ? { ok: true as const, value: false } : parseYesNo(text);
    // A figure typed here is the result typed over, which cannot be: say what it is computed from.
    if (!yes.ok && /\d/.test(text)) return { kind: 'invalid', message: `这一项是计算结果，不用填写数字。结果正确请回复“是”。${derivedIsWrong(loaded, question)}` };
    if (!yes.ok) return { kind: 'invalid', message: yes.message };
    if (!yes.value) return { kind: 'invalid', message: derivedIsWrong(loaded, question) };
    return { kind: 'ok', value: { confirmed: current as number }, notices: [] };
  }
  // Files already sent for an upload question stay its answer whatever is said to move on (完成, 稍后上传 …).
  const uploaded = question.type === 'upload' ? UploadValueSchema.safeParse(answers[question.id]?.value).data : undefined;
  if (uploaded?.status === 'provided') return { kind: 'ok', value: uploaded, notices: [] };
  const parsed = parseAnswer(question, text, loaded, env.today);
  if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
  const assessed = assessValue(loaded, question, parsed.value, answers, env);
  // What the parser noticed (e.g. an approximate figure saved as exact) travels with the value.
  const note = (parsed as { note?: string }).note;
  return assessed.kind === 'invalid' || !note ? assessed : { ...assessed, note };
}

/**
 * More rows for a small table already answered in part, sent one message at a time as phones make people do: the
 * rows are added to those saved and the whole table is checked again (投资比例合计 ≤ 100 …).
 */
export function assessMoreRows(loaded: LoadedFlow, question: Extract<Question, { type: 'table' }>, input: string, answers: Answers, env: Env): Assessment {
  const saved = TableValueSchema.safeParse(answers[question.id]?.value).data ?? [];
  const parsed = parseTable(input, { columns: question.columns, minRows: 1 }, loaded, env.today);
  if (!parsed.ok) return { kind: 'invalid', message: parsed.message };
  const rows = [...saved, ...parsed.value];
  if (question.maxRows !== undefined && rows.length > question.maxRows) {
    return { kind: 'invalid', message: `${question.label}最多 ${question.maxRows} 行，已有 ${saved.length} 行，这条消息有 ${parsed.value.length} 行。请只发送还要加上的行，或回复“返回”后整表重新发送。` };
  }
  return assessValue(loaded, question, rows, answers, env);
}
