import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOWS_DIR } from '../../src/flow/loader.ts';
import { checkFlowDir } from '../../src/flow/check.ts';
import { checkProblems } from '../support/broken-flow.ts';

/**
 * `flows check` on a flow's form sheets (flow.yaml `sheets`), each rule shown on a shipped Hebei flow broken in one
 * place: the problem is reported once, at its path, in Chinese. The shipped flows pass.
 */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-sheet-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The problems of a copy of the shipped flows with one flow's YAML changed, as `path: message`. */
const problems = (id: string, change: (flow: any) => void) => checkProblems(tmp, id, change);

describe('flows check: form sheets', () => {
  it('passes the shipped Hebei flows', () => {
    expect(checkFlowDir(join(FLOWS_DIR, 'hebei-platform'))).toEqual([]);
    expect(checkFlowDir(join(FLOWS_DIR, 'hebei-base'))).toEqual([]);
  });

  it('reports an answer naming no question, in a cell and in a blank of the seed’s words', () => {
    // rows: 0 单位名称（盖章）, 1 一、基本情况, 2 平台名称 …, 7 资产总额 …
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[2].cells[1].answer = 'platform_nam'))).toEqual([
      'sheets.0.rows.2.cells.1.answer: 题目“platform_nam”不存在',
    ]);
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[7].cells[0].fill[1].answer = 'total_asset'))).toEqual([
      'sheets.0.rows.7.cells.0.fill.1.answer: 题目“total_asset”不存在',
    ]);
  });

  it('reports a label, title or heading the seed does not have', () => {
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[2].cells[0].text = '平台全称'))).toEqual([
      'sheets.0.rows.2.cells.0.text: 依据文件中没有“平台全称”的字样：表样的标题和栏目文字须照录依据文件',
    ]);
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[1].heading = '一、基本信息'))).toEqual([
      'sheets.0.rows.1.heading: 依据文件中没有“一、基本信息”的字样：表样的标题和栏目文字须照录依据文件',
    ]);
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[7].cells[0].fill[2] = '亿元'))).toEqual([
      'sheets.0.rows.7.cells.0.fill: 依据文件中没有“资产总额：亿元”的字样：表样的标题和栏目文字须照录依据文件',
    ]);
  });

  it('reports a row wider than the sheet', () => {
    expect(problems('hebei-platform', (f) => (f.sheets[0].rows[2].cells[0].span = 2))).toEqual([
      'sheets.0.rows.2.cells: 本行各格共占 7 列，超过表宽 6 列（widths）',
    ]);
  });

  it('reports a grid naming no matrix, and a grid wider than the sheet', () => {
    const grid = (f: any) => f.sheets[0].rows.find((r: any) => r.grid);
    const at = (f: any) => f.sheets[0].rows.indexOf(grid(f));
    let row = -1;
    expect(problems('hebei-base', (f) => ((row = at(f)), (grid(f).grid = 'served_total')))).toEqual([
      `sheets.0.rows.${row}.grid: 题目“served_total”不是矩阵题（matrix），不能排成表格块`,
    ]);
    expect(problems('hebei-base', (f) => ((row = at(f)), (f.sheets[0].widths = f.sheets[0].widths.slice(0, 9))))).toEqual([
      `sheets.0.rows.${row}.grid: 表格块宽 10 列（含表头和合计），超过表宽 9 列（widths）`,
    ]);
  });

  it('reports a second sheet of the same name', () => {
    expect(problems('hebei-platform', (f) => f.sheets.push({ ...f.sheets[0] }))).toEqual(['sheets.1.name: 工作表名“运营情况表”重复（已用于 sheets.0.name）']);
  });
});
