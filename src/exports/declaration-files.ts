import type { LoadedFlow } from '../flow/loader.ts';
import type { Env, OrgValues } from '../engine/scope.ts';
import type { Answers, TableValue } from '../engine/values.ts';
import { buildScope } from '../engine/scope.ts';
import { evaluateThresholds } from '../rules/thresholds.ts';
import type { EvidenceItem } from '../rules/evidence.ts';
import type { RecordedChange } from '../store/history-store.ts';
import { declarationWorkbook } from './excel/workbook.ts';
import { reportDraft } from './report/report-docx.ts';

/**
 * The declaration's own documents, named as the operator will file them: the filled workbook and, where the flow has
 * a report template, the 绩效报告 draft. Shared by 导出, the evidence package and `shenbao export`.
 */

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * The unit's name and district as its directory entry gives them (`org_unit`, and the column the flow names as the
 * region), for file names and the report's cover.
 */
export function unitNamed(loaded: LoadedFlow, org: OrgValues | undefined): { unit: string; district?: string } {
  const region = org?.[`org_${loaded.flow.directory.region ?? 'district'}`];
  return { unit: String(org?.org_unit ?? '申报单位'), district: region === undefined || region === '' ? undefined : String(region) };
}

export interface DeclarationDocument {
  name: string;
  mime: string;
  bytes: Buffer;
  /** What it is, said with the file. */
  caption: string;
}

export interface DeclarationFilesInput {
  loaded: LoadedFlow;
  answers: Answers;
  tables: Record<string, TableValue>;
  env: Env;
  checklist: EvidenceItem[];
  unit: string;
  district?: string;
  today: string;
  /** Every change of an answer, oldest first: the workbook's 修改记录 sheet (none in a headless export). */
  history?: RecordedChange[];
}

export async function declarationFiles(input: DeclarationFilesInput): Promise<DeclarationDocument[]> {
  const { loaded, answers, tables, env, checklist, unit, district, today, history } = input;
  const year = loaded.flow.year;
  const verdicts = evaluateThresholds(loaded, answers, buildScope(loaded, answers, env));
  const documents: DeclarationDocument[] = [
    {
      name: `${unit}-${year}年度绩效评价申报表.xlsx`,
      mime: XLSX_MIME,
      bytes: await declarationWorkbook({ loaded, answers, tables, env, verdicts, checklist, history }),
      caption: `申报表（填报信息、各附表、门槛条件判断、证明材料清单${history ? '、修改记录' : ''}）`,
    },
  ];
  if (loaded.flow.report) {
    documents.push({
      name: `${unit}-${year}年度绩效报告（初稿）.docx`,
      mime: DOCX_MIME,
      bytes: await reportDraft({ loaded, answers, tables, env, unitName: unit, district, date: today }),
      caption: '绩效报告初稿：黄色处请补写；声明函需盖章签字',
    });
  }
  return documents;
}
