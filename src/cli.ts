import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, join, relative } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FlowSchema } from './flow/schema.ts';
import { FLOWS_DIR, FlowError, getFlow, listFlowIds } from './flow/loader.ts';
import { checkFlowDir } from './flow/check.ts';
import { describeFlow, describeFill } from './flow/describe.ts';
import { fillAnswers } from './engine/fill.ts';
import { isoDateInChina } from './engine/today.ts';
import { buildScope, orgScope } from './engine/scope.ts';
import { evidenceChecklist } from './rules/evidence.ts';
import { declarationFiles, unitNamed } from './exports/declaration-files.ts';
import { headlessExport } from './exports/headless-export.ts';
import { sectionGraph } from './engine/machine-graph.ts';
import { resolveSection } from './bot/targets.ts';
import { runMigrateCommand } from './store/migrate-command.ts';
import { DatabaseUnavailableError } from './store/connect-postgres.ts';
import { DatabaseBusyError } from './store/pglite.ts';
import { startAssistant, openChat, sendNotice, feishuUsage, withDatabase, loadAllFlows } from './main.ts';
import { addPerson, addScope, createInvitation, createRoleInvitation, ensureOrganisation } from './store/people-store.ts';
import { oneOrganisation, organisationOf } from './bot/onboarding.ts';
import type { Sql } from './store/sql.ts';
import { allCampaigns, coveredEntries, createCampaign, daysUntil, DEFAULT_SCHEDULE, moveDeadline } from './store/campaign-store.ts';
import { campaignName, readCampaignRequest, readDeadline } from './bot/campaign-request.ts';
import { ReminderConfigError } from './reminders/reminder-clock.ts';
import { TelegramConfigError } from './channels/telegram/start.ts';
import { FeishuConfigError } from './channels/feishu/start.ts';
import { LinkConfigError } from './files/download-links.ts';
import { questionTitle } from './engine/format.ts';

/** The `shenbao` command line. Messages for people are Chinese; exit codes tell scripts what happened. */

const program = new Command();
program.name('shenbao').description('申报助手：示范基地与示范平台年度绩效评价申报').showHelpAfterError('（运行 shenbao --help 查看用法）');


program
  .command('start')
  .description('启动助手：有 Telegram/飞书凭据时接入对应平台，否则在控制台对话')
  .action(async () => startAssistant());

program
  .command('chat')
  .description('在控制台对话（每行一条消息，可用管道输入）')
  .option('--user <id>', '控制台用户标识（不同用户各自填写）')
  .action(async (opts: { user?: string }) => openChat(opts.user));

program
  .command('send')
  .description('发送通知：给某人（渠道上的标识或姓名）或某单位的全部填报人，经发送队列送达')
  .requiredOption('--to <unit or user>', '单位名称（可写其中一段）或用户标识')
  .option('--text <text>', '通知内容')
  .option('--file <path>', '随通知发送的文件（如通知原文、模板）')
  .action(async (opts: { to: string; text?: string; file?: string }) => {
    if ((opts.text ?? '').trim() === '' && !opts.file) {
      console.error('通知内容不能为空：请在 --text 后写要发送的话，或用 --file 指定要发送的文件。');
      process.exitCode = 2;
      return;
    }
    if (opts.file && !existsSync(opts.file)) {
      console.error(`找不到文件 ${opts.file}：请检查路径。`);
      process.exitCode = 2;
      return;
    }
    const recipients = await sendNotice(opts.to, opts.text ?? '', opts.file);
    if (recipients.length === 0) {
      console.error(`没有找到“${opts.to}”：请写用户标识（如 console-zhangsan、Telegram 用户 ID）、姓名，或已开始填报的单位名称。`);
      process.exitCode = 1;
      return;
    }
    console.log(`已加入发送队列，共 ${recipients.length} 位：${recipients.map((r) => `${r.name}（${r.channel}）`).join('、')}。对方在线时即送达，否则在下次打开对话时送达。`);
  });

program
  .command('status')
  .description('查看运行状况')
  .option('--feishu', '飞书开放平台本月已用的接口调用次数（免费版企业每月有额度）')
  .action(async (opts: { feishu?: boolean }) => {
    if (!opts.feishu) throw new UsageError('请指定要查看的内容，例如 shenbao status --feishu');
    const { month, calls, budget } = await feishuUsage();
    const share = Math.round((calls / budget) * 100);
    console.log(`飞书接口调用：${month} 月已用 ${calls} 次，额度 ${budget} 次（${share}%）。${share >= 80 ? '即将用完：请减少群发提醒，或在飞书管理后台升级套餐。' : ''}`);
    if (share >= 100) process.exitCode = 1;
  });

const admin = program.command('admin').description('人员：主管部门工作人员、协调人、邀请码');
const CHANNELS = ['telegram', 'feishu', 'console'];
const channelOf = (channel: string) => {
  if (!CHANNELS.includes(channel)) throw new UsageError(`--channel 应为 ${CHANNELS.join('、')} 之一`);
  return channel;
};
admin
  .command('add')
  .description('添加主管部门工作人员或协调人（部署时先添加第一位工作人员）')
  .requiredOption('--name <name>', '姓名')
  .requiredOption('--channel <channel>', 'telegram、feishu 或 console')
  .requiredOption('--id <id>', '在该平台上的标识：Telegram 用户 ID、飞书 open_id，或控制台的 console-<用户名>')
  .option('--role <role>', 'staff（工作人员，默认）或 coordinator（协调人）', 'staff')
  .action(async (opts: { name: string; channel: string; id: string; role: string }) => {
    if (!['staff', 'coordinator'].includes(opts.role)) throw new UsageError('--role 应为 staff 或 coordinator');
    await withDatabase((db) => db.sql.transaction((sql) => addPerson(sql, { channel: channelOf(opts.channel), externalId: opts.id, name: opts.name, role: opts.role })));
    console.log(`已添加${opts.role === 'staff' ? '主管部门工作人员' : '协调人'}：${opts.name}（${opts.channel} ${opts.id}）。`);
  });
admin
  .command('scope')
  .description('给协调人分配负责的单位：按区、按申报项目或单个单位（可多次添加）')
  .requiredOption('--channel <channel>', 'telegram、feishu 或 console')
  .requiredOption('--id <id>', '协调人在该平台上的标识')
  .option('--district <district>', '区，如 海淀区')
  .option('--flow <flow>', '申报项目 id')
  .option('--unit <unit>', '单位名称（与名录一致，可写其中一段）')
  .action(async (opts: { channel: string; id: string; district?: string; flow?: string; unit?: string }) => {
    if (!opts.district && !opts.flow && !opts.unit) throw new UsageError('请至少给出 --district、--flow 或 --unit 之一');
    if (opts.flow) getFlow(opts.flow);
    await withDatabase((db) =>
      db.sql.transaction(async (sql) => {
        const [person] = await sql.query<{ userId: string; role: string }>(
          `SELECT ci."userId", u."role" FROM "ChatIdentity" ci JOIN "User" u ON u."id" = ci."userId" WHERE ci."channel" = $1 AND ci."externalId" = $2`,
          [channelOf(opts.channel), opts.id],
        );
        if (!person || person.role !== 'coordinator') throw new UsageError('没有这位协调人：请先用 shenbao admin add --role coordinator 添加。');
        const unit = opts.unit ? await organisationFor(sql, opts.unit) : undefined;
        await addScope(sql, person.userId, { district: opts.district, flowId: opts.flow, organisationId: unit?.id });
      }),
    );
    console.log('已分配。');
  });
admin
  .command('invite')
  .description('生成一次性邀请码：填报人绑定单位（--unit），或成为协调人（--role coordinator 加负责范围）、工作人员（--role staff）')
  .option('--unit <unit>', '单位名称（与名录一致，可写其中一段）：填报人的邀请码；协调人的负责单位')
  .option('--role <role>', 'operator（填报人，默认）、coordinator（协调人）或 staff（工作人员）', 'operator')
  .option('--district <district>', '协调人负责的区县')
  .option('--flow <flow>', '协调人负责的申报项目 id')
  .option('--days <days>', '有效天数', '7')
  .action(async (opts: { unit?: string; role: string; district?: string; flow?: string; days: string }) => {
    const days = Number(opts.days);
    if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days 应为 1 到 90 之间的整数');
    if (!['operator', 'coordinator', 'staff'].includes(opts.role)) throw new UsageError('--role 应为 operator、coordinator 或 staff');
    if (opts.flow) getFlow(opts.flow);
    if (opts.role === 'operator') {
      if (!opts.unit) throw new UsageError('填报人的邀请码需要 --unit 单位名称');
      const { unit, code, expiresAt } = await withDatabase((db) =>
        db.sql.transaction(async (sql) => {
          const org = await organisationFor(sql, opts.unit!);
          return { unit: org.unit, ...(await createInvitation(sql, org.id, null, days)) };
        }),
      );
      return console.log(`${unit} 的邀请码：${code}（${expiresAt.toISOString().slice(0, 10)} 前有效，只能使用一次）`);
    }
    if (opts.role === 'coordinator' && !opts.unit && !opts.district && !opts.flow) throw new UsageError('协调人的邀请码需要负责范围：--district、--flow 或 --unit');
    const { code, expiresAt } = await withDatabase((db) =>
      db.sql.transaction(async (sql) => {
        const unit = opts.unit ? await organisationFor(sql, opts.unit) : undefined;
        const scope = opts.role === 'staff' ? [] : [unit ? { organisationId: unit.id } : { district: opts.district ?? null, flowId: opts.flow ?? null }];
        return createRoleInvitation(sql, opts.role as 'coordinator' | 'staff', scope, null, days);
      }),
    );
    console.log(`${opts.role === 'staff' ? '工作人员' : '协调人'}邀请码：${code}（${expiresAt.toISOString().slice(0, 10)} 前有效，只能使用一次）。把它发给 Telegram 或飞书中的申报助手即成为${opts.role === 'staff' ? '主管部门工作人员' : '协调人'}。`);
  });

const campaign = program.command('campaign').description('申报活动：项目、截止日期和覆盖的单位（提醒按活动发送）');
campaign
  .command('add')
  .description('创建申报活动；未完成的单位在截止前 14、7、3、1 天和当天收到提醒')
  .requiredOption('--flow <flow>', '申报项目 id（shenbao flows list 查看）')
  .requiredOption('--deadline <date>', '截止日期，如 2026-12-15（北京时间）')
  .option('--districts <list>', '只覆盖这些区县，逗号分隔（默认名录中的全部单位）')
  .option('--schedule <days>', '截止前几天提醒，逗号分隔', DEFAULT_SCHEDULE.join(','))
  .option('--feishu-budget <calls>', '本活动提醒最多调用飞书接口的次数（默认不设上限）')
  .action(async (opts: { flow: string; deadline: string; districts?: string; schedule: string; feishuBudget?: string }) => {
    const loaded = getFlow(opts.flow);
    const today = isoDateInChina();
    const deadline = readDeadline(opts.deadline, today);
    if (!deadline) throw new UsageError(`--deadline “${opts.deadline}”不是日期，请写成 2026-12-15。`);
    if (deadline < today) throw new UsageError(`截止日期 ${deadline} 已经过去。`);
    const schedule = opts.schedule.split(/[,，\s]+/).filter(Boolean).map(Number);
    if (schedule.length === 0 || schedule.some((d) => !Number.isInteger(d) || d < 0 || d > 90)) throw new UsageError('--schedule 应为 0 到 90 的整数，逗号分隔，如 14,7,3,1,0');
    const budget = opts.feishuBudget === undefined ? null : Number(opts.feishuBudget);
    if (budget !== null && (!Number.isInteger(budget) || budget < 0)) throw new UsageError('--feishu-budget 应为不小于 0 的整数');
    const districts = opts.districts ? opts.districts.split(/[,，、]/).map((d) => d.trim()).filter(Boolean) : [];
    const request = readCampaignRequest([loaded], [loaded.flow.id, deadline, ...districts].join(' '), today);
    if (!request.ok) throw new UsageError(request.problem);
    const created = await withDatabase((db) =>
      createCampaign(db.sql, { flowId: loaded.flow.id, name: campaignName(loaded), deadline, covers: districts.length ? { districts } : null, schedule, feishuBudget: budget }),
    );
    console.log(`已创建申报活动：${created.name}，截止 ${deadline}，覆盖 ${coveredEntries(loaded, created.covers).length} 家单位，提醒日：截止前 ${created.schedule.join('、')} 天。`);
  });
campaign
  .command('deadline')
  .description('改申报活动的截止日期（延期）：尚未发出的提醒按新日期重排')
  .argument('<number>', '活动编号（shenbao campaign list 中的编号）')
  .argument('<date>', '新的截止日期，如 2026-12-20')
  .action(async (number: string, date: string) => {
    const today = isoDateInChina();
    const deadline = readDeadline(date, today);
    if (!deadline) throw new UsageError(`“${date}”不是日期，请写成 2026-12-20。`);
    if (deadline < today) throw new UsageError(`截止日期 ${deadline} 已经过去。`);
    const moved = await withDatabase(async (db) => {
      const all = await allCampaigns(db.sql);
      const chosen = all.find((c) => String(c.number) === number);
      if (!chosen) throw new UsageError(`没有编号为 ${number} 的活动：用 shenbao campaign list 查看编号。`);
      if (chosen.closedAt) throw new UsageError(`“${chosen.name}”已经结束，不能延期。`);
      await db.sql.transaction((sql) => moveDeadline(sql, chosen.id, deadline));
      return chosen;
    });
    console.log(`“${moved.name}”的截止日期已从 ${moved.deadline} 改为 ${deadline}，尚未发出的提醒按新日期重排。`);
  });
campaign
  .command('list')
  .description('列出申报活动')
  .action(async () => {
    const all = await withDatabase((db) => allCampaigns(db.sql));
    if (all.length === 0) return console.log('还没有申报活动。用 shenbao campaign add --flow <项目> --deadline <日期> 创建。');
    const today = isoDateInChina();
    for (const c of all) {
      const state = c.closedAt ? '已结束' : c.deadline < today ? '已截止' : `还有 ${daysUntil(today, c.deadline)} 天`;
      console.log(`${c.number}. ${c.name}（${c.flowId}）截止 ${c.deadline}，${state}${c.covers?.districts?.length ? `，覆盖 ${c.covers.districts.join('、')}` : ''}${c.feishuBudget !== null ? `，飞书调用 ${c.feishuCalls}/${c.feishuBudget}` : ''}`);
    }
  });

/** The one directory entry a unit name names, recorded as an organisation. */
async function organisationFor(sql: Sql, name: string): Promise<{ id: string; unit: string }> {
  const found = oneOrganisation(loadAllFlows(), name);
  if (!found.ok) throw new UsageError(found.problem);
  const organisation = organisationOf(found.match);
  return { id: await ensureOrganisation(sql, organisation), unit: organisation.unitName };
}

const db = program.command('db').description('数据库');
db.command('migrate')
  .description('应用数据库迁移（DATABASE_URL 指向 PostgreSQL，否则使用 ./data 下的内嵌数据库）')
  .action(async () => console.log(await runMigrateCommand({ dataDir: process.env.SHENBAO_DATA_DIR })));

const flows = program.command('flows').description('申报项目（flows/ 下的数据）');
flows
  .command('list')
  .description('列出全部申报项目')
  .action(() => {
    for (const id of listFlowIds()) console.log(`${id}\t${getFlow(id).flow.title}`);
  });
flows
  .command('check [dirs...]')
  .description('检查项目文件：格式、题目引用、词表、证明材料、名录')
  .action((dirs: string[]) => {
    // Each argument is a flow id or a flow folder; none means every flow.
    const ids = listFlowIds();
    const targets = dirs.length ? dirs.map((d) => (ids.includes(d) ? join(FLOWS_DIR, d) : resolve(d))) : ids.map((id) => join(FLOWS_DIR, id));
    let problems = 0;
    for (const dir of targets) {
      const issues = checkFlowDir(dir);
      problems += issues.length;
      if (issues.length === 0) console.log(`✔ ${relative(process.cwd(), dir) || dir}`);
      for (const i of issues) console.log(`✘ ${relative(process.cwd(), i.file)}: ${i.path}: ${i.message}`);
    }
    if (problems) {
      console.error(`共 ${problems} 处问题。`);
      process.exitCode = 1;
    }
  });
flows
  .command('show <flow>')
  .description('显示项目的部分、题目和门槛条件')
  .option('--json', '输出 JSON')
  .action((id: string, opts: { json?: boolean }) => {
    const described = describeFlow(getFlow(id));
    if (opts.json) console.log(JSON.stringify(described, null, 2));
    else {
      console.log(`${described.title}（${described.id}，评价年度 ${described.year}）`);
      for (const s of described.sections) {
        console.log(`\n${s.title}`);
        for (const q of s.questions) console.log(`  ${questionTitle(q as never)}  [${q.id}: ${q.type}${q.required ? '' : '，选填'}]`);
      }
      console.log('\n门槛条件：');
      for (const t of described.thresholds) console.log(`  ${t.number}. ${t.text}`);
    }
  });
flows
  .command('graph <flow> [section]')
  .description('以 Mermaid 状态图显示某一部分的对话状态机（默认第一部分）')
  .action((id: string, sectionId: string | undefined) => {
    const loaded = getFlow(id);
    const section = sectionId ? resolveSection(loaded, sectionId) : loaded.flow.sections[0];
    if (!section) throw new UsageError(`没有“${sectionId}”这一部分；可用：${loaded.flow.sections.map((s) => s.id).join('、')}`);
    console.log(sectionGraph(loaded, section));
  });
flows
  .command('schema')
  .description('生成项目文件的 JSON Schema（供编辑器校验 flow.yaml）')
  .option('--out <file>', '输出文件', join(FLOWS_DIR, 'flow.schema.json'))
  .action((opts: { out: string }) => {
    writeFileSync(opts.out, `${JSON.stringify(z.toJSONSchema(FlowSchema, { io: 'input' }), null, 2)}\n`);
    console.log(`已写入 ${opts.out}`);
  });

/** The answers, tables and directory entry of a headless run, read and checked as `fill` and `export` both take them. */
function headlessInput(opts: { flow: string; answers: string; org?: string; tables?: string }) {
  const loaded = getFlow(opts.flow);
  const input = readData(opts.answers, '答案文件');
  const tables = opts.tables ? readData(opts.tables, '附表文件') : {};
  if (!tables || typeof tables !== 'object' || Array.isArray(tables)) throw new UsageError('附表文件应是一个以附表 id 为键的对象');
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new UsageError('答案文件应是一个以题目 id 为键的对象，例如 {"resident_small": 45}');
  const entry = opts.org ? loaded.directory.find((e) => String(e.seq) === opts.org) : undefined;
  if (opts.org && !entry) throw new UsageError(`名录中没有序号 ${opts.org}`);
  const env = { today: isoDateInChina(), org: orgScope(entry) };
  const result = fillAnswers(loaded, input as Record<string, unknown>, env, tables as Record<string, unknown>);
  return { loaded, env, result, ...unitNamed(loaded, env.org) };
}

program
  .command('fill')
  .description('不经对话，按题目 id 填入答案，输出门槛条件判断')
  .requiredOption('--flow <flow>', '申报项目 id')
  .requiredOption('--answers <file>', '答案文件（.json 或 .yaml，键为题目 id）')
  .option('--org <seq>', '名录序号（用于与名录比对的规则）')
  .option('--tables <file>', '附表数据（.json 或 .yaml，键为附表 id，值为行的列表），用于附表核对')
  .option('--out <dir>', '同时把申报表 Excel 写到这个文件夹')
  .option('--json', '输出 JSON')
  .action(async (opts: { flow: string; answers: string; org?: string; tables?: string; json?: boolean; out?: string }) => {
    const { loaded, env, result, unit, district } = headlessInput(opts);
    const described = describeFill(loaded, result);
    console.log(opts.json ? JSON.stringify(described, null, 2) : described.text);
    if (opts.out) {
      const [workbook] = await declarationFiles({ loaded, answers: result.answers, tables: result.tableRows, env, checklist: evidenceChecklist(loaded, result.answers, buildScope(loaded, result.answers, env)), unit, district, today: env.today });
      mkdirSync(opts.out, { recursive: true });
      writeFileSync(join(opts.out, workbook.name), workbook.bytes);
      console.error(`已写入 ${join(opts.out, workbook.name)}`);
    }
    if (result.errors.length) process.exitCode = 2;
  });

program
  .command('export')
  .description('不经对话，生成申报表 Excel、绩效报告初稿，以及（给出 --files 时）证明材料压缩包')
  .requiredOption('--flow <flow>', '申报项目 id')
  .requiredOption('--answers <file>', '答案文件（.json 或 .yaml，键为题目 id）')
  .requiredOption('--out <dir>', '输出文件夹')
  .option('--org <seq>', '名录序号（单位名称、所属区取自名录）')
  .option('--tables <file>', '附表数据（.json 或 .yaml，键为附表 id，值为行的列表）')
  .option('--files <dir>', '证明材料文件夹：每项材料一个子文件夹，以材料 id 或清单中的名称命名')
  .action(async (opts: { flow: string; answers: string; org?: string; tables?: string; files?: string; out: string }) => {
    const { loaded, env, result, unit, district } = headlessInput(opts);
    if (result.errors.length) {
      console.error(describeFill(loaded, result).text);
      throw new UsageError('答案或附表有错误（见上），没有生成文件。');
    }
    if (opts.files && !existsSync(opts.files)) throw new UsageError(`找不到证明材料文件夹 ${opts.files}`);
    const bar = process.stderr.isTTY;
    const exported = await headlessExport({
      loaded, fill: result, env, unit, district, today: env.today, out: opts.out, filesDir: opts.files,
      onProgress: (p) => {
        const percent = Math.round((100 * p.bytesDone) / Math.max(1, p.bytesTotal));
        const line = `打包第 ${p.part}/${p.parts} 个压缩包 ${'▓'.repeat(percent / 5)}${'░'.repeat(20 - Math.floor(percent / 5))} ${percent}%`;
        if (bar) process.stderr.write(`\r${line}`);
      },
    });
    if (bar) process.stderr.write('\n');
    for (const path of exported.written) console.log(path);
    if (exported.unmatched.length) console.error(`以下子文件夹没有对应的证明材料，未打包：${exported.unmatched.join('、')}（请以材料 id 或清单中的名称命名）`);
    const missing = exported.checklist.filter((i) => i.status === 'missing' && !i.suggested);
    if (opts.files && missing.length) console.error(`还缺 ${missing.length} 项证明材料：${missing.slice(0, 5).map((i) => i.title).join('；')}${missing.length > 5 ? ' 等' : ''}`);
  });

class UsageError extends Error {}

function readData(file: string, what: string): unknown {
  try {
    const text = readFileSync(file, 'utf8');
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`无法读取${what} ${file}：${(err as Error).message}`);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof FlowError) {
    console.error(err.message);
    process.exitCode = 1;
  } else if (err instanceof DatabaseUnavailableError) {
    console.error(err.chinese);
    process.exitCode = 3;
  } else if (err instanceof DatabaseBusyError) {
    console.error(err.chinese);
    process.exitCode = 3;
  } else if (err instanceof TelegramConfigError || err instanceof FeishuConfigError || err instanceof LinkConfigError || err instanceof ReminderConfigError) {
    console.error(err.message);
    process.exitCode = 2;
  } else if (err instanceof UsageError) {
    console.error(err.message);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
// Some driver keeps a timer alive for seconds after the database is closed; a finished command should end now.
process.stdout.write('', () => process.exit());
