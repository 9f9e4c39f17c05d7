// The running sums between two curve points: a flush gives the mean losses of the steps since the
// previous flush and the train accuracy over their images, then starts again from zero.
import { describe, expect, it } from 'vitest';
import { MetricsAccumulator } from '../../src/train/metricsAccumulator';
import type { EvalPoint, StepPoint } from '../../src/train/runTypes';
import type { ReadStep } from '../../src/train/stepReadback';

function read(step: number, losses: { ce: number; kd: number; total: number }, terms: Record<string, number>, correct: number, peer?: StepPoint['peer'] & { correct: number }): ReadStep {
  const point: StepPoint = { step, epoch: 0, ...losses, terms };
  if (peer) point.peer = { ce: peer.ce, kd: peer.kd, total: peer.total };
  return { point, correct, peerCorrect: peer ? peer.correct : null };
}

const evalPoint = (step: number, trainAccuracy = 0): EvalPoint => ({ step, epoch: step / 10, trainAccuracy, valAccuracy: 0.5, testAccuracy: 0.25 });

describe('MetricsAccumulator', () => {
  it('flushes the mean of the steps since the last flush, then counts from zero', () => {
    const sums = new MetricsAccumulator(['kd', 'at']);
    sums.add(read(1, { ce: 1, kd: 2, total: 3 }, { kd: 2, at: 10 }, 4), 8);
    sums.add(read(2, { ce: 3, kd: 4, total: 7 }, { kd: 4, at: 20 }, 6), 8);
    expect(sums.trainAccuracy).toBe(10 / 16);
    const first = sums.flush(evalPoint(2, sums.trainAccuracy));
    expect(first).toEqual({ step: 2, epoch: 0.2, trainAccuracy: 10 / 16, valAccuracy: 0.5, testAccuracy: 0.25, ce: 2, kd: 3, total: 5, terms: { kd: 3, at: 15 } });
    // The next flush sees only the step added after the first one.
    expect(sums.trainAccuracy).toBe(0);
    sums.add(read(3, { ce: 5, kd: 1, total: 6 }, { kd: 1, at: 2 }, 8), 8);
    expect(sums.trainAccuracy).toBe(1);
    const second = sums.flush(evalPoint(3));
    expect(second).toMatchObject({ ce: 5, kd: 1, total: 6, terms: { kd: 1, at: 2 } });
  });

  it('a flush with no step since the last one reports zeros, not NaN', () => {
    const sums = new MetricsAccumulator(['kd']);
    expect(sums.flush(evalPoint(0))).toMatchObject({ ce: 0, kd: 0, total: 0, terms: { kd: 0 } });
  });

  it('keeps a line for every chart term, R-Drop included, and ignores values that are not a chart line', () => {
    const sums = new MetricsAccumulator(['kd', 'rdrop']);
    sums.add(read(1, { ce: 1, kd: 2, total: 3 }, { kd: 2, rdrop: 0.5, other: 9 }, 0), 4);
    sums.add(read(2, { ce: 1, kd: 4, total: 3 }, { kd: 4, rdrop: 1.5 }, 0), 4);
    expect(sums.flush(evalPoint(2)).terms).toEqual({ kd: 3, rdrop: 1 });
  });

  it("averages DML's peer losses and counts its correct answers over the same images", () => {
    const sums = new MetricsAccumulator([]);
    sums.add(read(1, { ce: 1, kd: 0, total: 1 }, {}, 2, { ce: 2, kd: 1, total: 3, correct: 1 }), 4);
    sums.add(read(2, { ce: 1, kd: 0, total: 1 }, {}, 2, { ce: 4, kd: 3, total: 7, correct: 3 }), 4);
    expect(sums.peerTrainAccuracy).toBe(4 / 8);
    const point: EvalPoint = { ...evalPoint(2, sums.trainAccuracy), peer: { trainAccuracy: sums.peerTrainAccuracy, valAccuracy: 0.75, testAccuracy: 1 } };
    const entry = sums.flush(point);
    expect(entry.peer).toEqual({ trainAccuracy: 0.5, valAccuracy: 0.75, testAccuracy: 1, ce: 3, kd: 2, total: 5 });
    expect(entry.trainAccuracy).toBe(0.5);
    expect(sums.peerTrainAccuracy).toBe(0);
    // A run without a peer gets no peer entry.
    expect(sums.flush(evalPoint(3)).peer).toBeUndefined();
  });
});
