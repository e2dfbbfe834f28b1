import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { evidenceChecklist } from '../../src/rules/evidence.ts';

/** The evidence checklist follows the answers: a certified base is not asked for eight management documents. */

const loaded = getFlow('beijing-base-2023');
const base = parseYaml(readFileSync(fileURLToPath(new URL('../fixtures/answers/beijing-base-2023.yaml', import.meta.url)), 'utf8'));
const env = { today: '2026-11-21' };

function checklist(overrides: Record<string, unknown>) {
  const { answers } = fillAnswers(loaded, { ...base, ...overrides }, env);
  return evidenceChecklist(loaded, answers, buildScope(loaded, answers, env));
}

describe('evidence checklist', () => {
  it('asks for the management-system certificate or the eight documents, by the answer', () => {
    const notCertified = checklist({ certified: '否', policy_docs: 10 }).map((i) => i.title);
    expect(notCertified.some((t) => t.includes('管理体系认证证书'))).toBe(false);
    expect(notCertified.some((t) => t.includes('管理制度'))).toBe(true);
    const certified = checklist({ certified: '是', policy_docs: null }).map((i) => i.title);
    expect(certified.some((t) => t.includes('管理体系认证证书'))).toBe(true);
    expect(certified.some((t) => t.includes('管理制度、服务流程'))).toBe(false);
  });

  it('names what requires each item, merging an item several rules share', () => {
    const items = checklist({});
    const residents = items.find((i) => i.title.includes('在驻企业名单'))!;
    expect(residents.requiredBy).toEqual(expect.arrayContaining(['门槛条件3', '评分指标5']));
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(items.every((i) => i.status === 'missing')).toBe(true);
  });

  it('a workstation only promised needs no photographs of it', () => {
    const promised = checklist({ workstation: '未建设', ws_commitment: '是', ws_area: null, ws_staff: null, ws_activities: null, ws_free_share: null, ws_fulltime_staff: null, ws_head_senior: null, ws_partners: null });
    expect(promised.some((i) => i.title.includes('工作站照片'))).toBe(false);
    expect(checklist({}).some((i) => i.title.includes('工作站照片'))).toBe(true);
  });
});
