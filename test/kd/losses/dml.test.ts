// DML: KL(peer || self) with batchmean and T^2, checked against float64; the peer never gets
// gradient from the term even when both networks run in one taped closure.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod } from '../../../src/kd';
import {
  expectClose,
  expectNoLeak,
  expectStudentOnlyGradients,
  gradientReport,
  logSoftmax,
  permuteBatch,
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

  it('is ~0 for identical networks, order-invariant, and finite on extreme logits', () => {
    const logits = randomMatrix(105, 6, 5, 3);
    expect(Math.abs(dmlValue(logits, logits))).toBeLessThan(1e-6);
    const peer = randomMatrix(106, 6, 5, 3);
    const order = [5, 4, 3, 2, 1, 0];
    expectClose(dmlValue(permuteBatch(logits, order), permuteBatch(peer, order)), dmlValue(logits, peer), 1e-5, 1e-6);
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

  it('trains only the network it is computed for, even with the peer inside the taped closure', () => {
    const report = gradientReport([tf.tensor2d(randomMatrix(107, 3, 4))], [tf.tensor2d(randomMatrix(108, 3, 4))], ([self], [peer]) =>
      computeDistillLoss('dml', { studentLogits: self as tf.Tensor2D, teacherLogits: peer as tf.Tensor2D, labels: tf.zeros([3], 'int32') }),
    );
    expectStudentOnlyGradients(report);
  });

  it('leaves no tensor behind', () => {
    const studentLogits = tf.tensor2d(randomMatrix(109, 2, 3));
    const teacherLogits = tf.tensor2d(randomMatrix(110, 2, 3));
    const labels = tf.zeros([2], 'int32') as tf.Tensor1D;
    expectNoLeak(() => computeDistillLoss('dml', { studentLogits, teacherLogits, labels }));
    tf.dispose([studentLogits, teacherLogits, labels]);
  });
});
