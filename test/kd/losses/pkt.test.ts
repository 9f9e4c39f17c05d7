// PKT (RepDistiller PKT, the author's code): a float64 re-implementation with its eps on the norms
// and inside the log, a hand-computed case, identities. The contract every loss keeps is in
// contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  expectClose,
  mean,
  norm,
  randomMatrix,
  sum,
  valueOf,
  type Nested2,
} from './lossTestKit';

const EPS = 1e-7;

/** PKT.cosine_similarity_loss in float64. */
function referencePkt(student: Nested2, teacher: Nested2): number {
  const distributions = (e: Nested2) => {
    const unit = e.map((row) => row.map((v) => v / (norm(row) + EPS)));
    const kernel = unit.map((a) => unit.map((b) => (sum(a.map((v, k) => v * b[k])) + 1) / 2));
    return kernel.map((row) => row.map((v) => v / sum(row)));
  };
  const ps = distributions(student).flat();
  const pt = distributions(teacher).flat();
  return mean(pt.map((t, i) => t * Math.log((t + EPS) / (ps[i] + EPS))));
}

function embeddingInputs(student: Nested2, teacher: Nested2): DistillInputs {
  return {
    studentLogits: tf.zeros([student.length, 2]),
    teacherLogits: tf.zeros([student.length, 2]),
    labels: tf.zeros([student.length], 'int32'),
    studentEmbedding: tf.tensor2d(student),
    teacherEmbedding: tf.tensor2d(teacher),
  };
}

const pktValue = (student: Nested2, teacher: Nested2) =>
  valueOf(tf.tidy(() => computeDistillLoss('pkt', embeddingInputs(student, teacher))));

describe('pkt', () => {
  it('has no knobs and the reference weight 30000', () => {
    expect(getMethod('pkt').params).toEqual([]);
    expect(getMethod('pkt').defaultWeight).toBe(30000);
  });

  it('matches float64 with different widths', () => {
    const student = randomMatrix(141, 6, 4);
    const teacher = randomMatrix(142, 6, 10, 3);
    expectClose(pktValue(student, teacher), referencePkt(student, teacher));
    const relu = (m: Nested2) => m.map((row) => row.map((v) => Math.max(v, 0)));
    expectClose(pktValue(relu(student), relu(teacher)), referencePkt(relu(student), relu(teacher)));
  });

  it('checks a hand-computed case: two orthogonal teacher rows, two parallel student rows', () => {
    // Teacher cosines [[1, 0], [0, 1]] -> K = [[1, .5], [.5, 1]] -> P = [[2/3, 1/3], [1/3, 2/3]];
    // student cosines all 1 -> P = 1/2 everywhere (norm eps ignored at this precision).
    const teacher = [
      [1, 0],
      [0, 1],
    ];
    const student = [
      [1, 1],
      [2, 2],
    ];
    const expected = (2 * (2 / 3) * Math.log((2 / 3 + EPS) / (0.5 + EPS)) + 2 * (1 / 3) * Math.log((1 / 3 + EPS) / (0.5 + EPS))) / 4;
    expectClose(pktValue(student, teacher), expected);
  });

  it('is 0 when the student equals the teacher (all-zero ones too), and ~0 when it is a rescaled copy', () => {
    const e = randomMatrix(143, 5, 3);
    expect(Math.abs(pktValue(e, e))).toBeLessThan(1e-7);
    const zeros = [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    expect(pktValue(zeros, zeros)).toBe(0);
    expect(Math.abs(pktValue(e.map((row) => row.map((v) => v * 5)), e))).toBeLessThan(1e-6);
  });
});
