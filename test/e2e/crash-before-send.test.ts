import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';

/** A bot killed between committing an answer and sending its reply: after the restart the reply goes out once. */

const dir = mkdtempSync(join(tmpdir(), 'shenbao-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCRIPT = fileURLToPath(new URL('../support/crash-before-send.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(mode: string): Promise<{ signal: NodeJS.Signals | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, join(dir, 'data'), mode], { cwd: ROOT }, (error, stdout) => {
      const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, lines });
    });
  });
}

describe('kill -9 after the commit, before the reply', () => {
  it('the redelivered message changes nothing, and the reply that was never sent is sent once', async () => {
    const died = await run('die');
    expect(died.signal).toBe('SIGKILL');
    expect(died.lines).toContainEqual({ committed: true });
    // The reply to 是 never went out: the operator would be left without the next question.
    expect(died.lines.filter((l) => String(l.delivered ?? '').includes('基地名称'))).toHaveLength(0);

    const restarted = await run('redeliver');
    expect(restarted.signal).toBeNull();
    expect(restarted.lines[0]).toEqual({ duplicate: true });
    const replies = restarted.lines.filter((l) => 'delivered' in l);
    expect(replies).toHaveLength(1);
    expect(replies[0].delivered).toContain('【一】2 基地名称');
    expect(restarted.lines).toContainEqual({ drainedAgain: 0 });

    const db = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      expect(await db.prisma.answer.count({ where: { questionId: 'unit_name' } })).toBe(1);
      expect(await db.prisma.answerHistory.count({ where: { questionId: 'unit_name' } })).toBe(1);
      expect(await db.prisma.outbox.count({ where: { sentAt: null } })).toBe(0);
    } finally {
      await db.close();
    }
  });
});
