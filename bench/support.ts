/**
 * Small helpers shared by the benchmarks: timing (wall and process CPU), statistics and the report lines.
 * Nothing here imports the application: the benchmarks reach it only through test/support/chat.ts and the flow loader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * Node's arguments that give a child process the V8 settings the installed program runs with (bin/shenbao.js
 * imports the same module first): a child measuring the program's memory or speed starts with these.
 */
export const PROGRAM_NODE_FLAGS = ['--import', fileURLToPath(new URL('../scripts/runtime-flags.js', import.meta.url))];

export interface Sample { wall: number; cpu: number }

/** Wall time and process CPU time (user + system, all threads) of one awaited operation, in milliseconds. */
export async function timed<T>(op: () => Promise<T>): Promise<{ sample: Sample; value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await op();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { sample: { wall, cpu: (cpu.user + cpu.system) / 1000 }, value };
}

export const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median of per-round values with their min–max: "12.3 ms [11.9–13.0]". */
export function spread(values: number[], digits = 2, unit = ' ms'): string {
  return `${median(values).toFixed(digits)}${unit} [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`;
}

export const intEnv = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** One target, judged at the end: PASS or MISS (a report, never a failing exit code). */
export interface Verdict { name: string; figure: string; target: string; pass: boolean }

export function printVerdicts(verdicts: Verdict[]): void {
  console.log('');
  console.log(machineLine());
  console.log('targets');
  const width = Math.max(...verdicts.map((v) => v.name.length));
  for (const v of verdicts) {
    console.log(`  ${v.pass ? 'PASS' : 'MISS'}  ${v.name.padEnd(width)}  ${v.figure.padStart(10)}   target ${v.target}`);
  }
}

/** A row of space-aligned columns. */
export const row = (cells: Array<string | number>, widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

/** The machine's state, printed with the figures: other work on the same cores moves them. */
export function machineLine(): string {
  const [one, five] = loadavg();
  return `machine: ${availableParallelism()} cores, load average ${one!.toFixed(2)} (1 min) ${five!.toFixed(2)} (5 min), node ${process.version}`;
}
