import { describe, expect, it } from 'vitest';
import { ReminderConfigError, dueAt, isQuiet, nextAllowed, reminderClockFromEnv } from '../../src/reminders/reminder-clock.ts';
import { readCampaignRequest, readDeadline } from '../../src/bot/campaign-request.ts';
import { getFlow } from '../../src/flow/loader.ts';

/** When reminders may go (Asia/Shanghai, quiet hours) and how staff's words become a campaign. */

const china = (text: string) => new Date(`${text}+08:00`);

describe('reminder clock', () => {
  const clock = reminderClockFromEnv({});

  it('keeps quiet from 21:00 to 08:00 by default, in China time whatever the server’s zone', () => {
    expect(isQuiet(clock, china('2026-12-01T20:59:00'))).toBe(false);
    expect(isQuiet(clock, china('2026-12-01T21:00:00'))).toBe(true);
    expect(isQuiet(clock, china('2026-12-02T03:00:00'))).toBe(true);
    expect(isQuiet(clock, china('2026-12-02T07:59:00'))).toBe(true);
    expect(isQuiet(clock, china('2026-12-02T08:00:00'))).toBe(false);
  });

  it('sends a day’s reminders at 09:00, and one asked for in quiet hours at their end', () => {
    expect(dueAt(clock, '2026-12-01').toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(nextAllowed(clock, china('2026-12-01T22:30:00')).toISOString()).toBe(china('2026-12-02T08:00:00').toISOString());
    expect(nextAllowed(clock, china('2026-12-02T06:10:00')).toISOString()).toBe(china('2026-12-02T08:00:00').toISOString());
    const noon = china('2026-12-02T12:00:00');
    expect(nextAllowed(clock, noon)).toBe(noon);
  });

  it('takes other hours, or none, and refuses settings it cannot use, naming them', () => {
    const custom = reminderClockFromEnv({ SHENBAO_REMINDER_TIME: '10:30', SHENBAO_QUIET_HOURS: '22:00-07:30' });
    expect(dueAt(custom, '2026-12-01').toISOString()).toBe('2026-12-01T02:30:00.000Z');
    expect(isQuiet(custom, china('2026-12-01T07:00:00'))).toBe(true);
    expect(isQuiet(custom, china('2026-12-01T07:30:00'))).toBe(false);
    expect(isQuiet(reminderClockFromEnv({ SHENBAO_QUIET_HOURS: 'off' }), china('2026-12-01T23:00:00'))).toBe(false);
    expect(() => reminderClockFromEnv({ SHENBAO_REMINDER_TIME: '9点' })).toThrow(/SHENBAO_REMINDER_TIME=“9点”不是时间/);
    expect(() => reminderClockFromEnv({ SHENBAO_QUIET_HOURS: '21:00' })).toThrow(ReminderConfigError);
    expect(() => reminderClockFromEnv({ SHENBAO_REMINDER_TIME: '22:00' })).toThrow(/落在免打扰时段/);
  });
});

describe('a campaign as staff type it', () => {
  const flows = ['beijing-base-2023', 'beijing-platform-2024', 'hebei-base', 'hebei-platform'].map((id) => getFlow(id));
  const today = '2026-11-21';

  it('reads deadlines as people write them; a month and day without a year is the next one', () => {
    expect(readDeadline('2026-12-15', today)).toBe('2026-12-15');
    expect(readDeadline('2026年12月5日', today)).toBe('2026-12-05');
    expect(readDeadline('12月15日', today)).toBe('2026-12-15');
    expect(readDeadline('１２月１５日', today)).toBe('2026-12-15');
    expect(readDeadline('12.15', today)).toBe('2026-12-15');
    expect(readDeadline('1月10日', today)).toBe('2027-01-10');
    expect(readDeadline('2月30日', today)).toBeNull();
    expect(readDeadline('下周五', today)).toBeNull();
  });

  it('finds the programme by words of its name in order, and narrows to districts of its directory', () => {
    const beijing = readCampaignRequest(flows, '北京平台 12月20日 海淀区', today);
    expect(beijing).toMatchObject({ ok: true, deadline: '2026-12-20', districts: ['海淀区'] });
    expect(beijing.ok && beijing.loaded.flow.id).toBe('beijing-platform-2024');
    expect(readCampaignRequest(flows, 'hebei-base 12月20日', today)).toMatchObject({ ok: true });
    expect(readCampaignRequest(flows, '平台 12月20日', today)).toMatchObject({ ok: false, problem: expect.stringContaining('对应 2 个项目') });
    expect(readCampaignRequest(flows, '上海基地 12月20日', today)).toMatchObject({ ok: false, problem: expect.stringContaining('没有找到申报项目“上海基地”') });
    expect(readCampaignRequest(flows, '北京基地', today)).toMatchObject({ ok: false, problem: expect.stringContaining('请写明申报项目和截止日期') });
    expect(readCampaignRequest(flows, '北京基地 下周五', today)).toMatchObject({ ok: false, problem: expect.stringContaining('没有看懂截止日期') });
  });
});
