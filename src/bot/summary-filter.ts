import type { LoadedFlow } from '../flow/loader.ts';
import { STAGES, STAGE_LABEL, type Stage } from '../rules/standing.ts';
import { normalise } from '../engine/parse-answer.ts';
import { organisationOf } from './onboarding.ts';
import { flowsNamed } from './programme-words.ts';

/**
 * What a 进度汇总 or 导出全部 is narrowed to, read from the words after it: a stage (已退回, or 未完成 for every stage
 * behind), a district or city of the directories (海淀区, 海淀), a programme (a word of its name as the flow states
 * it — 基地, 平台, 河北 — its name and year, or its id), a page number last; whatever is left names organisations (首冶), matched as
 * onboarding matches a typed name. Everything is matched against the flows' data: no programme is named in code.
 * The same filter written back (`filterWords`) is what the summary's buttons send.
 */

/** A stage, or every stage behind (not yet submitted or confirmed). */
export type StageFilter = Stage | 'behind';

export const BEHIND_WORD = '未完成';

export interface SummaryFilter {
  /** The programmes looked at: those the programme words name, or all. */
  flows: LoadedFlow[];
  /** The programme words as typed (empty: every programme). */
  programmeWords: string[];
  district: string | null;
  stage: StageFilter | null;
  /** Words naming organisations, as typed (null: none named). */
  organisation: string | null;
  page: number;
}

export type FilterReading = { ok: true; filter: SummaryFilter } | { ok: false; words: string[] };

const STAGE_BY_LABEL = new Map<string, StageFilter>([...STAGES.map((s): [string, StageFilter] => [STAGE_LABEL[s], s]), [BEHIND_WORD, 'behind']]);

/** The districts or cities of a programme's directory, as its organisations record them. */
export function districtsOf(loaded: LoadedFlow): string[] {
  return [...new Set(loaded.directory.flatMap((entry) => organisationOf({ loaded, entry }).district ?? []))];
}


/** The one district a word names: the district itself, or the start of exactly one (海淀 → 海淀区). */
function districtNamed(districts: string[], word: string): string | null {
  if (districts.includes(word)) return word;
  const starting = [...word].length >= 2 ? districts.filter((d) => d.startsWith(word)) : [];
  return starting.length === 1 ? starting[0] : null;
}

/**
 * Reads the filter. Words that are neither stage, district, programme nor page are taken as an organisation's name;
 * whether any organisation answers to it is for the caller to find (findOrganisations), who then says so.
 */
export function readFilter(text: string, flows: LoadedFlow[]): FilterReading {
  const words = normalise(text).split(/\s+/).filter(Boolean);
  let page = 1;
  if (words.length && /^\d{1,3}$/.test(words.at(-1)!)) page = Math.max(1, Number(words.pop()));
  const districts = [...new Set(flows.flatMap(districtsOf))];
  let stage: StageFilter | null = null;
  let district: string | null = null;
  let chosen: LoadedFlow[] | null = null;
  const programmeWords: string[] = [];
  const rest: string[] = [];
  for (const word of words) {
    const asStage = STAGE_BY_LABEL.get(word);
    const asDistrict = districtNamed(districts, word);
    const asProgramme = flowsNamed(chosen ?? flows, word);
    if (asStage && !stage) stage = asStage;
    else if (asDistrict && !district) district = asDistrict;
    else if (asProgramme.length) {
      chosen = asProgramme;
      programmeWords.push(word);
    } else rest.push(word);
  }
  // Stage, district and programme words never stand for an organisation: a word left over that was one of them
  // twice (两个区) is not understood.
  const doubled = rest.filter((w) => STAGE_BY_LABEL.has(w) || districtNamed(districts, w));
  if (doubled.length) return { ok: false, words: doubled };
  return { ok: true, filter: { flows: chosen ?? flows, programmeWords, district, stage, organisation: rest.length ? rest.join(' ') : null, page } };
}

/** The words that say a filter again, for a button or a hint: programme, district, stage, page (page 1 left out). */
export function filterWords(f: { programmeWords?: string[]; district?: string | null; stage?: StageFilter | null; organisation?: string | null; page?: number }): string {
  const stage = f.stage ? (f.stage === 'behind' ? BEHIND_WORD : STAGE_LABEL[f.stage]) : null;
  const parts = [...(f.programmeWords ?? []), f.district, stage, f.organisation, f.page && f.page > 1 ? String(f.page) : null];
  return parts.filter(Boolean).join(' ');
}
