// PKT (RepDistiller PKT, the author's code): a float64 re-implementation with its eps on the norms
// and inside the log, identities, invariances, all-zero embeddings, gradients, ownership.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  disposeInputs,
  expectClose,
  expectNoLeak,
  expectStudentOnlyGradients,
  gradientReport,
  mean,
  norm,
  permuteBatch,
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

  it('is 0 when the student equals the teacher, and ~0 when it is a rescaled copy', () => {
    const e = randomMatrix(143, 5, 3);
    expect(Math.abs(pktValue(e, e))).toBeLessThan(1e-7);
    expect(Math.abs(pktValue(e.map((row) => row.map((v) => v * 5)), e))).toBeLessThan(1e-6);
  });

  it('is unchanged when student and teacher are reordered the same way', () => {
    const student = randomMatrix(144, 5, 3);
    const teacher = randomMatrix(145, 5, 6);
    const order = [4, 0, 3, 1, 2];
    expectClose(pktValue(permuteBatch(student, order), permuteBatch(teacher, order)), pktValue(student, teacher), 1e-5, 1e-8);
  });

  it('is finite with finite gradients on all-zero embeddings', () => {
    const zeros = [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    expect(pktValue(zeros, zeros)).toBe(0);
    const report = gradientReport([tf.tensor2d(zeros)], [tf.tensor2d(randomMatrix(146, 3, 2))], ([s], [t]) =>
      computeDistillLoss('pkt', { ...embeddingInputs(zeros, zeros), studentEmbedding: s as tf.Tensor2D, teacherEmbedding: t as tf.Tensor2D }),
    );
    expect(report.allGradientsFinite).toBe(true);
  });

  it('sends gradient to the student embedding only', () => {
    const report = gradientReport([tf.tensor2d(randomMatrix(147, 4, 3))], [tf.tensor2d(randomMatrix(148, 4, 5))], ([s], [t]) =>
      computeDistillLoss('pkt', { ...embeddingInputs([[0]], [[0]]), studentEmbedding: s as tf.Tensor2D, teacherEmbedding: t as tf.Tensor2D }),
    );
    expectStudentOnlyGradients(report);
  });

  it('leaves no tensor behind', () => {
    const inputs = embeddingInputs(randomMatrix(149, 3, 2), randomMatrix(150, 3, 4));
    expectNoLeak(() => computeDistillLoss('pkt', inputs));
    disposeInputs(inputs);
  });
});
