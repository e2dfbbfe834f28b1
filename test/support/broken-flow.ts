import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { FLOWS_DIR } from '../../src/flow/loader.ts';
import { checkFlowDir } from '../../src/flow/check.ts';

/** `flows check` on the shipped flows broken in one place, for the tests of its rules. */

let copies = 0;

/** A copy of the shipped flows under `root` with one file of one flow changed as text; returns that flow's folder. */
export function brokenCopy(root: string, id: string, file: string, change: (text: string) => string): string {
  const flows = join(root, `flows-${++copies}`);
  cpSync(FLOWS_DIR, flows, { recursive: true });
  const path = join(flows, id, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
  return join(flows, id);
}

/** The same with the flow's YAML changed as data. */
export const brokenFlow = (root: string, id: string, change: (flow: any) => void): string =>
  brokenCopy(root, id, 'flow.yaml', (text) => {
    const flow = parseYaml(text);
    change(flow);
    return stringify(flow);
  });

/** The problems `flows check` reports for such a copy, as `path: message`. */
export const checkProblems = (root: string, id: string, change: (flow: any) => void) => checkFlowDir(brokenFlow(root, id, change)).map((i) => `${i.path}: ${i.message}`);
