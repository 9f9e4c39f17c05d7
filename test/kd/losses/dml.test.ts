// DML: KL(peer || self) with batchmean and T^2, checked against float64, directional. That the
// peer gets no gradient even inside the taped closure is the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod } from '../../../src/kd';
import {
  expectClose,
  logSoftmax,
  randomMatrix,
  valueOf,
  type Nested2,
} from './lossTestKit';

/** T^2 * sum_b KL(softmax(peer_b / T) || softmax(self_b / T)) / B in float64. */
function referenceDml(self: Nested2, peer: Nested2, temperature: number): number {
  let total = 0;
  self.forEach((row, b) => {
    const logSelf = logSoftmax(row.map((v) => v / temperature));
    const logPeer = logSoftmax(peer[b].map((v) => v / temperature));
    logPeer.forEach((lp, c) => {
      total += Math.exp(lp) * (lp - logSelf[c]);
    });
  });
  return (temperature * temperature * total) / self.length;
}

function dmlValue(self: Nested2, peer: Nested2, params?: Record<string, number>): number {
  return valueOf(
    tf.tidy(() =>
      computeDistillLoss(
        'dml',
        { studentLogits: tf.tensor2d(self), teacherLogits: tf.tensor2d(peer), labels: tf.zeros([self.length], 'int32') },
        params,
      ),
    ),
  );
}

describe('dml', () => {
  it('is a mutual method with T 1 and weight 1', () => {
    const method = getMethod('dml');
    expect(method.kind).toBe('mutual');
    expect(method.params.map((p) => [p.name, p.default])).toEqual([['temperature', 1]]);
    expect(method.defaultWeight).toBe(1);
  });

  it('matches float64 KL(peer || self), at T 1 and at other temperatures', () => {
    const self = randomMatrix(101, 5, 4, 2);
    const peer = randomMatrix(102, 5, 4, 2);
    expectClose(dmlValue(self, peer), referenceDml(self, peer, 1));
    expectClose(dmlValue(self, peer, { temperature: 3 }), referenceDml(self, peer, 3));
  });

  it('is directional: the two networks see different terms', () => {
    const a = randomMatrix(103, 4, 3, 3);
    const b = randomMatrix(104, 4, 3);
    expectClose(dmlValue(b, a), referenceDml(b, a, 1));
    expect(Math.abs(dmlValue(a, b) - dmlValue(b, a))).toBeGreaterThan(1e-3);
  });

  it('is ~0 (below 1e-6) for identical networks, and matches float64 on extreme logits', () => {
    const logits = randomMatrix(105, 6, 5, 3);
    expect(Math.abs(dmlValue(logits, logits))).toBeLessThan(1e-6);
    const extreme = [
      [50, -50],
      [-50, 50],
    ];
    const flipped = [
      [-50, 50],
      [-50, 50],
    ];
    expectClose(dmlValue(extreme, flipped), referenceDml(extreme, flipped, 1));
  });
});
