// RKD (RepDistiller RKDLoss): a float64 re-implementation of the distance and angle terms,
// duplicated samples, identities (scale), the batch of one refused. The contract every loss keeps
// is in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  expectClose,
  mean,
  normalizeVector,
  randomMatrix,
  sum,
  valueOf,
  type Nested2,
} from './lossTestKit';

const smoothL1 = (a: number, b: number) => {
  const d = Math.abs(a - b);
  return d < 1 ? 0.5 * d * d : d - 0.5;
};

/** RKDLoss.forward in float64. */
function referenceRkd(student: Nested2, teacher: Nested2, wDistance: number, wAngle: number): number {
  const pdist = (e: Nested2) =>
    e.map((a, i) =>
      e.map((b, j) => {
        if (i === j) return 0;
        const squared = sum(a.map((v) => v * v)) + sum(b.map((v) => v * v)) - 2 * sum(a.map((v, k) => v * b[k]));
        return Math.sqrt(Math.max(squared, 1e-12));
      }),
    );
  const normalized = (e: Nested2) => {
    const d = pdist(e);
    const positive = d.flat().filter((v) => v > 0);
    return d.flat().map((v) => v / mean(positive));
  };
  const angles = (e: Nested2) => {
    const out: number[] = [];
    e.forEach((ei) => {
      const directions = e.map((ej) => normalizeVector(ej.map((v, k) => v - ei[k])));
      directions.forEach((u) => directions.forEach((v) => out.push(sum(u.map((x, k) => x * v[k])))));
    });
    return out;
  };
  const ds = normalized(student);
  const dt = normalized(teacher);
  const as = angles(student);
  const at = angles(teacher);
  return wDistance * mean(ds.map((v, i) => smoothL1(v, dt[i]))) + wAngle * mean(as.map((v, i) => smoothL1(v, at[i])));
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

const rkdValue = (student: Nested2, teacher: Nested2, params?: Record<string, number>) =>
  valueOf(tf.tidy(() => computeDistillLoss('rkd', embeddingInputs(student, teacher), params)));

describe('rkd', () => {
  it('has the reference weights wDistance 25, wAngle 50 and loss weight 1', () => {
    const method = getMethod('rkd');
    expect(Object.fromEntries(method.params.map((p) => [p.name, p.default]))).toEqual({ wDistance: 25, wAngle: 50 });
    expect(method.defaultWeight).toBe(1);
    expect(method.kind).toBe('relation');
  });

  it('matches float64, each term alone and together, with different widths', () => {
    const student = randomMatrix(121, 6, 4);
    const teacher = randomMatrix(122, 6, 9, 2);
    expectClose(rkdValue(student, teacher), referenceRkd(student, teacher, 25, 50));
    expectClose(rkdValue(student, teacher, { wDistance: 1, wAngle: 0 }), referenceRkd(student, teacher, 1, 0));
    expectClose(rkdValue(student, teacher, { wDistance: 0, wAngle: 1 }), referenceRkd(student, teacher, 0, 1));
  });

  it('excludes zero distances (duplicated samples) from the mean, as the reference does', () => {
    const base = randomMatrix(123, 4, 3);
    const student = [...base, base[0]]; // sample 4 duplicates sample 0: d = 0 off the diagonal
    const teacher = randomMatrix(124, 5, 3);
    expectClose(rkdValue(student, teacher, { wDistance: 1, wAngle: 0 }), referenceRkd(student, teacher, 1, 0));
  });

  it('is ~0 when the student equals the teacher, and invariant to the scale of the embedding', () => {
    const e = randomMatrix(125, 5, 6);
    expect(rkdValue(e, e)).toBeLessThan(1e-6);
    expect(rkdValue(e.map((row) => row.map((v) => v * 10)), e)).toBeLessThan(1e-4);
  });

  it('refuses a batch of one: it relates samples to each other', () => {
    expect(() => rkdValue(randomMatrix(130, 1, 2), randomMatrix(131, 1, 2))).toThrow(/at least 2/);
  });
});
