import { choicesOf, type LoadedFlow } from './loader.ts';
import type { FillResult } from '../engine/fill.ts';
import type { Column } from './schema.ts';

/** Machine-readable views of a flow and of a headless fill, for `flows show --json` and `fill --json`. */

export function describeFlow(loaded: LoadedFlow) {
  const { flow } = loaded;
  return {
    id: flow.id,
    title: flow.title,
    year: flow.year,
    sections: flow.sections.map((s) => ({
      id: s.id,
      title: `${s.ref}${s.title}`,
      questions: s.questions.map((q) => {
        const unit = 'unit' in q && q.unit ? q.unit : q.type === 'percent' ? '%' : undefined;
        const choices = q.type === 'choice' || q.type === 'multi' ? choicesOf(loaded, q).map((c) => c.label) : undefined;
        const columns = q.type === 'table' || q.type === 'matrix' ? q.columns.map((c) => describeColumn(loaded, c)) : undefined;
        const rows = q.type === 'matrix' ? choicesOf(loaded, q).map((r) => ({ value: r.value, label: r.label })) : undefined;
        return {
          id: q.id,
          label: q.label,
          type: q.type,
          required: q.required,
          ...(unit ? { unit } : {}),
          ...(choices ? { choices } : {}),
          ...(rows ? { rows } : {}),
          ...(columns ? { columns } : {}),
          ref: q.ref,
        };
      }),
    })),
    thresholds: flow.thresholds.map((t) => ({ number: t.number, text: t.text })),
    tables: flow.tables.map((t) => ({
      id: t.id,
      ref: t.ref,
      title: t.title,
      columns: t.columns.map((c) => describeColumn(loaded, c)),
      ...(t.totals.length ? { totals: t.totals } : {}),
      ...(t.footer.length ? { footer: t.footer } : {}),
      ...(t.key ? { key: t.key } : {}),
    })),
  };
}

/** A column of a table question, a matrix or an annex table: its type, unit and the values it accepts. */
function describeColumn(loaded: LoadedFlow, column: Column) {
  const choices = column.type === 'choice' ? choicesOf(loaded, column).map((c) => c.label) : column.type === 'yesno' ? ['是', '否'] : undefined;
  return {
    id: column.id,
    label: column.label,
    type: column.type,
    required: column.required,
    ...(column.unit ? { unit: column.unit } : {}),
    ...(choices ? { choices } : {}),
  };
}

const STATUS_TEXT = { pass: '满足', fail: '不满足', unknown: '数据不足', review: '需审核' } as const;

export function describeFill(loaded: LoadedFlow, result: FillResult) {
  const lines = [`${loaded.flow.title}：门槛条件判断`];
  for (const t of result.thresholds) lines.push(`  门槛条件${t.number}【${STATUS_TEXT[t.status]}】${t.status === 'pass' ? t.title : t.reason}`);
  if (result.errors.length) lines.push('', '以下字段有误（未计入）：', ...result.errors.map((e) => `  ${e.field}${e.ref ? `（${e.ref}）` : ''}：${e.message}`));
  if (result.warnings.length) lines.push('', '提醒（对话中需填写情况说明）：', ...result.warnings.map((e) => `  ${e.field}：${e.message}`));
  const tableWarnings = result.tables.filter((p) => p.level === 'warning');
  if (tableWarnings.length) lines.push('', '附表核对提醒：', ...tableWarnings.map((p) => `  ${p.message}`));
  if (result.missing.length) lines.push('', `尚未填写的必填项 ${result.missing.length} 个：${result.missing.map((m) => m.field).join('、')}`);
  return {
    flow: loaded.flow.id,
    year: loaded.flow.year,
    thresholds: result.thresholds.map(({ number, title, status, reason }) => ({ number, title, status, reason })),
    errors: result.errors,
    warnings: result.warnings,
    missing: result.missing.map((m) => m.field),
    derived: result.derived,
    tables: result.tables,
    text: lines.join('\n'),
  };
}
