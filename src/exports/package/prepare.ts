import { catalogueDocx } from './catalogue.ts';
import { CATALOGUE_NAME, packageLayout, type LayoutInput, type PackageLayout } from './folders.ts';
import { fillCatalogue, planPackage, type PackagePlan } from './plan.ts';

/**
 * From the checklist and the attached files to a plan ready for writePackage: the layout, the parts, and the 目录 in
 * the first part. The 目录 names the parts and the parts must hold the 目录, so: plan with room reserved for it, build
 * it from that plan, and if it came out larger than the room, plan again with more room (a few KB of slack makes
 * one more round the most there ever is).
 */

export interface PackageInput extends LayoutInput {
  unitName: string;
  limitBytes?: number;
}

export interface PreparedPackage {
  layout: PackageLayout;
  plan: PackagePlan;
}

/** Room kept beyond the last measured 目录: different part numbers change its size by bytes, not kilobytes. */
const CATALOGUE_SLACK = 4096;

export async function preparePackage(input: PackageInput): Promise<PreparedPackage> {
  const layout = packageLayout(input);
  const { loaded, unitName, limitBytes } = input;
  // Both Beijing flows carry the guide's words on packaging in this item; a refusal quotes its e-mail route.
  const packagingRule = emailRoute(loaded.evidence.get('evidence_package')?.detail)?.replaceAll('XX公司', unitName);
  let reserve = 0;
  for (let round = 0; round < 5; round++) {
    const plan = planPackage({ unitName, folders: layout.folders, extras: layout.topLevel, catalogue: { name: CATALOGUE_NAME, size: reserve }, limitBytes, packagingRule });
    const catalogue = await catalogueDocx({ unitName, programme: loaded.flow.title, layout, plan });
    if (catalogue.length <= reserve) return { layout, plan: fillCatalogue(plan, catalogue) };
    reserve = catalogue.length + CATALOGUE_SLACK;
  }
  throw new Error('catalogue size did not settle');
}

/** The clauses of the packaging rule that say where to send materials too large to upload. */
function emailRoute(rule: string | undefined): string | undefined {
  if (!rule) return undefined;
  const clauses = rule.split(/(?<=[。；;])/).filter((clause) => clause.includes('邮箱'));
  return clauses.length ? clauses.join('').replace(/[；;]$/, '。') : rule;
}
