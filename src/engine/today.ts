/** The date the operators live by (China Standard Time), as YYYY-MM-DD: what "today" means in every rule. */
export function isoDateInChina(date: Date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(date);
}
