// A run's speed with its warm-up apart: the first read-back marks where the one-time costs end.
import { describe, expect, it } from 'vitest';
import { evalWarmUpSeconds, throughput } from '../../src/train/throughput';

describe('throughput', () => {
  it('measures the steady speed after the warm-up mark and the warm-up as the first steps\' time beyond it', () => {
    // 25 steps of 64 in 3 s (of which 1.4 s at the steady pace), then 175 more in 7 s.
    const speed = throughput(200, 64, 10_000, { step: 25, trainMs: 3_000 });
    expect(speed.samplesPerSecond).toBeCloseTo((200 * 64) / 10, 9);
    expect(speed.steadySamplesPerSecond).toBeCloseTo((175 * 64) / 7, 9);
    expect(speed.warmUpSeconds).toBeCloseTo(3 - (25 * 64) / ((175 * 64) / 7), 9);
  });

  it('without a mark, or with nothing after it, the steady speed is the whole run\'s and the warm-up 0', () => {
    expect(throughput(10, 32, 2_000, undefined)).toEqual({ samplesPerSecond: 160, steadySamplesPerSecond: 160, warmUpSeconds: 0 });
    expect(throughput(10, 32, 2_000, { step: 10, trainMs: 2_000 })).toEqual({ samplesPerSecond: 160, steadySamplesPerSecond: 160, warmUpSeconds: 0 });
    expect(throughput(0, 32, 0, undefined).samplesPerSecond).toBe(0);
  });

  it('never reports a negative warm-up (first steps faster than the rest)', () => {
    expect(throughput(100, 10, 10_000, { step: 50, trainMs: 1_000 }).warmUpSeconds).toBe(0);
  });

  it('takes the first curve point\'s time beyond the others\' mean as the evaluation\'s warm-up', () => {
    expect(evalWarmUpSeconds([900, 200, 300])).toBeCloseTo(0.65, 12);
    expect(evalWarmUpSeconds([100, 200, 300])).toBe(0);
    expect(evalWarmUpSeconds([900])).toBe(0);
  });
});
