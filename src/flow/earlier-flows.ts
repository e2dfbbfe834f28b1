import type { LoadedFlow } from './loader.ts';

/**
 * A programme's earlier years among the flows served: a flow with the same `programme` and `region` and a smaller
 * `year` is the same programme in an earlier campaign (flows are versioned data: next year is a copy with the years
 * moved). Where an organisation's last year's answers are read from.
 */

/** A flow's earlier years among those served (latest first): the same programme and region, a smaller year. */
export function earlierFlowIds(flows: Iterable<LoadedFlow>, loaded: LoadedFlow): string[] {
  const { programme, region, year } = loaded.flow;
  return [...flows]
    .filter((other) => other.flow.programme === programme && other.flow.region === region && other.flow.year < year)
    .sort((a, b) => b.flow.year - a.flow.year)
    .map((other) => other.flow.id);
}

/** Per flow that asks about last year: its earlier flows (latest first) and the question ids read from them. */
export type LastYearSources = Record<string, { from: string[]; questions: string[] }>;

const memo = new WeakMap<object, LastYearSources>();

/** The sources of every flow with `lastYear` questions and at least one earlier flow; computed once per flow list. */
export function lastYearSources(flows: ReadonlyMap<string, LoadedFlow> | readonly LoadedFlow[]): LastYearSources {
  let sources = memo.get(flows);
  if (sources) return sources;
  const list = [...flows.values()];
  sources = {};
  for (const loaded of list) {
    const from = earlierFlowIds(list, loaded);
    const questions = [...new Set([...loaded.questions.values()].flatMap((q) => (q.lastYear ? [q.lastYear.from ?? q.id] : [])))];
    if (from.length && questions.length) sources[loaded.flow.id] = { from, questions };
  }
  memo.set(flows, sources);
  return sources;
}
