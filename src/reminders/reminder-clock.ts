/**
 * When reminders may go out, in Asia/Shanghai (the programmes' time, wherever the server runs): at a time of day
 * (SHENBAO_REMINDER_TIME, default 09:00), never in quiet hours (SHENBAO_QUIET_HOURS, default 21:00-08:00; “off” for
 * none). A reminder that falls due in quiet hours waits for their end.
 */

export interface ReminderClock {
  /** Minutes after midnight a day's reminders fall due. */
  sendAt: number;
  /** Quiet hours as minutes after midnight, [start, end): may wrap past midnight; null: none. */
  quiet: { start: number; end: number } | null;
}

/** A reminder setting that cannot be used; its message names the variable and what to write. */
export class ReminderConfigError extends Error {}

const TIME = /^([01]?\d|2[0-3])(?::([0-5]\d))?$/;

function minutes(text: string, setting: string): number {
  const m = text.trim().match(TIME);
  if (!m) throw new ReminderConfigError(`${setting}=“${text}”不是时间，请写成 09:00 这样的 24 小时制时间。`);
  return Number(m[1]) * 60 + Number(m[2] ?? 0);
}

/** The settings, checked at start-up: a wrong one is said at once, in Chinese, naming the variable. */
export function reminderClockFromEnv(env: NodeJS.ProcessEnv = process.env): ReminderClock {
  const sendAt = minutes(env.SHENBAO_REMINDER_TIME || '09:00', 'SHENBAO_REMINDER_TIME');
  const quietText = (env.SHENBAO_QUIET_HOURS ?? '21:00-08:00').trim();
  if (quietText === '' || /^(off|none|0|否|无)$/i.test(quietText)) return { sendAt, quiet: null };
  const parts = quietText.split(/\s*[-–—~至到]\s*/);
  if (parts.length !== 2) throw new ReminderConfigError(`SHENBAO_QUIET_HOURS=“${quietText}”应写成“21:00-08:00”（开始-结束），或 off 表示不设免打扰。`);
  const quiet = { start: minutes(parts[0], 'SHENBAO_QUIET_HOURS'), end: minutes(parts[1], 'SHENBAO_QUIET_HOURS') };
  const clock = { sendAt, quiet: quiet.start === quiet.end ? null : quiet };
  if (isQuietMinute(clock, sendAt)) throw new ReminderConfigError(`SHENBAO_REMINDER_TIME（${env.SHENBAO_REMINDER_TIME || '09:00'}）落在免打扰时段 ${quietText} 内，提醒将永远发不出。请调整其中一个。`);
  return clock;
}

/** Minutes after midnight in Asia/Shanghai (UTC+8 all year: China has no daylight saving). */
export function minuteInChina(now: Date): number {
  return Math.floor(((now.getTime() / 60_000) + 8 * 60) % (24 * 60));
}

function isQuietMinute(clock: ReminderClock, minute: number): boolean {
  const q = clock.quiet;
  if (!q) return false;
  return q.start < q.end ? minute >= q.start && minute < q.end : minute >= q.start || minute < q.end;
}

export function isQuiet(clock: ReminderClock, now: Date): boolean {
  return isQuietMinute(clock, minuteInChina(now));
}

/** The moment a reminder of `day` (YYYY-MM-DD) falls due. */
export function dueAt(clock: ReminderClock, day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`) + clock.sendAt * 60_000);
}

/** `now`, or the end of the quiet hours it falls in: when a reminder asked for now may go. */
export function nextAllowed(clock: ReminderClock, now: Date): Date {
  if (!isQuiet(clock, now) || !clock.quiet) return now;
  const minute = minuteInChina(now);
  const wait = (clock.quiet.end - minute + 24 * 60) % (24 * 60);
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 + wait * 60_000);
}

/** “08:00” for messages. */
export function clockText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
