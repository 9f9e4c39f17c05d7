// docs/ARCHITECTURE.md §4.2: how kd_ratio splits the weight between hard-label CE and the distillation term.
import { describe, expect, it } from 'vitest';
import { mixWeights } from '../../src/kd';

describe('mixWeights', () => {
  it('r in [0, 1): w_ce = 1 - r, w_kd = r', () => {
    expect(mixWeights(0)).toEqual({ ce: 1, kd: 0 });
    for (const r of [0.1, 0.5, 0.9, 0.999]) {
      const w = mixWeights(r);
      expect(w.ce).toBeCloseTo(1 - r, 12);
      expect(w.kd).toBe(r);
    }
  });

  it('r = 1: soft labels only (w_ce = 0, w_kd = 1)', () => {
    expect(mixWeights(1)).toEqual({ ce: 0, kd: 1 });
  });

  it('r > 1 (feature-method weights): w_ce = 1, w_kd = r', () => {
    for (const r of [1.5, 10, 1000, 3000]) expect(mixWeights(r)).toEqual({ ce: 1, kd: r });
  });

  it('is continuous from below at r = 1 and jumps back to w_ce = 1 just above it', () => {
    expect(mixWeights(0.999999).ce).toBeLessThan(1e-5);
    expect(mixWeights(1.000001).ce).toBe(1);
  });

  it('refuses a negative ratio with a message naming kd_ratio', () => {
    expect(() => mixWeights(-0.1)).toThrow(/kd_ratio/);
    expect(() => mixWeights(-5)).toThrow(/-5/);
  });
});
