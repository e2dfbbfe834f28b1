import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { getFlow } from '../../src/flow/loader.ts';
import { seedOf } from '../../src/flow/seed.ts';
import { fillAnswers } from '../../src/engine/fill.ts';
import { buildScope, orgScope } from '../../src/engine/scope.ts';
import { evidenceChecklist, type EvidenceItem } from '../../src/rules/evidence.ts';
import { renderEvidence } from '../../src/bot/render.ts';

/**
 * The evidence checklist of a complete Hebei declaration. The seed's 服务规范评价指标 give 评价要点, not documents: what the
 * seed does require (the stamped 运营情况表, the 专项审计报告's three content points, and for platforms the 合作协议和合同
 * and 已购买服务合同 that 公共服务资源整合能力 counts by) is listed as required; everything else the assistant suggests is
 * listed after it, apart, as 建议材料, each with its reason.
 */

const TODAY = '2026-11-21';

interface Case {
  id: 'hebei-platform' | 'hebei-base';
  required: string[];
  /** Suggestions that apply to the fixture's answers. */
  suggested: number;
}

const CASES: Case[] = [
  {
    id: 'hebei-platform',
    // In the checklist's order: indicators (1.3, 2.3, 3.1) first, then the flow's own evidence.
    required: [
      'audit_service_assets',
      'audit_small_micro_services',
      'partner_agreements',
      'purchased_service_contracts',
      'operating_form_stamped',
      'audit_capacity_investment',
    ],
    // 22 for the 评价要点 (both site documents apply: owned and rented area; honours apply: 是) + 2 “可后附”.
    suggested: 24,
  },
  {
    id: 'hebei-base',
    required: ['audit_small_micro_services', 'audit_service_assets', 'operating_form_stamped', 'audit_capacity_investment'],
    // 19 for the 评价要点 (no property certificate: no owned service area) + 服务台账 + 8 “可后附”.
    suggested: 28,
  },
];

function declaration(id: string, overrides: Record<string, unknown> = {}) {
  const loaded = getFlow(id);
  const text = readFileSync(fileURLToPath(new URL(`../fixtures/answers/${id}.yaml`, import.meta.url)), 'utf8');
  const seq = Number(text.match(/--org (\d+)/)![1]);
  const env = { today: TODAY, org: orgScope(loaded.directory.find((e) => e.seq === seq)) };
  const filled = fillAnswers(loaded, { ...parseYaml(text), ...overrides }, env);
  const items = evidenceChecklist(loaded, filled.answers, buildScope(loaded, filled.answers, env));
  return { loaded, filled, items };
}

/** The line of the rendered checklist that lists an item. */
const lineOf = (lines: string[], item: EvidenceItem) => lines.findIndex((l) => /^\d+\. [□✅] /.test(l) && l.includes(` ${item.title}（`));

describe.each(CASES)('the evidence checklist of a complete $id declaration', (c) => {
  const { loaded, filled, items } = declaration(c.id);
  const required = items.filter((i) => !i.suggested);
  const suggested = items.filter((i) => i.suggested);

  it('comes from a fixture that fills without errors or missing answers', () => {
    expect(filled.errors).toEqual([]);
    expect(filled.missing).toEqual([]);
  });

  it('requires exactly the documents the seed names, in the seed’s words', () => {
    expect(required.map((i) => i.id)).toEqual(c.required);
    const seed = seedOf(loaded.dir, loaded.flow.seed)!;
    for (const item of required) {
      const evidence = loaded.evidence.get(item.id)!;
      expect(evidence.extra, item.id).toBe(false);
      expect(seed.says(evidence.quote ?? evidence.title), item.id).toBe(true);
      expect(item.reason, item.id).toBeUndefined();
    }
  });

  it('requires the three content points of the 专项审计报告 for the evaluation year, and the stamped 运营情况表', () => {
    const title = (id: string) => required.find((i) => i.id === id)?.title;
    expect(title('audit_service_assets')).toBe('专项审计报告：2024年末已具有的服务性资产（包括设备、设施、场地等资产原值），所涉及的服务成本支出');
    expect(title('audit_capacity_investment')).toBe('专项审计报告：2024年用于能力建设的资金投入额');
    expect(title('audit_small_micro_services')).toBe('专项审计报告：具有有效服务记录的小微企业服务家次，主要服务项目收费与市场一般收费标准的高低比较，对小微企业服务优惠情况');
    expect(required.map((i) => i.title)).toContain(`${c.id === 'hebei-base' ? '全省小型微型企业创业创新示范基地' : '全省中小企业公共服务示范平台'}运营情况表（加盖单位公章）`);
    expect(required.find((i) => i.id === 'operating_form_stamped')!.requiredBy).toEqual(['申报材料']);
  });

  it('lists the assistant’s suggestions after the required items, each marked and with its reason', () => {
    expect(suggested).toHaveLength(c.suggested);
    expect(items.slice(0, required.length).every((i) => !i.suggested)).toBe(true);
    expect(items.slice(required.length).every((i) => i.suggested)).toBe(true);
    for (const item of suggested) {
      expect(loaded.evidence.get(item.id)!.extra, item.id).toBe(true);
      expect(item.reason, item.id).toMatch(/助手建议/);
      // Either a 评价要点 with no document named, or an attachment the form allows (可后附) but does not require.
      expect(item.reason, item.id).toMatch(/只给出评价要点，未列明证明材料|没有给出评价要点|“可后附[^”]*”.*不是必交材料|没有要求把台账作为申报材料提交/);
    }
    const later = suggested.filter((i) => i.reason!.includes('可后附'));
    expect(later.length).toBe(c.id === 'hebei-base' ? 8 : 2);
    for (const item of later) expect(item.title, item.id).toContain('可后附');
  });

  it('renders the required list first and the 建议材料 apart, after it', () => {
    const text = renderEvidence(items);
    const lines = text.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('建议材料'));
    expect(lines[0]).toContain(`证明材料共 ${required.length} 项`);
    expect(text).toContain(`建议材料 ${suggested.length} 项`);
    expect(heading).toBeGreaterThan(required.length);
    expect(lines[heading]).toContain('不是必交材料');
    expect(lines[heading - 1]).toBe('');
    for (const item of required) {
      const at = lineOf(lines, item);
      expect(at, item.id).toBeGreaterThan(0);
      expect(at, item.id).toBeLessThan(heading);
    }
    // The checklist may be paged: every suggestion on the first page is listed under the heading, none above it.
    const shown = suggested.filter((item) => lineOf(lines, item) >= 0);
    expect(shown.length).toBeGreaterThan(0);
    for (const item of shown) expect(lineOf(lines, item), item.id).toBeGreaterThan(heading);
    const listed = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\d+\. /.test(l));
    expect(listed.filter(([, i]) => i < heading)).toHaveLength(required.length);
    expect(listed.filter(([, i]) => i > heading)).toHaveLength(shown.length);
  });
});

describe('hebei-platform: the documents 公共服务资源整合能力 counts by', () => {
  const { items } = declaration('hebei-platform');

  it('are required with the form’s own questions and the self-assessment point, quoting 附件1', () => {
    const partners = items.find((i) => i.id === 'partner_agreements')!;
    const contracts = items.find((i) => i.id === 'purchased_service_contracts')!;
    expect([partners.suggested, contracts.suggested]).toEqual([false, false]);
    expect(partners.title).toContain('合作协议和合同');
    expect(contracts.title).toContain('已购买服务合同');
    expect(partners.requiredBy).toEqual(expect.arrayContaining(['三、服务能力 聚集服务机构（家）', '评分指标3.1']));
    expect(contracts.requiredBy).toEqual(expect.arrayContaining(['三、服务能力 汇聚政府性资源（项）', '评分指标3.1']));
    const flow = getFlow('hebei-platform');
    expect(flow.evidence.get('partner_agreements')!.quote).toBe('平台整合社会化服务资源（以合作协议和合同为准）');
    expect(flow.evidence.get('purchased_service_contracts')!.quote).toBe('汇聚政府性资源（已购买服务合同为准）');
  });

  it('while the other self-assessment documents are suggestions naming their point', () => {
    const staffing = items.find((i) => i.id === 'sa_staffing_list')!;
    expect(staffing.suggested).toBe(true);
    expect(staffing.reason).toBe('河北服务规范评价指标只给出评价要点，未列明证明材料；助手建议准备此材料以支撑“服务执行人员的配置”一项的自评。');
    expect(items.find((i) => i.id === 'sa_satisfaction_survey')!.suggested).toBe(true);
    expect(items.find((i) => i.id === 'development_plan_doc')!.suggested).toBe(true);
  });

  it('suggests the honours documents only when the platform says it has some', () => {
    const none = declaration('hebei-platform', { sa_honours_media: '否' }).items;
    expect(none.some((i) => i.id === 'sa_honours_docs')).toBe(false);
    expect(items.find((i) => i.id === 'sa_honours_docs')!.suggested).toBe(true);
  });
});

describe('hebei-base: suggestions follow the answers', () => {
  it('suggests a property certificate only for an owned service area, and requires nothing more for it', () => {
    const rented = declaration('hebei-base').items;
    const owned = declaration('hebei-base', { owned_service_area: 300 }).items;
    expect(rented.some((i) => i.id === 'sa_property_cert')).toBe(false);
    const cert = owned.find((i) => i.id === 'sa_property_cert')!;
    expect(cert.suggested).toBe(true);
    expect(owned.filter((i) => !i.suggested).map((i) => i.id)).toEqual(rented.filter((i) => !i.suggested).map((i) => i.id));
  });

  it('suggests the 服务台账 the 评价要点 asks a base to keep, without requiring it', () => {
    const ledger = declaration('hebei-base').items.find((i) => i.id === 'service_ledger')!;
    expect(ledger.title).toBe('2024年度服务台账');
    expect(ledger.suggested).toBe(true);
    expect(ledger.reason).toContain('形成服务台账');
  });
});
