import { holds, type Scope } from '../flow/expression.ts';
import type { LoadedFlow } from '../flow/loader.ts';
import type { Evidence, EvidenceRef } from '../flow/schema.ts';
import type { Answers, UploadValue } from '../engine/values.ts';
import { isRelevant } from './relevance.ts';
import { questionTitle } from '../engine/format.ts';

/**
 * The evidence checklist (证明材料): what each threshold, scoring indicator and upload asks for, given the answers
 * (an item's `when` decides whether it applies: the certificate when certified, eight documents when not). Items the
 * seed requires come first, in the seed's order; the assistant's suggestions (建议材料) after them, marked as such.
 */

export interface EvidenceItem {
  id: string;
  title: string;
  detail?: string;
  /** What requires it: 门槛条件3, 评分指标8.1, 【六】 绩效报告, 附表1-2-3-1-4 … */
  requiredBy: string[];
  /**
   * provided: a file is attached (or the upload answering for it is in); offline: to be handed in outside (线下提交);
   * not_applicable: does not apply to the unit (不适用), `markReason` saying why.
   */
  status: 'missing' | 'provided' | 'offline' | 'not_applicable';
  /** How many files are attached to the item itself, and their names. */
  files: number;
  fileNames: string[];
  markReason?: string;
  /** The assistant's suggestion (建议材料), not a document the seed requires; `reason` says why it is suggested. */
  suggested: boolean;
  reason?: string;
}

/** Files attached to items and items marked 线下提交, by evidence id (src/store/file-records.ts). */
export type Provisions = ReadonlyMap<string, { files: readonly { name: string }[]; mark: { status: 'offline' | 'not_applicable'; reason: string | null } | null }>;

export function evidenceChecklist(loaded: LoadedFlow, answers: Answers, scope: Scope, provisions: Provisions = new Map()): EvidenceItem[] {
  const items = new Map<string, EvidenceItem>();
  const add = (refs: EvidenceRef[], requiredBy: string, applies = true) => {
    if (!applies) return;
    for (const ref of refs) {
      const evidence: Evidence | undefined = typeof ref === 'string' ? loaded.evidence.get(ref) : ref;
      // An item whose condition cannot be decided yet is listed: better asked for early than forgotten.
      if (!evidence || (evidence.when && holds(evidence.when, scope) === false)) continue;
      const item = items.get(evidence.id) ?? {
        id: evidence.id,
        title: evidence.title,
        detail: evidence.detail,
        requiredBy: [],
        status: 'missing' as EvidenceItem['status'],
        files: 0,
        fileNames: [] as string[],
        suggested: evidence.extra,
        reason: evidence.reason,
      };
      if (!item.requiredBy.includes(requiredBy)) item.requiredBy.push(requiredBy);
      items.set(evidence.id, item);
    }
  };
  for (const t of loaded.flow.thresholds) add(t.evidence, `门槛条件${t.number}`);
  for (const i of loaded.flow.indicators) add(i.evidence, `评分指标${i.number}`, !i.when || holds(i.when, scope) !== false);
  for (const q of loaded.questions.values()) {
    if (!isRelevant(loaded, q, scope) && q.when) continue;
    add(q.evidence, questionTitle(q));
    if (q.type === 'upload' && (answers[q.id]?.value as UploadValue | null)?.status === 'provided') {
      for (const ref of q.evidence) {
        const item = items.get(typeof ref === 'string' ? ref : ref.id);
        if (item) item.status = 'provided';
      }
    }
  }
  for (const t of loaded.flow.tables) add(t.evidence, t.ref);
  add(loaded.flow.evidence, '申报材料');
  for (const item of items.values()) {
    const given = provisions.get(item.id);
    if (!given) continue;
    item.files = given.files.length;
    item.fileNames = given.files.map((f) => f.name);
    if (given.files.length > 0) item.status = 'provided';
    else if (given.mark && item.status === 'missing') {
      item.status = given.mark.status;
      if (given.mark.reason) item.markReason = given.mark.reason;
    }
  }
  const all = [...items.values()];
  return [...all.filter((i) => !i.suggested), ...all.filter((i) => i.suggested)];
}
