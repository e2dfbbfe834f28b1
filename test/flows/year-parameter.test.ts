import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOWS_DIR, listFlowIds, loadFlow } from '../../src/flow/loader.ts';
import { checkFlowDir } from '../../src/flow/check.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { parse as parseYaml } from 'yaml';

/** Next year's campaign is a copied flow with its year changed: no code change, every label follows. */

const tmp = mkdtempSync(join(tmpdir(), 'shenbao-year-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyWithYear(id: string, year: number): string {
  const flows = join(tmp, `flows-${id}-${year}`);
  cpSync(FLOWS_DIR, flows, { recursive: true });
  const file = join(flows, id, 'flow.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^year: \d{4}$/m, `year: ${year}`));
  return join(flows, id);
}

/** Every string a flow shows, after its years are rendered. */
function allText(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(allText);
  if (node && typeof node === 'object') return Object.entries(node).filter(([k]) => !['id', 'seed'].includes(k)).flatMap(([, v]) => allText(v));
  return [];
}

describe('the evaluation year is a parameter', () => {
  for (const id of listFlowIds()) {
    it(`${id} copied to another year checks clean and says the new years everywhere`, () => {
      const original = loadFlow(join(FLOWS_DIR, id));
      const dir = copyWithYear(id, original.flow.year + 1);
      expect(checkFlowDir(dir)).toEqual([]);
      const moved = loadFlow(dir);
      expect(moved.flow.year).toBe(original.flow.year + 1);
      const labels = [...moved.questions.values()].map((q) => q.label).join('\n');
      const before = [...original.questions.values()].map((q) => q.label).join('\n');
      // Every label that named the evaluation year now names the next one; none still names the old year alone.
      expect(labels.split(`${original.flow.year + 1}年`).length).toBe(before.split(`${original.flow.year}年`).length);
      expect(moved.constants).toMatchObject({ year: original.flow.year + 1, year_end: `${original.flow.year + 1}-12-31` });
    });
  }

  it('the Beijing base labels for both operating years move together', () => {
    const moved = loadFlow(copyWithYear('beijing-base-2023', 2024));
    expect(moved.questions.get('assets_current')!.label).toBe('2024年度资产总额（万元）');
    expect(moved.questions.get('assets_previous')!.label).toBe('2023年度资产总额（万元）');
  });

  it('the copied flow runs the same rules: the two-year rule is measured to the new year end', () => {
    const answers = parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-base-2023.yaml', import.meta.url)), 'utf8'));
    const moved = loadFlow(copyWithYear('beijing-base-2023', 2024));
    // Registered 2022-06-01: under two years at the end of 2023 (and on the submission day), over two at the end of 2024.
    const original = loadFlow(join(FLOWS_DIR, 'beijing-base-2023'));
    const at2023 = fillAnswers(original, { ...answers, reg_date: '2022-06-01' }, { today: '2024-03-01' });
    const at2024 = fillAnswers(moved, { ...answers, reg_date: '2022-06-01' }, { today: '2025-03-01' });
    expect(at2023.thresholds[0].status).toBe('fail');
    expect(at2024.thresholds[0].status).toBe('pass');
  });

  it('no literal evaluation year is left in what the Beijing flows show', () => {
    for (const id of ['beijing-base-2023', 'beijing-platform-2024']) {
      const original = loadFlow(join(FLOWS_DIR, id));
      const moved = loadFlow(copyWithYear(id, 2031));
      const stale = allText(moved.flow).filter((t) => t.includes(`${original.flow.year}年`) && !t.includes('2031'));
      expect(stale, id).toEqual([]);
    }
  });
});
