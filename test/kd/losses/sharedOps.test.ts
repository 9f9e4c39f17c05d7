// The numerical building blocks the loss files share (src/kd/ops.ts), against torch's semantics.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, detach, l2Norm, normalize, pairwiseDistances, smoothL1Mean } from '../../../src/kd/ops';
import { adaptiveAvgPool, expectClose, expectNoLeak, flatAll, randomNhwc } from './lossTestKit';

describe('shared loss ops', () => {
  it('adaptiveAvgPool2d uses torch windows, also for non-square and non-divisible sizes', () => {
    const x = randomNhwc(601, [2, 7, 5, 3]);
    for (const [h, w] of [
      [3, 2],
      [4, 4],
      [1, 1],
      [7, 5],
    ]) {
      const pooled = tf.tidy(() => adaptiveAvgPool2d(tf.tensor4d(x), h, w));
      expect(pooled.shape).toEqual([2, h, w, 3]);
      const expected = flatAll(adaptiveAvgPool(x, h, w));
      Array.from(pooled.dataSync()).forEach((v, i) => expectClose(v, expected[i], 1e-5, 1e-6));
      pooled.dispose();
    }
  });

  it('l2Norm and normalize have torch gradients: 0 at a zero vector, not NaN', () => {
    const x = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const normGradient = tf.grad((v: tf.Tensor) => tf.sum(l2Norm(v, 1)))(x);
    Array.from(normGradient.dataSync()).forEach((g, i) => expectClose(g, [0, 0, 0.6, 0.8][i], 1e-6, 0));
    const normalizeGradient = tf.grad((v: tf.Tensor) => tf.sum(normalize(v, 1)))(x);
    Array.from(normalizeGradient.dataSync()).forEach((v) => expect(Number.isFinite(v)).toBe(true));
    tf.dispose([x, normGradient, normalizeGradient]);
  });

  it('smoothL1Mean is 0.5 d^2 inside |d| < 1 and |d| - 0.5 outside, with gradient clip(d, -1, 1)', () => {
    const input = tf.tensor1d([0, 0.5, -0.5, 1, 3, -2]);
    const target = tf.zeros([6]);
    const value = tf.tidy(() => smoothL1Mean(input, target));
    expectClose(value.dataSync()[0], (0 + 0.125 + 0.125 + 0.5 + 2.5 + 1.5) / 6, 1e-6, 0);
    const gradient = tf.grad((v: tf.Tensor) => smoothL1Mean(v, target))(input);
    Array.from(gradient.dataSync()).forEach((g, i) => expectClose(g * 6, [0, 0.5, -0.5, 1, 1, -1][i], 1e-6, 1e-7));
    tf.dispose([input, target, value, gradient]);
  });

  it('pairwiseDistances has a zero diagonal and clamps at 1e-12', () => {
    const e = tf.tensor2d([
      [0, 0],
      [3, 4],
      [3, 4],
    ]);
    const d = tf.tidy(() => pairwiseDistances(e, false));
    const values = Array.from(d.dataSync());
    expect([values[0], values[4], values[8]]).toEqual([0, 0, 0]);
    expectClose(values[1], 5, 1e-6, 0);
    expectClose(values[5], 1e-6, 1e-3, 0); // identical rows: sqrt(1e-12)
    tf.dispose([e, d]);
  });

  it('detach passes values and no gradient, and owns nothing extra', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(detach(v), v)))(x);
    expect(Array.from(gradient.dataSync())).toEqual([1, 2, 3]); // only the non-detached factor
    expectNoLeak(() => tf.tidy(() => tf.sum(detach(x))));
    tf.dispose([x, gradient]);
  });
});
