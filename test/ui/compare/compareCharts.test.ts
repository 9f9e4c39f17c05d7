import { describe, expect, it } from 'vitest';
import { accuracyAxis } from '../../../src/ui/compare/CompareCharts';

describe('the accuracy axis of the Compare curves', () => {
  it('zooms to the data with round ticks, so runs at 97.8 % and 99.2 % are told apart', () => {
    const axis = accuracyAxis([0.978, 0.985, 0.992], false);
    expect(axis.domain[0]).toBeGreaterThan(0.9);
    expect(axis.domain[0]).toBeLessThanOrEqual(0.978);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(0.992);
    expect(axis.domain[1]).toBeLessThanOrEqual(1);
    expect(axis.ticks[0]).toBe(axis.domain[0]);
    expect(axis.ticks.length).toBeGreaterThanOrEqual(3);
  });

  it('stays within 0–100 %, and spans it on the toggle or without data', () => {
    const wide = accuracyAxis([0.001, 0.999], false);
    expect(wide.domain).toEqual([0, 1]);
    expect(accuracyAxis([0.978, 0.992], true)).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(accuracyAxis([Number.NaN], false).domain).toEqual([0, 1]);
    // One value: a small window around it, not a zero-height axis.
    const flat = accuracyAxis([0.5, 0.5], false);
    expect(flat.domain[0]).toBeLessThan(0.5);
    expect(flat.domain[1]).toBeGreaterThan(0.5);
  });
});
