import { streamingWorkbook } from './workbook-io.ts';
import type { LoadedFlow } from '../../flow/loader.ts';
import { isoMinuteInChina } from '../../engine/today.ts';
import { STAGE_LABEL, readyToSubmit, type Standing } from '../../rules/standing.ts';
import type { Verdict } from '../../rules/thresholds.ts';
import { listSheet, STYLE, type ListColumn } from './workbook.ts';

/**
 * The overview workbook (导出全部) for coordinators and staff: one sheet per programme, one row per organisation —
 * its stage, how far it got, the programme's key figures (the flow's `overview`), each threshold's verdict, how many
 * documents are missing, when it last changed and the reviewer's reasons when it was returned. One sheet per programme
 * because each has its own thresholds and figures; a 项目 column still names it on every row, for filtering once the
 * sheets are pasted together.
 */

export interface OverviewGroup { loaded: LoadedFlow; standings: Standing[] }

const VERDICT: Record<Verdict['status'], string> = { pass: '达标', fail: '不达标', unknown: '待定', review: '需审核' };

/** A tab name Excel takes: at most 31 characters, none of \ / ? * [ ] :, unique in the workbook. */
function sheetName(loaded: LoadedFlow, taken: Set<string>): string {
  const base = `${loaded.flow.programme}${loaded.flow.year}`.replace(/[\\/?*[\]:]/g, '').slice(0, 28);
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

export async function overviewWorkbook(groups: OverviewGroup[], now: Date): Promise<Buffer> {
  const { workbook, finish } = await streamingWorkbook();
  const generated = `由申报助手生成于 ${isoMinuteInChina(now)}（北京时间）`;
  const taken = new Set<string>();
  for (const { loaded, standings } of groups) {
    const { flow } = loaded;
    const region = (flow.directory.region && flow.directory.columns[flow.directory.region]) || '所属区';
    const figures = flow.overview.map((id) => loaded.questions.get(id)!);
    const columns: ListColumn[] = [
      { header: '项目', width: 24, style: STYLE.text },
      { header: '序号', width: 7, style: STYLE.number },
      { header: '单位名称', width: 34, style: STYLE.text },
      { header: region, width: 12, style: STYLE.centred },
      { header: '阶段', width: 11, style: STYLE.centred },
      { header: '完成部分', width: 9, style: STYLE.centred },
      { header: '已答题数', width: 10, style: STYLE.centred },
      ...figures.map((q) => ({ header: q.label, width: 14, style: STYLE.number })),
      ...flow.thresholds.map((t) => ({ header: `门槛条件${t.number} ${t.title}`, width: 12, style: STYLE.centred })),
      { header: '缺少材料数', width: 9, style: STYLE.number },
      { header: '最近活动', width: 17, style: STYLE.centred },
      { header: '退回意见', width: 40, style: STYLE.text },
    ];
    const sheet = listSheet(workbook, sheetName(loaded, taken), `${flow.title}：申报进度总览`, `${generated}；共 ${standings.length} 家；门槛条件按已填内容判断，仅供核对`, columns);
    if (standings.length === 0) sheet.add([`没有符合条件的单位。`, ...columns.slice(1).map(() => null)], STYLE.subtitle);
    for (const s of standings) {
      const verdicts = new Map(s.verdicts.map((v) => [v.number, v.status]));
      const reasons = s.stage === 'returned' ? (s.review?.reasons ?? []).map((r) => `${r.question ? `${r.question}：` : ''}${r.text}`).join('\n') : '';
      sheet.add([
        flow.programme,
        s.seq,
        s.unit,
        s.district,
        `${STAGE_LABEL[s.stage]}${readyToSubmit(s) ? '（已填完，未提交）' : ''}`,
        `${s.sectionsDone}/${s.sectionsTotal}`,
        `${s.answered}/${s.questionsTotal}`,
        ...figures.map((q) => s.figures.find((f) => f.id === q.id)?.value ?? null),
        ...flow.thresholds.map((t) => VERDICT[verdicts.get(t.number) ?? 'unknown']),
        s.missingEvidence.length,
        s.lastActivity ? isoMinuteInChina(new Date(s.lastActivity)) : null,
        reasons || null,
      ]);
    }
    sheet.sheet.commit();
  }
  return finish();
}
