import { Decimal } from 'decimal.js';
import { choicesOf, type LoadedFlow } from '../flow/loader.ts';
import type { Question, Section } from '../flow/schema.ts';
import type { Scope } from '../flow/expression.ts';
import type { AnswerValue, StoredAnswer, TableValue, MatrixValue, UploadValue } from './values.ts';

/** How answers read back to an operator, in Chinese, with units. */

const thousands = (s: string) => {
  const [int, frac] = s.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
};

export function formatNumber(n: number | string, decimals?: number): string {
  const d = new Decimal(n);
  return thousands(decimals === undefined ? d.toString() : d.toDecimalPlaces(decimals).toString());
}

function labelOf(loaded: LoadedFlow, question: Question, value: string): string {
  return choicesOf(loaded, question as never).find((c) => c.value === value)?.label ?? value;
}

export function formatValue(loaded: LoadedFlow, question: Question, value: AnswerValue | null | undefined): string {
  if (value === null || value === undefined) return '（未填）';
  switch (question.type) {
    case 'integer':
      return `${formatNumber(value as number)}${question.unit ?? ''}`;
    case 'amount':
      return `${formatNumber(value as string)}${question.unit}`;
    case 'percent':
      return `${formatNumber(value as string)}%`;
    case 'area':
      return `${formatNumber(value as string)}平方米`;
    case 'year':
      return `${value}年`;
    case 'yesno':
      return value ? '是' : '否';
    case 'choice': {
      const v = value as { value: string; other?: string };
      return v.other ? `${labelOf(loaded, question, v.value)}（${v.other}）` : labelOf(loaded, question, v.value);
    }
    case 'multi': {
      const v = value as { values: string[]; other?: string };
      if (v.values.length === 0) return '无';
      return v.values.map((x) => (x === question.other && v.other ? `${x}（${v.other}）` : labelOf(loaded, question, x))).join('、');
    }
    case 'table': {
      const rows = value as TableValue;
      return rows.length === 0 ? '无' : formatTableRows(question, rows).join('；');
    }
    case 'matrix':
      return formatMatrix(loaded, question, value as MatrixValue).join('\n');
    case 'upload': {
      const u = value as UploadValue;
      return u.status === 'provided' ? `已上传 ${u.files.length} 个文件` : '待上传（已列入待补材料清单）';
    }
    case 'derived':
      return '已确认';
    default:
      return String(value);
  }
}

/** One line per row, then the column totals (合计) when the question asks for them. */
export function formatMatrix(loaded: LoadedFlow, question: Extract<Question, { type: 'matrix' }>, m: MatrixValue): string[] {
  const unit = (c: { unit?: string }) => c.unit ?? '';
  const lines = choicesOf(loaded, question)
    .filter((r) => m[r.value])
    .map((r) => {
      const cells = question.columns.map((c) => `${c.label} ${m[r.value][c.id]}${unit(c)}`).join('，');
      const subtotal = question.columns.reduce((acc, c) => acc + (m[r.value][c.id] ?? 0), 0);
      return `　${r.label}：${cells}${question.rowTotals ? `，小计 ${subtotal}${unit(question.columns[0])}` : ''}`;
    });
  if (question.totals) {
    const totals = question.columns.map((c) => `${c.label} ${Object.values(m).reduce((acc, row) => acc + (row[c.id] ?? 0), 0)}${unit(c)}`);
    lines.push(`　合计：${totals.join('，')}`);
  }
  return lines;
}

/** Digits beyond a derived value's own decimals shown when rounding would hide which side of a limit it is on. */
const EXACT_DECIMALS = 6;

/**
 * A derived value as the operator reads it: rounded to its decimals; with `exact`, as in a rule's reason, the exact
 * figure whenever rounding changed it ("49.999" rather than a misleading "50.00").
 */
export function formatDerived(question: Extract<Question, { type: 'derived' }>, value: number | null, exact = false): string {
  if (value === null) return '（待计算：相关数据尚未填写）';
  const rounded = new Decimal(value).toDecimalPlaces(question.decimals);
  const text = exact && !rounded.equals(value) ? formatNumber(value, question.decimals + EXACT_DECIMALS) : formatNumber(value, question.decimals);
  if (question.format === 'percent') return `${text}%`;
  return `${text}${question.unit ?? (question.format === 'amount' ? '万元' : '')}`;
}

/** An answer as shown in reviews: the value, or 已跳过, plus the 情况说明 when one was given. */
export function formatStored(loaded: LoadedFlow, question: Question, stored: StoredAnswer | undefined, scope: Scope): string {
  if (question.type === 'derived') return formatDerived(question, scope[question.id] as number | null);
  if (!stored) return '（未填）';
  if (stored.skipped) return '（已跳过）';
  const text = formatValue(loaded, question, stored.value);
  return stored.note ? `${text}（情况说明：${stored.note}）` : text;
}

/** Render `{question_id}` and constants in a flow message with the operator's answers. */
export function renderMessage(message: string, loaded: LoadedFlow, answers: Record<string, StoredAnswer>, scope: Scope): string {
  return message.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, id: string) => {
    const question = loaded.questions.get(id);
    if (question) {
      // A rule's reason quotes the figure it compared: exact, not rounded.
      if (question.type === 'derived') return formatDerived(question, scope[id] as number | null, true).replace(/%$/, '');
      const value = answers[id]?.value;
      if (value === undefined || value === null) return '（未填）';
      // Numbers without their unit: messages carry the unit themselves ("您填写的是{x}家").
      if (['integer', 'amount', 'percent', 'area'].includes(question.type)) return formatNumber(value as number | string);
      return formatValue(loaded, question, value);
    }
    return id in scope && scope[id] !== null ? String(scope[id]) : whole;
  });
}

/** “【一】15 建筑面积”: the seed reference's head and the label, without repeating the label. */
export function questionTitle(q: Question): string {
  const head = q.ref.match(/^(【[^】]+】[\d（）()]*|[一二三四五六七八九十]（[一二三四五六七八九十]）[\d、]*)/)?.[1] ?? q.ref.split(/\s/)[0];
  return `${head} ${q.label}`;
}

/** “【一】基本情况” for Beijing's 【一】 references, “一、基本情况” for Hebei's plain numerals. */
export function sectionLabel(section: Section): string {
  return section.ref.startsWith('【') ? `${section.ref}${section.title}` : `${section.ref}、${section.title}`;
}

/** A small table's rows, one line each: “1) 投资方：张伟，单位性质：自然人，投资比例（%）：60”. */
export function formatTableRows(question: { columns: { id: string; label: string }[] }, rows: TableValue): string[] {
  return rows.map((row, i) => `${i + 1}) ` + question.columns.map((c) => `${c.label}：${row[c.id] ?? '—'}`).join('，'));
}
