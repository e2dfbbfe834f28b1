/** Dates and deadlines as people read them in messages: “12月15日”, “距截止（12月15日）还有 7 天”. */

/** YYYY-MM-DD (or an ISO time) as “12月15日”. */
export const monthDay = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

/** How far a deadline is, from `daysLeft` whole days (0: today). */
export function whenText(deadline: string, daysLeft: number): string {
  if (daysLeft === 0) return `今天（${monthDay(deadline)}）截止`;
  if (daysLeft === 1) return `明天（${monthDay(deadline)}）截止`;
  return `距截止（${monthDay(deadline)}）还有 ${daysLeft} 天`;
}
