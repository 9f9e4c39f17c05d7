// The loss rows carry every term by method id and, for DML, the peer's losses, each smoothed.
import { describe, expect, it } from 'vitest';
import { LossSeries, SMOOTHING } from '../../src/state/lossSeries';

describe('LossSeries terms and peer', () => {
  it('keeps one value per term and smooths each on its own', () => {
    const series = new LossSeries();
    series.push([
      { step: 1, epoch: 0, ce: 2, kd: 3, total: 4, terms: { kd: 1, at: 2 } },
      { step: 2, epoch: 0, ce: 2, kd: 3, total: 4, terms: { kd: 3, at: 0 } },
    ]);
    const [first, second] = series.view(10);
    expect(first.terms).toEqual({ kd: 1, at: 2 });
    // Debiased: the first smoothed value is the value itself.
    expect(first.termsSmooth.kd).toBeCloseTo(1, 10);
    const weight = 1 - SMOOTHING * SMOOTHING;
    expect(second.termsSmooth.kd).toBeCloseTo((SMOOTHING * (1 - SMOOTHING) * 1 + (1 - SMOOTHING) * 3) / weight, 10);
    expect(second.termsSmooth.at).toBeCloseTo((SMOOTHING * (1 - SMOOTHING) * 2) / weight, 10);
    expect(first.peer).toBeUndefined();
  });

  it('carries the peer student’s losses, and clear() starts the smoothing afresh', () => {
    const series = new LossSeries();
    series.push([{ step: 1, epoch: 0, ce: 1, kd: 0.5, total: 1.5, terms: { dml: 0.5 }, peer: { ce: 2, kd: 0.25, total: 2.25 } }]);
    expect(series.view(10)[0].peer).toEqual({ ce: 2, kd: 0.25, total: 2.25 });
    expect(series.view(10)[0].peerSmooth?.ce).toBeCloseTo(2, 10);
    series.clear();
    series.push([{ step: 1, epoch: 0, ce: 1, kd: 0.5, total: 1.5, terms: { dml: 0.5 }, peer: { ce: 7, kd: 1, total: 8 } }]);
    expect(series.view(10)[0].peerSmooth?.ce).toBeCloseTo(7, 10);
    expect(series.view(10)[0].termsSmooth.dml).toBeCloseTo(0.5, 10);
  });
});
