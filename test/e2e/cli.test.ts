import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowSchema } from '../../src/flow/schema.ts';
import { listFlowIds } from '../../src/flow/loader.ts';

/** The headless command line: what scripts and editors of flow files rely on. */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/shenbao.js');
const tmp = mkdtempSync(join(tmpdir(), 'shenbao-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function shenbao(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return shenbaoWith({}, ...args);
}

async function shenbaoWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const Shown = z.object({
  id: z.string(),
  year: z.number(),
  sections: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      questions: z.array(z.object({ id: z.string(), label: z.string(), type: z.string(), required: z.boolean(), unit: z.string().optional(), choices: z.array(z.string()).optional(), ref: z.string() })),
    }),
  ),
  thresholds: z.array(z.object({ number: z.number(), text: z.string() })),
});

describe('flows show --json', () => {
  it('prints every flow with labels worded as in the seed', async () => {
    const ids = listFlowIds();
    expect(ids).toEqual(['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform']);
    const { stdout, code } = await shenbao('flows', 'show', 'beijing-base-2023', '--json');
    expect(code).toBe(0);
    const shown = Shown.parse(JSON.parse(stdout));
    expect(shown.year).toBe(2023);
    expect(shown.sections.map((s) => s.title)).toEqual(['【一】基本情况', '【二】经营服务情况', '【三】入驻企业情况', '【四】激励条件情况', '【五】基地简介', '【六】绩效报告', '【七】联系方式', '【八】附件材料']);
    const q = shown.sections[2].questions.find((x) => x.id === 'resident_small')!;
    expect(q).toMatchObject({ label: '其中小微企业家数', type: 'integer', required: true, unit: '家' });
    expect(shown.sections[1].questions.find((x) => x.id === 'assets_current')!.label).toBe('2023年度资产总额（万元）');
    expect(shown.thresholds).toHaveLength(10);
    expect(shown.thresholds[2].text).toContain('不低于60家');
  });

  it('the platform flow renders its year into labels and lists the six categories', async () => {
    const shown = Shown.parse(JSON.parse((await shenbao('flows', 'show', 'beijing-platform-2024', '--json')).stdout));
    expect(shown.thresholds).toHaveLength(11);
    const category = shown.sections[0].questions.find((q) => q.id === 'service_category')!;
    expect(category.choices).toEqual(['综合咨询', '创业辅导', '技术创新', '数字化应用', '人力资源', '融资促进']);
    const labels = shown.sections.flatMap((s) => s.questions.map((q) => q.label)).join('\n');
    expect(labels).toContain('2024年度');
    expect(labels).not.toMatch(/\{(prev_)?year\}/);
  });

  it('an unknown flow is named with the available ones', async () => {
    const { code, stderr } = await shenbao('flows', 'show', 'beijing-base-2099');
    expect(code).not.toBe(0);
    expect(stderr).toContain('没有名为“beijing-base-2099”的申报项目');
    expect(stderr).toContain('beijing-base-2023');
  });
});

describe('flows check', () => {
  it('passes on every shipped flow', async () => {
    const { code, stdout } = await shenbao('flows', 'check');
    expect(code).toBe(0);
    expect(stdout.match(/✔/g)).toHaveLength(4);
  });

  it('fails with file and path on a condition naming a question that does not exist', async () => {
    const dir = join(tmp, 'flows');
    cpSync(join(ROOT, 'flows'), dir, { recursive: true });
    const file = join(dir, 'beijing-base-2023', 'flow.yaml');
    const flow = parseYaml(readFileSync(file, 'utf8'));
    flow.sections[1].questions[3].when = 'has_fundd';
    writeFileSync(file, stringify(flow));
    const { code, stdout } = await shenbao('flows', 'check', join(dir, 'beijing-base-2023'));
    expect(code).toBe(1);
    expect(stdout).toContain('beijing-base-2023/flow.yaml: sections.1.questions.3.when: 表达式引用了不存在的题目或常量“has_fundd”');
  });

  it('fails on a schema error with its path', async () => {
    const dir = join(tmp, 'flows2');
    cpSync(join(ROOT, 'flows'), dir, { recursive: true });
    const file = join(dir, 'hebei-base', 'flow.yaml');
    const flow = parseYaml(readFileSync(file, 'utf8'));
    flow.sections[0].questions[0].type = 'integr';
    writeFileSync(file, stringify(flow));
    const { code, stdout } = await shenbao('flows', 'check', join(dir, 'hebei-base'));
    expect(code).toBe(1);
    expect(stdout).toMatch(/hebei-base\/flow\.yaml: sections\.0\.questions\.0(\.type)?: /);
  });

  it('the committed JSON Schema for editors matches the zod schema', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'flows/flow.schema.json'), 'utf8'));
    expect(committed).toEqual(z.toJSONSchema(FlowSchema, { io: 'input' }));
  });
});

describe('db migrate', () => {
  it('applies the migrations to a new embedded database once, then says it is up to date', async () => {
    const env = { SHENBAO_DATA_DIR: join(tmp, 'migrate-db') };
    const first = await shenbaoWith(env, 'db', 'migrate');
    expect(first.code).toBe(0);
    const count = readdirSync(join(import.meta.dirname, '../../prisma/migrations'), { withFileTypes: true }).filter((e) => e.isDirectory()).length;
    expect(first.stdout).toMatch(new RegExp(`内置数据库（.*migrate-db）：已应用 ${count} 个新迁移`));
    const again = await shenbaoWith(env, 'db', 'migrate');
    expect(again.stdout).toContain(`数据库已是最新（已应用 ${count} 个迁移）`);
  });

  it('a database held by another live process is refused in Chinese', async () => {
    const folder = join(tmp, 'busy-db');
    writeFileSync(`${folder}.lock`, `${process.pid}@${(await import('node:os')).hostname()}`);
    const busy = await shenbaoWith({ SHENBAO_DATA_DIR: folder }, 'db', 'migrate');
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain('正被另一个进程');
    expect(busy.stderr).toContain('DATABASE_URL');
  });
});

describe('flows graph', () => {
  it('draws a section machine as Mermaid, one state per question, from the machine that runs', async () => {
    const { code, stdout } = await shenbao('flows', 'graph', 'beijing-base-2023', '三');
    expect(code).toBe(0);
    expect(stdout.startsWith('stateDiagram-v2')).toBe(true);
    expect(stdout).toContain('state "【三】1 截至上年末入驻企业家数" as residents_resident_total');
    expect(stdout).toContain('residents_next --> residents_resident_small: isPending');
    expect(stdout).toContain('residents_resident_small_asking --> residents_next: ANSWER');
    expect(stdout).toContain('residents_review --> residents_done: CONFIRM [allAnswered]');
    // The derived 集聚度 is computed, never asked: it has no state.
    expect(stdout).not.toContain('residents_concentration');
  });
});

describe('fill', () => {
  const answers = join(ROOT, 'test/fixtures/answers/beijing-base-2023.yaml');

  it('a complete declaration passes every threshold', async () => {
    const { code, stdout } = await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', answers, '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.thresholds.map((t: { status: string }) => t.status)).toEqual(Array(10).fill('pass'));
    expect(out.missing).toEqual([]);
    expect(out.derived.concentration).toBe(75);
  });

  it('45 small enterprises fail threshold 3, unless the base is 高精尖 manufacturing', async () => {
    const base = parseYaml(readFileSync(answers, 'utf8'));
    const file = join(tmp, 'a45.json');
    writeFileSync(file, JSON.stringify({ ...base, resident_small: 45 }));
    const out = JSON.parse((await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', file, '--json')).stdout);
    expect(out.thresholds[2]).toMatchObject({ number: 3, status: 'fail' });
    expect(out.thresholds[2].reason).toContain('您填写的是45家');
    writeFileSync(file, JSON.stringify({ ...base, resident_small: 45, gjj_manufacturing: true, leading_industry_enterprises: 70 }));
    const gjj = JSON.parse((await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', file, '--json')).stdout);
    expect(gjj.thresholds[2]).toMatchObject({ number: 3, status: 'pass' });
  });

  it('malformed input exits non-zero naming the bad field', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ resident_total: 'sixty', resident_smal: 45, reg_date: '2030-01-01' }));
    const { code, stdout } = await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', file);
    expect(code).toBe(2);
    expect(stdout).toContain('resident_total（【三】1 截至上年末入驻企业家数）：“sixty”不是有效的数字');
    expect(stdout).toContain('“resident_smal”不是本项目的题目 id');
    expect(stdout).toContain('reg_date');
    expect(stdout).toContain('不能晚于今天');
  });

  it('an unreadable answers file is a clear error', async () => {
    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{ not json');
    const { code, stderr } = await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', file);
    expect(code).toBe(2);
    expect(stderr).toContain('无法读取答案文件');
  });
});

describe('send', () => {
  it('a notice to a person or to a unit’s operators reaches the console through the outbox, once', async () => {
    const env = { SHENBAO_DATA_DIR: join(tmp, 'send-db') };
    const chat = (user: string, input: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(process.execPath, [BIN, 'chat', '--user', user], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
        child.stdin!.end(input);
      });
    await chat('zhangsan', '首冶新元\n');

    const toPerson = await shenbaoWith(env, 'send', '--to', 'zhangsan', '--text', '请在周五前补齐【三】入驻企业情况。');
    expect(toPerson.code).toBe(0);
    expect(toPerson.stdout).toContain('已加入发送队列，共 1 位：zhangsan（console）');
    const toUnit = await shenbaoWith(env, 'send', '--to', '首冶新元', '--text', '评审会改到下周二。');
    expect(toUnit.stdout).toContain('共 1 位');

    const next = await chat('zhangsan', '');
    expect(next).toContain('📢 通知：请在周五前补齐【三】入驻企业情况。');
    expect(next).toContain('📢 通知：评审会改到下周二。');
    // Before the conversation picks up again, in the order they were sent.
    expect(next.indexOf('请在周五前')).toBeLessThan(next.indexOf('评审会'));
    expect(next.indexOf('评审会')).toBeLessThan(next.indexOf('欢迎回来'));
    // Sent is sent: the next start does not repeat them.
    expect(await chat('zhangsan', '')).not.toContain('📢');

    const nobody = await shenbaoWith(env, 'send', '--to', '不存在的人', '--text', '你好');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('没有找到“不存在的人”');

    // A file with the notice: the console says a file came (it cannot show one).
    const template = join(tmp, '附表模板.xlsx');
    writeFileSync(template, 'PK template');
    const withFile = await shenbaoWith(env, 'send', '--to', 'zhangsan', '--text', '附表模板见附件。', '--file', template);
    expect(withFile.code).toBe(0);
    expect(await chat('zhangsan', '')).toContain('📎 文件“附表模板.xlsx”');
    const missing = await shenbaoWith(env, 'send', '--to', 'zhangsan', '--file', join(tmp, '没有这个文件.pdf'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('找不到文件');
  });
});

describe('export', () => {
  it('writes the workbook, the report draft and the evidence package from files, with the evidence filed by item', async () => {
    const answers = join(ROOT, 'test/fixtures/answers/beijing-base-2023.yaml');
    const files = join(tmp, 'evidence');
    mkdirSync(join(files, 't6_staff_list'), { recursive: true });
    writeFileSync(join(files, 't6_staff_list', 'IMG_2031.pdf'), '%PDF-1.4 名单');
    mkdirSync(join(files, '不是材料的文件夹'), { recursive: true });
    const out = join(tmp, 'export-out');
    const { code, stdout, stderr } = await shenbao('export', '--flow', 'beijing-base-2023', '--answers', answers, '--org', '1', '--files', files, '--out', out);
    expect(code, stderr).toBe(0);
    const written = readdirSync(out).sort();
    expect(written).toEqual(['北京首冶新元科技发展有限公司-2023年度绩效报告（初稿）.docx', '北京首冶新元科技发展有限公司-2023年度绩效评价申报表.xlsx', '北京首冶新元科技发展有限公司.zip']);
    expect(stdout).toContain('北京首冶新元科技发展有限公司.zip');
    expect(stderr).toContain('以下子文件夹没有对应的证明材料，未打包：不是材料的文件夹');
    expect(stderr).toMatch(/还缺 \d+ 项证明材料/);
  });

  it('fill --out writes the workbook beside the verdicts', async () => {
    const out = join(tmp, 'fill-out');
    const { code } = await shenbao('fill', '--flow', 'beijing-base-2023', '--answers', join(ROOT, 'test/fixtures/answers/beijing-base-2023.yaml'), '--out', out);
    expect(code).toBe(0);
    expect(readdirSync(out)).toEqual(['申报单位-2023年度绩效评价申报表.xlsx']);
  });
});

describe('admin', () => {
  it('adds the first staff member and a coordinator with a district, and issues an invitation code; bad input says what to write', async () => {
    const env = { SHENBAO_DATA_DIR: join(tmp, 'admin-db') };
    const staff = await shenbaoWith(env, 'admin', 'add', '--name', '局里小王', '--channel', 'telegram', '--id', '10001');
    expect(staff.stdout).toContain('已添加主管部门工作人员：局里小王（telegram 10001）');
    expect((await shenbaoWith(env, 'admin', 'add', '--name', '李协调', '--channel', 'feishu', '--id', 'ou_abc', '--role', 'coordinator')).code).toBe(0);
    expect((await shenbaoWith(env, 'admin', 'scope', '--channel', 'feishu', '--id', 'ou_abc', '--district', '昌平区')).stdout).toContain('已分配');
    const invite = await shenbaoWith(env, 'admin', 'invite', '--unit', '首冶新元');
    expect(invite.stdout).toMatch(/北京首冶新元科技发展有限公司 的邀请码：SB[2-9A-Z]{8}（\d{4}-\d{2}-\d{2} 前有效，只能使用一次）/);
    const vague = await shenbaoWith(env, 'admin', 'invite', '--unit', '北京');
    expect(vague.code).toBe(2);
    expect(vague.stderr).toContain('请写得更完整些');
    expect((await shenbaoWith(env, 'admin', 'add', '--name', 'x', '--channel', 'wechat', '--id', '1')).stderr).toContain('--channel 应为');
  });
});

describe('campaign', () => {
  it('opens a campaign, moves its deadline and lists it; a date that is no date or is past is refused', async () => {
    const env = { SHENBAO_DATA_DIR: join(tmp, 'campaign-db') };
    const day = (days: number) => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    const added = await shenbaoWith(env, 'campaign', 'add', '--flow', 'beijing-base-2023', '--deadline', day(30), '--districts', '海淀区,昌平区');
    expect(added.stdout).toMatch(/已创建申报活动：北京市小型微型企业创业创新示范基地2023年度绩效评价，截止 \d{4}-\d{2}-\d{2}，覆盖 \d+ 家单位，提醒日：截止前 14、7、3、1、0 天。/);
    const moved = await shenbaoWith(env, 'campaign', 'deadline', '1', day(40));
    expect(moved.stdout).toContain(`截止日期已从 ${day(30)} 改为 ${day(40)}`);
    expect((await shenbaoWith(env, 'campaign', 'list')).stdout).toContain(`1. 北京市小型微型企业创业创新示范基地2023年度绩效评价（beijing-base-2023）截止 ${day(40)}，还有 40 天，覆盖 海淀区、昌平区`);
    const wrong = await shenbaoWith(env, 'campaign', 'add', '--flow', 'beijing-base-2023', '--deadline', '下周五');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('不是日期');
    expect((await shenbaoWith(env, 'campaign', 'add', '--flow', 'beijing-base-2023', '--deadline', day(30), '--districts', '火星区')).stderr).toContain('“火星区”不是该项目名录中的区县');
    expect((await shenbaoWith(env, 'campaign', 'deadline', '7', day(40))).stderr).toContain('没有编号为 7 的活动');
  });

  it('issues a coordinator’s and a staff member’s code', async () => {
    const env = { SHENBAO_DATA_DIR: join(tmp, 'role-codes-db') };
    expect((await shenbaoWith(env, 'admin', 'invite', '--role', 'coordinator', '--district', '海淀区')).stdout).toMatch(/协调人邀请码：SB[2-9A-Z]{8}（.*即成为协调人/);
    expect((await shenbaoWith(env, 'admin', 'invite', '--role', 'staff')).stdout).toMatch(/工作人员邀请码：SB[2-9A-Z]{8}/);
    expect((await shenbaoWith(env, 'admin', 'invite', '--role', 'coordinator')).stderr).toContain('协调人的邀请码需要负责范围');
  });
});

describe('status', () => {
  it('reports the Feishu API calls of the month against the budget', async () => {
    const result = await shenbaoWith({ SHENBAO_DATA_DIR: join(tmp, 'status-db'), FEISHU_MONTHLY_CALL_BUDGET: '500' }, 'status', '--feishu');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/飞书接口调用：\d{4}-\d{2} 月已用 0 次，额度 500 次（0%）/);
  });
});
