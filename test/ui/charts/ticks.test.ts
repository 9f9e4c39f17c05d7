import { describe, expect, it } from 'vitest';
import { decadeTicks, formatLoss, niceTicks, stepAxis } from '../../../src/ui/charts/ticks';

describe('decadeTicks (the log-scale loss axis)', () => {
  it('spans the decades from the smallest positive value to the largest', () => {
    // A recipe: the AT term near 0.005 next to KD near 16.
    expect(decadeTicks(0.0051, 16.2)).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(decadeTicks(0.3, 2.3)).toEqual([0.1, 1, 10]);
  });

  it('gives at least two ticks, and a usable axis when nothing is positive yet', () => {
    expect(decadeTicks(1, 1)).toEqual([1, 10]);
    expect(decadeTicks(Infinity, 0)).toEqual([0.1, 1, 10]);
  });
});

describe('niceTicks and stepAxis', () => {
  it('cover the range with round steps', () => {
    const ticks = niceTicks(0, 17.3, 5);
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(17.3);
    const steps = ticks.slice(1).map((t, i) => t - ticks[i]);
    expect(new Set(steps.map((s) => s.toFixed(9))).size).toBe(1);
    const axis = stepAxis(1, 120);
    expect(axis.domain[0]).toBeLessThanOrEqual(1);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(120);
  });
});

describe('formatLoss (the loss readouts and tooltip)', () => {
  it('keeps a small term visible instead of printing 0.000', () => {
    expect(formatLoss(0.00044)).toBe('4.4e-4');
    expect(formatLoss(-0.00044)).toBe('-4.4e-4');
    expect(formatLoss(0)).toBe('0.000');
    expect(formatLoss(0.0123)).toBe('0.012');
    expect(formatLoss(2.345)).toBe('2.35');
    expect(formatLoss(123.4)).toBe('123');
    expect(formatLoss(Number.NaN)).toBe('NaN');
  });
});
