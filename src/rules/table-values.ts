import type { LoadedFlow } from '../flow/loader.ts';
import type { Question } from '../flow/schema.ts';
import { evaluate, identifiersOf, type Scope } from '../flow/expression.ts';
import { buildScope, type Env } from '../engine/scope.ts';
import type { Answers, TableValue } from '../engine/values.ts';

/**
 * Answers the annex tables give (a question's `tableValue`, e.g. 入驻企业总数 = count(resident_list)), next to what was
 * typed: once a table is in, an unanswered question can be filled from it, and a different answer is shown beside the
 * table's figure for the operator to choose. Pure: flow, answers and tables in.
 */

export interface TableFact {
  question: Question;
  /** The tables the figure is computed from. */
  tables: string[];
  computed: number;
  /** The typed answer as a number, or null when none was given. */
  typed: number | null;
}

export function tableFacts(loaded: LoadedFlow, tables: Record<string, TableValue>, answers: Answers, env: Env, only?: string): TableFact[] {
  const scope: Scope = { ...buildScope(loaded, answers, env), ...tables };
  const facts: TableFact[] = [];
  for (const question of loaded.questions.values()) {
    if (!question.tableValue) continue;
    const used = identifiersOf(question.tableValue).filter((name) => loaded.flow.tables.some((t) => t.id === name));
    // Only tables that are in say anything; a missing table is not an empty one.
    if (!used.length || used.some((t) => !tables[t]) || (only && !used.includes(only))) continue;
    const result = evaluate(question.tableValue, scope);
    const computed = result.ok ? Number(result.value) : NaN;
    if (!Number.isFinite(computed)) continue;
    const value = scope[question.id];
    facts.push({ question, tables: used, computed, typed: typeof value === 'number' ? value : null });
  }
  return facts;
}

export const mismatched = (facts: TableFact[]) => facts.filter((f) => f.typed !== null && Math.abs(f.typed - f.computed) > 1e-9);
