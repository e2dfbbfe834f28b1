import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli-process.ts';
import { SECTION_ONE } from '../support/chat.ts';

/** The console channel as a process: killed with SIGKILL mid-section, started again, nothing lost. */

const dir = mkdtempSync(join(tmpdir(), 'shenbao-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { SHENBAO_DATA_DIR: join(dir, 'data') };

describe('shenbao chat survives kill -9', () => {
  it('continues at the same question with every earlier answer intact', async () => {
    const first = spawnCli(['chat', '--user', 'op'], env);
    await first.waitFor(/请先发送贵单位名称/);
    let mark = first.output().length;
    first.send('首冶新元');
    await first.waitFor(/【一】1 单位名称/, mark);
    // Answer up to 【一】8 单位从业人数, one message at a time as a person would.
    for (const line of SECTION_ONE.slice(0, 13)) {
      mark = first.output().length;
      first.send(line);
      await first.waitFor(/请(输入|回答|回复)/, mark);
    }
    expect(first.output().slice(mark)).toContain('【一】8 单位从业人数');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = spawnCli(['chat', '--user', 'op'], env);
    try {
      // (A reply the killed process printed but had not yet marked sent comes first: delivery is at least once.)
      const resumed = await second.waitFor(/欢迎回来[\s\S]*【一】8 单位从业人数/);
      expect(resumed).toContain('欢迎回来');
      mark = second.output().length;
      second.send('查看');
      const review = await second.waitFor(/要更正请回复/, mark);
      expect(review).toContain('【一】2 基地名称：首冶新元创新基地');
      expect(review).toContain('【一】4 注册时间：2015-06-01');
      expect(review).toContain('【一】6 单位性质：私营企业');
      expect(review).toContain('【一】7 是否上市：否');
      mark = second.output().length;
      second.send('120');
      await second.waitFor(/【一】9 从事中小企业服务人员的数量/, mark);
      second.child.stdin.end();
      expect(await second.exited).toBe(0);
    } finally {
      // A failed step must not leave it holding the embedded database for the next test.
      if (second.child.exitCode === null) second.child.kill('SIGKILL');
    }
  });

  it('answers a scripted conversation piped to stdin and exits', async () => {
    const piped = spawnCli(['chat', '--user', 'script'], env);
    piped.send(['首冶新元', ...SECTION_ONE, '确认', '第3节', '80', '45', '新一代信息技术、智能制造', '否'].join('\n'));
    piped.child.stdin.end();
    expect(await piped.exited).toBe(0);
    // The same organisation's declaration is shared: the second operator joins it where it stands.
    expect(piped.output()).toContain('门槛条件3：上年末入驻小型微型企业数应不低于60家（高精尖领域制造业基地不少于40家），您填写的是45家');
  });
});
