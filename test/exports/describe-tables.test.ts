import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { describeFlow } from '../../src/flow/describe.ts';

/** `shenbao flows show --json`: what a script needs to fill tables — each annex table's and table question's columns, each matrix's rows. */

describe('flows show --json describes tables', () => {
  it("lists every annex table with its columns, their types and allowed values, its totals and key", () => {
    const loaded = getFlow('beijing-base-2023');
    const described = describeFlow(loaded);
    expect(described.tables.map((t) => t.ref)).toEqual(loaded.flow.tables.map((t) => t.ref));
    const residents = described.tables.find((t) => t.id === 'resident_list')!;
    expect(residents.columns.map((c) => c.label)).toEqual(loaded.flow.tables.find((t) => t.id === 'resident_list')!.columns.map((c) => c.label));
    expect(residents.columns.find((c) => c.id === 'size')).toMatchObject({ type: 'choice', choices: ['大型', '中型', '小型', '微型'] });
    expect(residents.columns.find((c) => c.id === 'leading')).toMatchObject({ type: 'yesno', choices: ['是', '否'] });
    expect(residents).toMatchObject({ totals: ['headcount', 'area', 'leading', 'revenue'], key: { columns: ['name'], level: 'error' } });
    const investors = described.sections.flatMap((s) => s.questions).find((q) => q.id === 'investors')!;
    expect(investors.columns?.map((c) => c.id)).toEqual(['investor', 'nature', 'ratio']);
  });

  it("lists a matrix's rows and columns", () => {
    const described = describeFlow(getFlow('hebei-base'));
    const matrix = described.sections.flatMap((s) => s.questions).find((q) => q.type === 'matrix')!;
    expect(matrix.rows?.length).toBe(8);
    expect(matrix.rows?.[0]).toEqual({ value: '信息服务', label: '信息服务' });
    expect(matrix.columns?.map((c) => c.label)).toEqual(['服务活动次数', '服务企业数', '服务人数']);
  });
});
