import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProblems } from '../support/broken-flow.ts';

/** The key figures of the overview workbook (`overview`) name questions that exist and hold one value each. */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-overview-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('flows check: overview', () => {
  it('reports a key figure that is no question, or a table that is no single figure', () => {
    expect(checkProblems(tmp, 'beijing-base-2023', (f) => (f.overview = ['resident_total', 'resident_totl', 'investors']))).toEqual([
      'overview.1: 题目“resident_totl”不存在',
      'overview.2: 题目“investors”是表格题，不能作为总览表的一列；请选数字、选择或文字题',
    ]);
  });
});
