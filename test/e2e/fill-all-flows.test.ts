import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { listFlowIds } from '../../src/flow/loader.ts';

/**
 * `shenbao fill --json` on the complete declaration of every flow (test/fixtures/answers/<flow>.yaml): the headless
 * path through parsing, checks, derived values and thresholds that scripts rely on.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/shenbao.js');

interface FillOutput {
  thresholds: { number: number; title: string; status: string; reason: string }[];
  errors: unknown[];
  warnings: unknown[];
  missing: unknown[];
  derived: Record<string, number | null>;
}

const fixturePath = (flow: string) => join(ROOT, 'test/fixtures/answers', `${flow}.yaml`);
const fixture = (flow: string): Record<string, number> => parseYaml(readFileSync(fixturePath(flow), 'utf8'));

/** The directory row a fixture declares for, from its header comment (`--org <seq>`). */
const orgOf = (flow: string): string | undefined => readFileSync(fixturePath(flow), 'utf8').match(/--org (\d+)/)?.[1];

async function fill(flow: string): Promise<{ code: number; out: FillOutput; stderr: string }> {
  const org = orgOf(flow);
  const args = [BIN, 'fill', '--flow', flow, '--answers', fixturePath(flow), '--json', ...(org ? ['--org', org] : [])];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: JSON.parse(stdout), stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: JSON.parse(e.stdout || '{}'), stderr: e.stderr };
  }
}

const EXPECTED: Record<string, { thresholds: number; org?: string }> = {
  'beijing-base-2023': { thresholds: 10 },
  'beijing-platform-2024': { thresholds: 11, org: '19' },
  'hebei-base': { thresholds: 0, org: '5' },
  'hebei-platform': { thresholds: 0, org: '7' },
};

describe('fill --json on the complete declaration of every flow', () => {
  it('has a fixture for every shipped flow', () => {
    expect(listFlowIds()).toEqual(Object.keys(EXPECTED));
  });

  for (const [flow, expected] of Object.entries(EXPECTED)) {
    it(`${flow}: exits 0, nothing malformed, nothing missing${expected.thresholds ? `, all ${expected.thresholds} thresholds pass` : ''}`, async () => {
      expect(orgOf(flow)).toBe(expected.org);
      const { code, out, stderr } = await fill(flow);
      expect(code, stderr).toBe(0);
      expect(out.errors).toEqual([]);
      expect(out.missing).toEqual([]);
      expect(out.warnings).toEqual([]);
      expect(out.thresholds.map((t) => t.number)).toEqual(Array.from({ length: expected.thresholds }, (_, i) => i + 1));
      for (const t of out.thresholds) expect(t.status, `门槛条件${t.number}: ${t.reason}`).toBe('pass');
    });
  }

  it('beijing-platform-2024: the directory row matches the declared category, and the SME revenue shares are derived', async () => {
    const a = fixture('beijing-platform-2024') as unknown as Record<string, string | number>;
    const row = readFileSync(join(ROOT, 'flows/beijing-platform-2024/directory.csv'), 'utf8').split('\n').find((l) => l.startsWith('19,'))!;
    expect(row.split(',')).toEqual(['19', a.unit_name, a.platform_name, a.service_category, a.reg_district]);
    const { out } = await fill('beijing-platform-2024');
    // 3150 ÷ 4200 = 75 %; 2740 ÷ 3800 = 72.105… % (exact: rounded only when shown).
    expect([a.sme_revenue_current, a.revenue_current, a.sme_revenue_previous, a.revenue_previous]).toEqual([3150, 4200, 2740, 3800]);
    expect(out.derived).toEqual({ sme_share_current: 75, sme_share_previous: (2740 / 3800) * 100 });
  });

  it('hebei-base: the growth of served enterprises and the small-enterprise share are what the numbers give', async () => {
    const a = fixture('hebei-base');
    // 服务企业 186 vs 上年 150 → +36, 36 ÷ 150 = 24 %; 小微 84 of 96 入驻 → 87.5 %.
    expect([a.served_total, a.served_total_prev, a.resident_small, a.resident_total]).toEqual([186, 150, 84, 96]);
    const { out } = await fill('hebei-base');
    expect(out.derived).toEqual({ served_increase: 36, served_growth: 24, resident_small_share: 87.5 });
  });

  it('hebei-platform: the shares and growth figures of the 运营情况表 are what the numbers give', async () => {
    const a = fixture('hebei-platform');
    expect([a.total_assets, a.equipment_price, a.activity_spending]).toEqual([5600, 2240, 168]);
    expect([a.served_enterprises, a.served_enterprises_prev, a.small_micro_served]).toEqual([520, 400, 442]);
    expect([a.activities_total, a.public_activities, a.service_income, a.service_income_prev]).toEqual([60, 18, 1890, 1500]);
    const { out } = await fill('hebei-platform');
    expect(out.derived).toEqual({
      equipment_asset_share: 40, // 2240 ÷ 5600
      activity_spending_share: 3, // 168 ÷ 5600
      served_increase: 120, // 520 − 400
      served_growth: 30, // 120 ÷ 400
      public_activity_share: 30, // 18 ÷ 60
      small_micro_share: 85, // 442 ÷ 520
      service_income_growth: 26, // (1890 − 1500) ÷ 1500
    });
  });
});
