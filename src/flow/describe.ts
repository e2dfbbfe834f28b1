import { choicesOf, type LoadedFlow } from './loader.ts';
import type { FillResult } from '../engine/fill.ts';

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
        return { id: q.id, label: q.label, type: q.type, required: q.required, ...(unit ? { unit } : {}), ...(choices ? { choices } : {}), ref: q.ref };
      }),
    })),
    thresholds: flow.thresholds.map((t) => ({ number: t.number, text: t.text })),
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
