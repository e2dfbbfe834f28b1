/** Built once: constructing a formatter with a time zone costs more than a whole answer's rules. */
const CHINA_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' });

/** The date the operators live by (China Standard Time), as YYYY-MM-DD: what "today" means in every rule. */
export function isoDateInChina(date: Date = new Date()): string {
  return CHINA_DATE.format(date);
}
