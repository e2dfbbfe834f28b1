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
