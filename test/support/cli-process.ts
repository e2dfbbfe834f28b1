import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `shenbao` command in a child process, talked to through its stdin and stdout. */

const BIN = fileURLToPath(new URL('../../bin/shenbao.js', import.meta.url));

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far. */
  output(): string;
  send(line: string): void;
  /** Wait until the output printed after `from` matches; returns that part. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
    waitFor(pattern, from = 0, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
          const part = out.slice(from);
          if (pattern.test(part)) return resolve(part);
          if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            return reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out.slice(-2000)}`));
          }
          setTimeout(tick, 50);
        };
        tick();
      });
    },
  };
}
