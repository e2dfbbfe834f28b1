import type { LoadedFlow } from '../flow/loader.ts';
import type { Section } from '../flow/schema.ts';
import { sectionMachine } from './section-machine.ts';
import { questionTitle } from './format.ts';

/**
 * A section's machine as a Mermaid state diagram, read from the built XState machine itself (not from the flow file),
 * so what is drawn is what runs. `shenbao flows graph <flow> <section>` prints it.
 */

interface Node {
  id: string;
  key: string;
  type: string;
  states: Record<string, Node>;
  transitions: Map<string, { target?: Node[]; guard?: { type?: string } | string }[]>;
  always?: { target?: Node[]; guard?: { type?: string; params?: unknown } | string }[];
  parent?: Node;
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
const guardName = (guard: unknown) => (typeof guard === 'string' ? guard : ((guard as { type?: string })?.type ?? ''));

export function sectionGraph(loaded: LoadedFlow, section: Section): string {
  const machine = sectionMachine(loaded, section);
  const root = machine.root as unknown as Node;
  const lines = ['stateDiagram-v2', `  %% ${loaded.flow.id} ${section.ref}${section.title}`, `  [*] --> ${mermaidId(root.states.next.id)}`];
  const seen = new Set<string>();
  const edge = (from: Node, to: Node, label: string) => {
    const line = `  ${mermaidId(from.id)} --> ${mermaidId(to.id)}: ${label}`;
    if (!seen.has(line)) lines.push(line);
    seen.add(line);
  };
  const walk = (node: Node) => {
    const question = loaded.questions.get(node.key);
    if (question && node.parent === root) lines.push(`  state "${questionTitle(question).replace(/"/g, "'")}" as ${mermaidId(node.id)}`);
    for (const [event, list] of node.transitions) {
      if (event === 'JUMP') continue; // every question is a JUMP target: drawn once below
      for (const t of list) for (const target of t.target ?? []) edge(node, target, `${event}${t.guard ? ` [${guardName(t.guard)}]` : ''}`);
    }
    for (const t of node.always ?? []) for (const target of t.target ?? []) edge(node, target, `${t.guard ? guardName(t.guard) : 'otherwise'}`);
    for (const child of Object.values(node.states)) walk(child);
  };
  for (const child of Object.values(root.states)) walk(child);
  lines.push(`  note right of ${mermaidId(root.states.review.id)}: 修改 N（JUMP）可从任何状态回到任一题`);
  return lines.join('\n');
}
