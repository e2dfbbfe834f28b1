import type { LoadedFlow } from '../flow/loader.ts';
import { normalise } from '../engine/parse-answer.ts';
import { organisationOf } from './onboarding.ts';
import { flowsNamed } from './programme-words.ts';

/**
 * Reading what staff type to open a campaign: `新建活动 北京基地 12月15日 海淀区 朝阳区` — which programme (any words of
 * its name in order, or its id), the deadline (2026-12-15, 2026年12月15日, 12月15日, 12.15; a month and day without a
 * year is the next such day), and optionally districts or cities the campaign is narrowed to.
 */

export type CampaignRequest =
  | { ok: true; loaded: LoadedFlow; deadline: string; districts: string[] }
  | { ok: false; problem: string };

/** A campaign's name from its flow: the programme and year, short enough for a reminder's first line. */
export const campaignName = (loaded: LoadedFlow) => `${loaded.flow.programme}${loaded.flow.year}年度绩效评价`;

const pad = (n: number) => String(n).padStart(2, '0');

/** A deadline as typed, as YYYY-MM-DD (null: not a date); `today` decides the year when none is written. */
export function readDeadline(word: string, today: string): string | null {
  const t = normalise(word).replace(/\s/g, '');
  let m = t.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/);
  let year: number, month: number, day: number;
  if (m) [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m = t.match(/^(\d{1,2})[-/.月](\d{1,2})日?$/);
    if (!m) return null;
    [month, day] = [Number(m[1]), Number(m[2])];
    year = Number(today.slice(0, 4));
    if (`${year}-${pad(month)}-${pad(day)}` < today) year++;
  }
  const iso = `${year}-${pad(month)}-${pad(day)}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso ? null : iso;
}

export function readCampaignRequest(flows: LoadedFlow[], text: string, today: string): CampaignRequest {
  const words = normalise(text).split(/[\s，,、]+/).filter(Boolean);
  const example = '例如“新建活动 北京基地 12月15日”，可在最后加区县名只覆盖这些区县：“新建活动 河北平台 2026-12-20 石家庄市”。';
  if (words.length < 2) return { ok: false, problem: `请写明申报项目和截止日期，${example}` };
  const deadlineAt = words.findIndex((w) => readDeadline(w, today) !== null);
  if (deadlineAt < 0) return { ok: false, problem: `没有看懂截止日期。请写成“12月15日”或“2026-12-15”，${example}` };
  const deadline = readDeadline(words[deadlineAt], today)!;
  if (deadline < today) return { ok: false, problem: `截止日期 ${deadline} 已经过去，请写今天或以后的日期。` };
  const rest = words.filter((_, i) => i !== deadlineAt);
  const named = flowsNamed(flows, rest[0] ?? '');
  const served = flows.map((f) => `“${f.flow.programme}${f.flow.year}年度”（${f.flow.id}）`).join('、');
  if (named.length === 0) return { ok: false, problem: `没有找到申报项目“${rest[0] ?? ''}”。目前的项目：${served}。请写项目名称中的几个字（如“北京基地”）或项目编号。` };
  if (named.length > 1) return { ok: false, problem: `“${rest[0]}”对应 ${named.length} 个项目：${named.map((f) => `${f.flow.programme}${f.flow.year}年度（${f.flow.id}）`).join('、')}。请写得更具体些，或写项目编号。` };
  const loaded = named[0];
  const known = new Set(loaded.directory.map((entry) => organisationOf({ loaded, entry }).district).filter((d): d is string => Boolean(d)));
  const districts = rest.slice(1);
  const unknown = districts.filter((d) => !known.has(d));
  if (unknown.length) return { ok: false, problem: `“${unknown.join('、')}”不是该项目名录中的区县。名录中的区县有：${[...known].join('、')}。` };
  return { ok: true, loaded, deadline, districts };
}
