// The loss chart's default view: the recent steps on an axis fitted to them.
import { describe, expect, it } from 'vitest';
import { fittedRange, recentRows, RECENT_STEPS } from '../../src/state/lossWindow';
import type { LossRow } from '../../src/state/lossSeries';

const row = (step: number, total: number): LossRow => ({ step, ce: total, kd: 0, total, ceSmooth: total, kdSmooth: 0, totalSmooth: total, terms: {}, termsSmooth: {} });

describe('the recent view', () => {
  it('keeps the rows of the last RECENT_STEPS steps, or all of a younger run', () => {
    const rows = Array.from({ length: 100 }, (_, i) => row(5 * (i + 1), 1));
    const recent = recentRows(rows);
    expect(recent[0].step).toBe(500 - RECENT_STEPS + 5);
    expect(recent.at(-1)!.step).toBe(500);
    expect(recent).toHaveLength(RECENT_STEPS / 5);
    expect(recentRows(rows.slice(0, 10))).toHaveLength(10);
    expect(recentRows([])).toEqual([]);
  });

  it('fits the axis to the values shown, padded, never below 0: a step from 0.30 to 0.22 fills the chart instead of 3 % of it', () => {
    const [low, high] = fittedRange([0.3, 0.29, 0.31, 0.22, 0.21]);
    expect(low).toBeCloseTo(0.21 - 0.01, 12);
    expect(high).toBeCloseTo(0.31 + 0.01, 12);
    // Over the whole run the axis ran from 0 to the first CE (2.3): the same change was 4 % of its height.
    expect((0.3 - 0.22) / (high - low)).toBeGreaterThan(0.6);
    expect(fittedRange([0.01, 0.5])[0]).toBe(0);
    expect(fittedRange([2, 2])).toEqual([1.8, 2.2]);
    expect(fittedRange([Number.NaN])).toEqual([0, 1]);
  });
});
