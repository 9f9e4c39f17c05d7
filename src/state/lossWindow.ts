// The loss chart's default view: the recent steps, on a y axis fitted to them. Over a whole run the
// first steps' losses (CE near ln 10) flatten everything after them near 0, so a change of T or
// kd_ratio late in a run showed only on a log axis.
import type { LossRow } from './lossSeries';

/** The steps the recent view spans. */
export const RECENT_STEPS = 200;

/** The rows of the last RECENT_STEPS steps (all of them while the run is younger). */
export function recentRows(rows: readonly LossRow[], steps = RECENT_STEPS): LossRow[] {
  const last = rows[rows.length - 1];
  if (!last) return [];
  const from = last.step - steps;
  let start = rows.length;
  while (start > 0 && rows[start - 1].step > from) start--;
  return rows.slice(start);
}

/** The y range the recent view draws: the values' own, padded by a tenth of it (not from 0). */
export function fittedRange(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  if (low > high) return [0, 1];
  const pad = (high - low) * 0.1 || Math.max(Math.abs(high) * 0.1, 1e-3);
  return [Math.max(0, low - pad), high + pad];
}
