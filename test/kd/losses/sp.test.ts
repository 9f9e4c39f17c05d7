// SP (RepDistiller Similarity): a float64 re-implementation of the formula, a hand-computed case,
// identities (scale, all-zero maps). The contract every loss keeps is in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  expectClose,
  flattenSamples,
  matMul,
  normalizeVector,
  randomNhwc,
  sum,
  tensor4d,
  transpose,
  valueOf,
  zerosNhwc,
  type Nested4,
} from './lossTestKit';

/** sum((G_t - G_s)^2) / B^2 with G = row-normalised F F^T, in float64. */
function referenceSpPair(student: Nested4, teacher: Nested4): number {
  const gram = (f: Nested4) => {
    const flat = flattenSamples(f);
    return matMul(flat, transpose(flat)).map((row) => normalizeVector(row));
  };
  const gs = gram(student);
  const gt = gram(teacher);
  const b = student.length;
  return sum(gt.flatMap((row, i) => row.map((v, j) => (v - gs[i][j]) ** 2))) / (b * b);
}

function featureInputs(students: Nested4[], teachers: Nested4[]): DistillInputs {
  const b = students[0].length;
  return {
    studentLogits: tf.zeros([b, 2]),
    teacherLogits: tf.zeros([b, 2]),
    labels: tf.zeros([b], 'int32'),
    studentFeatures: students.map(tensor4d),
    teacherFeatures: teachers.map(tensor4d),
  };
}

const spValue = (students: Nested4[], teachers: Nested4[]) =>
  valueOf(tf.tidy(() => computeDistillLoss('sp', featureInputs(students, teachers))));

describe('sp', () => {
  it('has no knobs and the reference weight 3000', () => {
    const method = getMethod('sp');
    expect(method.params).toEqual([]);
    expect(method.defaultWeight).toBe(3000);
  });

  it('matches float64 per pair and sums the pairs (any spatial size or width)', () => {
    const pairs: [Nested4, Nested4][] = [
      [randomNhwc(51, [5, 4, 4, 3], 1, true), randomNhwc(52, [5, 2, 2, 8], 2, true)],
      [randomNhwc(53, [5, 3, 3, 2]), randomNhwc(54, [5, 3, 3, 4])],
    ];
    const perPair = pairs.map(([s, t]) => referenceSpPair(s, t));
    pairs.forEach(([s, t], i) => expectClose(spValue([s], [t]), perPair[i]));
    expectClose(spValue(pairs.map((p) => p[0]), pairs.map((p) => p[1])), perPair[0] + perPair[1]);
  });

  it('checks a hand-computed case: B = 2, one value per sample', () => {
    // F_s = [[1], [2]] -> F F^T = [[1, 2], [2, 4]] -> rows normalised: both [1, 2] / sqrt 5.
    // F_t = [[1], [-1]] -> [[1, -1], [-1, 1]] -> [1, -1] / sqrt 2 and [-1, 1] / sqrt 2.
    const student = [[[[1]]], [[[2]]]];
    const teacher = [[[[1]]], [[[-1]]]];
    const s = [1 / Math.sqrt(5), 2 / Math.sqrt(5)];
    const t = [
      [1 / Math.SQRT2, -1 / Math.SQRT2],
      [-1 / Math.SQRT2, 1 / Math.SQRT2],
    ];
    const expected = (sum(t[0].map((v, j) => (v - s[j]) ** 2)) + sum(t[1].map((v, j) => (v - s[j]) ** 2))) / 4;
    expectClose(spValue([student], [teacher]), expected);
  });

  it('is 0 when the student equals the teacher (all-zero maps too), and invariant to the scale of a map', () => {
    const feature = randomNhwc(55, [4, 3, 3, 5]);
    expect(spValue([feature], [feature])).toBeLessThan(1e-12);
    const zeros = zerosNhwc([3, 2, 2, 2]);
    expect(spValue([zeros], [zeros])).toBe(0);
    const scaled = feature.map((s) => s.map((row) => row.map((px) => px.map((v) => v * 7))));
    expect(spValue([scaled], [feature])).toBeLessThan(1e-10);
  });
});
