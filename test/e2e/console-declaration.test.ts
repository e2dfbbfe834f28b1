import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli-process.ts';

/** A whole Beijing base 2023 declaration typed into `shenbao chat`, the way `printf … | npx shenbao chat` runs it. */

const dir = mkdtempSync(join(tmpdir(), 'shenbao-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = readFileSync(fileURLToPath(new URL('../fixtures/conversations/beijing-base-2023.txt', import.meta.url)), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'));

describe('the console channel', () => {
  it('takes a complete declaration from stdin to the final verdicts', async () => {
    const chat = spawnCli(['chat', '--user', 'whole'], { SHENBAO_DATA_DIR: join(dir, 'data') });
    chat.send(script.join('\n'));
    chat.child.stdin.end();
    expect(await chat.exited).toBe(0);
    const out = chat.output();
    for (const ref of ['【一】基本情况', '【二】经营服务情况', '【三】入驻企业情况', '【四】激励条件情况', '【五】基地简介', '【六】绩效报告', '【七】联系方式', '【八】附件材料']) {
      expect(out).toContain(`✅ ${ref} 已完成`);
    }
    expect(out).toContain('🎉 全部 8 个部分已填写完成');
    const finale = out.slice(out.indexOf('🎉'), out.indexOf('» 进度'));
    expect(finale.match(/✅ 满足　门槛条件\d+/g)).toHaveLength(10);
    expect(out).not.toContain('❌');
    expect(out).toContain('已回答 89/89 题');
    // Inputs written the way people write them were understood.
    expect(out).toContain('【一】4 注册时间：2015-06-01');
    expect(out).toContain('【一】8 单位从业人数：120人');
    expect(out).toContain('【二】2 基金规模（万元）');
    expect(out).not.toMatch(/不是有效|不在选项中|不能为空/);
  });
});
