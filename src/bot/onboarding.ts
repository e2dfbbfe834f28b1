import { z } from 'zod';
import type { DirectoryEntry, LoadedFlow } from '../flow/loader.ts';
import { normalise } from '../engine/parse-answer.ts';
import { KeyboardSchema } from './keyboard.ts';
import type { Sql } from '../store/sql.ts';
import { plainUnitName } from '../store/last-year-store.ts';

/**
 * Finding the operator's organisation in the directories (名录). An operator types the unit's name; a unit listed
 * in several programmes (some Hebei units run both a platform and a base) chooses which declaration to work on.
 */

export const CandidateSchema = z.object({ flowId: z.string(), seq: z.number() });
export type Candidate = z.infer<typeof CandidateSchema>;

/** What the chat remembers between onboarding messages (ChatIdentity.chatState). */
export const ChatStateSchema = z.object({
  step: z.enum(['await_unit', 'choose_candidate']).optional(),
  candidates: z.array(CandidateSchema).optional(),
  /** “修改” alone: the next message names what to change. */
  awaitEdit: z.boolean().optional(),
  /** “修改 …” matched several questions: the next message picks one by number. */
  editCandidates: z.array(z.string()).optional(),
  /** An answer being corrected in another section: where to return once it is given. */
  editReturn: z.object({ sectionId: z.string(), questionId: z.string() }).optional(),
  /** The buttons last sent to this chat: only a press on these counts (src/bot/keyboard.ts). */
  keyboard: KeyboardSchema.optional(),
  /** Files received outside an upload question, waiting to be told which evidence item they belong to. */
  unsortedFiles: z.array(z.string()).optional(),
  /** The evidence items offered for them (or for 线下提交), by number. */
  evidenceChoices: z.array(z.string()).optional(),
  /** What the offered items are for: sorting files, or marking items (线下提交, 不适用). */
  evidenceFor: z.enum(['files', 'offline', 'not_applicable']).optional(),
  /** An item being marked 不适用: the next message says why. */
  awaitReason: z.string().optional(),
  /** The item further files go to until the operator says 完成. */
  collecting: z.string().optional(),
  /** The annex tables offered (模板, 导入), by number, and what for. */
  tableChoices: z.array(z.string()).optional(),
  tableFor: z.enum(['template', 'import']).optional(),
  /** The annex table whose workbook the next file is. */
  awaitTable: z.string().optional(),
  /** An upload with problems waiting for 导入有效行 or 全部重新上传: the table and the file. */
  pendingImport: z.object({ tableId: z.string(), fileId: z.string() }).optional(),
  /** A table just imported disagrees with typed answers: 按附表更正 or 保留已填答案. */
  tableMismatch: z.string().optional(),
  /** Sections assigned to a colleague this chat was already told about (`sectionId:userId`): said once. */
  assignedTold: z.array(z.string()).optional(),
  /** 谁填的 candidates: the next message picks one by number. */
  whoCandidates: z.array(z.string()).optional(),
});
export type ChatState = z.infer<typeof ChatStateSchema>;

export interface Match { loaded: LoadedFlow; entry: DirectoryEntry }

const clean = (s: string) => normalise(s).replace(/[\s（）()]/g, '');

/**
 * Directory entries matching a name: exact unit or organisation name first, then names containing it. A unit listed
 * in several years of one programme (an earlier year's flow stays served to read last year's answers) is found in the
 * latest year only: nobody should fill last year's declaration by picking the wrong line.
 */
export function findOrganisations(flows: LoadedFlow[], text: string): Match[] {
  const t = clean(text);
  if (t.length < 2) return [];
  const all = flows.flatMap((loaded) => loaded.directory.map((entry) => ({ loaded, entry })));
  const names = (m: Match) => [m.entry.unit, ...m.loaded.flow.directory.label.map((c) => String(m.entry[c] ?? ''))].map(clean).filter(Boolean);
  const exact = all.filter((m) => names(m).includes(t));
  return latestYears(exact.length ? exact : all.filter((m) => names(m).some((n) => n.includes(t) || (t.length >= 6 && t.includes(n)))));
}

/**
 * Whether `later` is the same unit in a later year of the same programme (flows are next year's copies), by the name
 * rule last year's answers are found by.
 */
export function isLaterYearOf(later: Match, m: Match): boolean {
  return later.loaded.flow.programme === m.loaded.flow.programme && later.loaded.flow.region === m.loaded.flow.region && later.loaded.flow.year > m.loaded.flow.year && plainUnitName(later.entry.unit) === plainUnitName(m.entry.unit);
}

function latestYears(matches: Match[]): Match[] {
  return matches.filter((m) => !matches.some((o) => isLaterYearOf(o, m)));
}

/** The same unit in the latest year served of its programme (itself when none is later). */
export function latestYearOf(flows: Iterable<LoadedFlow>, match: Match): Match {
  let latest = match;
  for (const loaded of flows) {
    for (const entry of loaded.directory) {
      const candidate = { loaded, entry };
      if (isLaterYearOf(candidate, latest)) latest = candidate;
    }
  }
  return latest;
}

/**
 * The one directory entry a name names (邀请码 单位, 提醒 单位, shenbao admin), or what to tell the person: nothing
 * found, or the entries it could be, to write more of the name.
 */
export function oneOrganisation(flows: LoadedFlow[], name: string): { ok: true; match: Match } | { ok: false; problem: string } {
  const matches = findOrganisations(flows, name);
  if (matches.length === 1) return { ok: true, match: matches[0] };
  if (matches.length === 0) return { ok: false, problem: `名录中没有找到“${name.slice(0, 40)}”。请写与名录一致的单位名称（可以只写其中一段）。` };
  return { ok: false, problem: `“${name}”对应 ${matches.length} 家单位，请写得更完整些：\n${matches.slice(0, 10).map((m) => `• ${describeMatch(m)}`).join('\n')}` };
}

export function describeMatch(m: Match): string {
  const extra = m.loaded.flow.directory.label.map((c) => m.entry[c]).filter(Boolean).join('，');
  return `${m.entry.unit}${extra ? `（${extra}）` : ''}— ${m.loaded.flow.title}`;
}

export function welcomeText(flows: LoadedFlow[], byName = true): string {
  return [
    '您好，我是申报助手，帮您一节一节完成年度绩效评价申报：随时提示门槛条件，答案可随时修改，最后生成申报表格、待补材料清单和报告初稿。',
    `目前支持：${flows.map((f) => f.flow.title).join('；')}。`,
    byName
      ? '请先发送贵单位名称（与名录一致的全称），例如“北京首冶新元科技发展有限公司”。'
      : '请先发送贵单位的邀请码（SB 开头的 10 位字母数字，由主管部门或协调人提供，7 天内有效）来绑定单位。',
  ].join('\n');
}

/** A directory entry as the organisation it records: its name, district and category by the columns the flow names. */
export function organisationOf(match: Match): { flowId: string; seq: number; unitName: string; name: string | null; district: string | null; category: string | null; extra: DirectoryEntry } {
  const { loaded, entry } = match;
  const roles = loaded.flow.directory;
  const column = (key: string | undefined) => (key && entry[key] !== undefined && entry[key] !== '' ? String(entry[key]) : null);
  return { flowId: loaded.flow.id, seq: entry.seq, unitName: entry.unit, name: column(roles.name), district: column(roles.region), category: column(roles.category), extra: entry };
}

/** The directory entry of an organisation the database records, when its flow is served. */
export async function matchOf(sql: Sql, flows: ReadonlyMap<string, LoadedFlow>, organisationId: string): Promise<Match | undefined> {
  const [row] = await sql.query<{ flowId: string; seq: number }>(`SELECT "flowId", "seq" FROM "Organisation" WHERE "id" = $1`, [organisationId]);
  const loaded = row && flows.get(row.flowId);
  const entry = loaded?.directory.find((e) => e.seq === row.seq);
  return loaded && entry ? { loaded, entry } : undefined;
}
