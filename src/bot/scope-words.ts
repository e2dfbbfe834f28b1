import type { LoadedFlow } from '../flow/loader.ts';
import { normalise } from '../engine/parse-answer.ts';
import type { ScopeGrant } from '../store/people-store.ts';
import { flowsNamed } from './programme-words.ts';
import { describeMatch, findOrganisations, organisationOf, type Match } from './onboarding.ts';

/**
 * A coordinator's reach as staff type it: `海淀区` (a district, in every programme), `北京基地` (a programme),
 * `海淀区 北京基地` (that district of that programme), or units by name (`首冶新元 东联同创`). Each word is a district
 * of some directory, a programme's words, or a unit; anything else is said back.
 */

/** The districts and programmes as grants; units apart (their grant needs the organisation's id, made when issued). */
export type ScopeRequest = { ok: true; grants: { grant: ScopeGrant; label: string }[]; units: Match[] } | { ok: false; problem: string };

export function readScope(flows: LoadedFlow[], text: string): ScopeRequest {
  const words = normalise(text).split(/[\s，,、]+/).filter(Boolean);
  const example = '例如“协调人邀请码 海淀区”“协调人邀请码 北京基地”“协调人邀请码 海淀区 北京基地”，或写单位名称“协调人邀请码 首冶新元 东联同创”。';
  if (words.length === 0) return { ok: false, problem: `请写明协调人负责的范围：${example}` };
  const districts = new Set(flows.flatMap((loaded) => loaded.directory.map((entry) => organisationOf({ loaded, entry }).district)).filter((d): d is string => Boolean(d)));
  const inDistricts: string[] = [];
  const inFlows: LoadedFlow[] = [];
  const units: Match[] = [];
  for (const word of words) {
    if (districts.has(word)) {
      inDistricts.push(word);
      continue;
    }
    const named = flowsNamed(flows, word);
    if (named.length === 1) {
      inFlows.push(named[0]);
      continue;
    }
    const matches = findOrganisations(flows, word);
    if (matches.length === 1) {
      units.push(matches[0]);
      continue;
    }
    if (matches.length > 1) return { ok: false, problem: `“${word}”对应 ${matches.length} 家单位，请写得更完整些：\n${matches.slice(0, 8).map((m) => `• ${describeMatch(m)}`).join('\n')}` };
    if (named.length > 1) return { ok: false, problem: `“${word}”对应 ${named.length} 个项目，请写得更具体些（如“北京基地”“河北平台”）。` };
    return { ok: false, problem: `没有看懂“${word}”：它不是名录中的区县、申报项目或单位。${example}` };
  }
  const programme = (f: LoadedFlow) => `${f.flow.programme}${f.flow.year}年度`;
  const grants: { grant: ScopeGrant; label: string }[] = [];
  if (inDistricts.length && inFlows.length) {
    for (const district of inDistricts) for (const f of inFlows) grants.push({ grant: { district, flowId: f.flow.id }, label: `${programme(f)}·${district}` });
  } else {
    for (const district of inDistricts) grants.push({ grant: { district }, label: `${district}（全部项目）` });
    for (const f of inFlows) grants.push({ grant: { flowId: f.flow.id }, label: programme(f) });
  }
  return { ok: true, grants, units };
}
