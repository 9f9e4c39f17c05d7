// DIST (image_classification_sota dist_kd.py): a float64 re-implementation of the Pearson
// relations with the 1e-8 on the norm product and T^2, a hand-computed case, the identity within
// the eps, extreme logits. The contract every loss keeps is in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod } from '../../../src/kd';
import {
  expectClose,
  mean,
  norm,
  randomMatrix,
  softmax,
  sum,
  transpose,
  valueOf,
  type Nested2,
} from './lossTestKit';

/** DIST in float64: T^2 * (beta * (1 - mean row pearson) + gamma * (1 - mean column pearson)). */
function referenceDist(student: Nested2, teacher: Nested2, beta: number, gamma: number, temperature: number): number {
  const ys = student.map((row) => softmax(row.map((v) => v / temperature)));
  const yt = teacher.map((row) => softmax(row.map((v) => v / temperature)));
  const pearsonRows = (a: Nested2, b: Nested2) =>
    mean(
      a.map((row, i) => {
        const ca = row.map((v) => v - mean(row));
        const cb = b[i].map((v) => v - mean(b[i]));
        return sum(ca.map((v, k) => v * cb[k])) / (norm(ca) * norm(cb) + 1e-8);
      }),
    );
  const inter = 1 - pearsonRows(ys, yt);
  const intra = 1 - pearsonRows(transpose(ys), transpose(yt));
  return temperature * temperature * (beta * inter + gamma * intra);
}

function distValue(student: Nested2, teacher: Nested2, params?: Record<string, number>): number {
  return valueOf(
    tf.tidy(() =>
      computeDistillLoss(
        'dist',
        { studentLogits: tf.tensor2d(student), teacherLogits: tf.tensor2d(teacher), labels: tf.zeros([student.length], 'int32') },
        params,
      ),
    ),
  );
}

describe('dist', () => {
  it('has the reference defaults beta 1, gamma 1, T 1 and weight 1', () => {
    const method = getMethod('dist');
    expect(Object.fromEntries(method.params.map((p) => [p.name, p.default]))).toEqual({ beta: 1, gamma: 1, temperature: 1 });
    expect(method.defaultWeight).toBe(1);
  });

  it('matches float64 for several beta, gamma and T (T^2 scaling included)', () => {
    const student = randomMatrix(91, 6, 5, 2);
    const teacher = randomMatrix(92, 6, 5, 3);
    for (const [beta, gamma, temperature] of [
      [1, 1, 1],
      [2, 0.5, 4],
      [0, 1, 2],
      [1, 0, 0.5],
    ]) {
      expectClose(distValue(student, teacher, { beta, gamma, temperature }), referenceDist(student, teacher, beta, gamma, temperature));
    }
  });

  it('checks a hand-computed case: rows and columns perfectly anti-correlated give 2 + 2', () => {
    // Two samples, two classes. Softmax rows (p, 1-p) vs (1-p, p): every row pearson is -1.
    // Columns: student (p, q), teacher (1-p, 1-q) -> anti-correlated too: both terms are 2 (up to eps).
    const student = [
      [2, 0],
      [0, 1],
    ];
    const teacher = [
      [0, 2],
      [1, 0],
    ];
    expectClose(distValue(student, teacher), referenceDist(student, teacher, 1, 1, 1));
    expectClose(distValue(student, teacher), 4, 1e-4, 1e-5);
  });

  it('matches float64 when the student equals the teacher (within what the 1e-8 allows)', () => {
    const logits = randomMatrix(93, 8, 6, 2);
    expectClose(distValue(logits, logits), referenceDist(logits, logits, 1, 1, 1), 1e-2, 2e-6);
  });

  it('matches float64 on extreme logits (+-50)', () => {
    const student = [
      [50, -50, -50],
      [-50, 50, -50],
      [50, -50, -50],
    ];
    const teacher = [
      [-50, 50, -50],
      [-50, 50, -50],
      [-50, -50, 50],
    ];
    expectClose(distValue(student, teacher), referenceDist(student, teacher, 1, 1, 1), 1e-4, 1e-5);
  });
});
