/** Built once: constructing a formatter with a time zone costs more than a whole answer's rules. */
const CHINA_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' });

/** The date the operators live by (China Standard Time), as YYYY-MM-DD: what "today" means in every rule. */
export function isoDateInChina(date: Date = new Date()): string {
  return CHINA_DATE.format(date);
}

const CHINA_MINUTE = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** A moment as China's date and time to the minute, “YYYY-MM-DD HH:mm”: when something last happened, in a listing. */
export function isoMinuteInChina(date: Date): string {
  return CHINA_MINUTE.format(date);
}

/**
 * “11月21日 14:05” (China's time), for a chat line. Built from the formatter above rather than a zh-CN one: Chinese
 * month names make V8 load ICU's Chinese calendar data, about 9 MiB, in every process that formats a date.
 */
export function shortTimeInChina(date: Date): string {
  const t = isoMinuteInChina(date);
  return `${Number(t.slice(5, 7))}月${Number(t.slice(8, 10))}日 ${t.slice(11)}`;
}
