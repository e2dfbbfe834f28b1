import type { LoadedFlow } from '../flow/loader.ts';
import { normalise } from '../engine/parse-answer.ts';

/**
 * The programmes a word names, the one way staff and coordinators name them everywhere (进度汇总, 新建活动, 协调人邀请码):
 * a programme year's key (北京市中小企业公共服务示范平台2024) or its flow id; otherwise every programme whose name, year
 * and title hold the word's characters in order — 北京基地 names 北京市小型微型企业创业创新示范基地, 河北平台 the Hebei
 * platforms. Matched against the flows' data: no programme is named in code.
 */

/** The word naming exactly one programme year, as a button sends it. */
export const programmeKey = (loaded: LoadedFlow) => `${loaded.flow.programme}${loaded.flow.year}`;

/** Whether every character of `query` appears in `text` in order. */
function inOrder(query: string, text: string): boolean {
  const wanted = [...query];
  let i = 0;
  for (const ch of text) if (ch === wanted[i]) i++;
  return i === wanted.length;
}

export function flowsNamed(flows: LoadedFlow[], word: string): LoadedFlow[] {
  const q = normalise(word).replace(/\s/g, '');
  const exact = flows.filter((f) => programmeKey(f) === q || f.flow.id === q.toLowerCase());
  if (exact.length) return exact;
  if ([...q].length < 2) return [];
  return flows.filter((f) => inOrder(q, `${f.flow.programme}${f.flow.year}${f.flow.title}`));
}
