import { Decimal } from 'decimal.js';
import type { TableValue } from '../../engine/values.ts';
import type { Aggregate } from './annex-layout.ts';

/**
 * The figures of the computed rows (合计, 平均满意度), from the rows themselves: a total in a file is never read back,
 * it is recomputed, so a 合计 typed over, or a formula with no cached result, can never disagree with the rows.
 * Exact decimals (amounts are decimal strings); a mean to two decimals, as the percentages it averages.
 */

const MEAN_DECIMALS = 2;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The figure, as a decimal string, or null when there is nothing to compute it from (a mean of no rows). */
export function summaryFigure(rows: TableValue, columnId: string, aggregate: Aggregate): string | null {
  if (aggregate === 'count-yes') return String(rows.filter((row) => row[columnId] === true).length);
  const values = rows.map((row) => row[columnId]).filter((v): v is string | number => typeof v === 'number' || (typeof v === 'string' && DECIMAL.test(v)));
  const sum = values.reduce((acc: Decimal, v) => acc.plus(new Decimal(v)), new Decimal(0));
  if (aggregate === 'sum') return sum.toString();
  return values.length ? sum.dividedBy(values.length).toDecimalPlaces(MEAN_DECIMALS).toString() : null;
}
