// SP (RepDistiller Similarity): a float64 re-implementation of the formula, identities, the
// consistent-reordering invariance, shapes, all-zero features, gradients, ownership.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  disposeInputs,
  expectClose,
  expectNoLeak,
  expectStudentOnlyGradients,
  flattenSamples,
  gradientReport,
  matMul,
  normalizeVector,
  permuteBatch,
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

  it('is 0 when the student equals the teacher, and invariant to the scale of a map', () => {
    const feature = randomNhwc(55, [4, 3, 3, 5]);
    expect(spValue([feature], [feature])).toBeLessThan(1e-12);
    const scaled = feature.map((s) => s.map((row) => row.map((px) => px.map((v) => v * 7))));
    expect(spValue([scaled], [feature])).toBeLessThan(1e-10);
  });

  it('is unchanged when student and teacher batches are reordered the same way', () => {
    const student = randomNhwc(56, [6, 2, 2, 3]);
    const teacher = randomNhwc(57, [6, 2, 2, 4]);
    const order = [5, 3, 1, 0, 2, 4];
    expectClose(spValue([permuteBatch(student, order)], [permuteBatch(teacher, order)]), spValue([student], [teacher]), 1e-5, 1e-7);
  });

  it('refuses pairs with different batch sizes, naming both shapes', () => {
    expect(() => spValue([randomNhwc(58, [3, 2, 2, 1])], [randomNhwc(59, [4, 2, 2, 1])])).toThrow(
      /SP pair 1: student batch 3 and teacher batch 4 differ \(student \[3,2,2,1\], teacher \[4,2,2,1\]\)/,
    );
    const logitsOnly = { studentLogits: tf.zeros([1, 1]), teacherLogits: tf.zeros([1, 1]), labels: tf.zeros([1], 'int32') } as DistillInputs;
    expect(() => computeDistillLoss('sp', logitsOnly)).toThrow(/SP needs feature maps/);
    disposeInputs(logitsOnly);
  });

  it('is finite with finite gradients on all-zero features', () => {
    const zeros = zerosNhwc([3, 2, 2, 2]);
    expect(spValue([zeros], [zeros])).toBe(0);
    const report = gradientReport([tensor4d(zeros)], [tensor4d(randomNhwc(60, [3, 2, 2, 2]))], ([s], [t]) =>
      computeDistillLoss('sp', { ...featureInputs([zeros], [zeros]), studentFeatures: [s as tf.Tensor4D], teacherFeatures: [t as tf.Tensor4D] }),
    );
    expect(report.allGradientsFinite).toBe(true);
  });

  it('sends gradient to the student maps only', () => {
    const students = [randomNhwc(61, [4, 2, 2, 3]), randomNhwc(62, [4, 1, 1, 5])];
    const teachers = [randomNhwc(63, [4, 4, 4, 2]), randomNhwc(64, [4, 1, 1, 6])];
    const report = gradientReport(students.map(tensor4d), teachers.map(tensor4d), (s, t) =>
      computeDistillLoss('sp', { ...featureInputs(students, teachers), studentFeatures: s as tf.Tensor4D[], teacherFeatures: t as tf.Tensor4D[] }),
    );
    expectStudentOnlyGradients(report);
  });

  it('leaves no tensor behind', () => {
    const inputs = featureInputs([randomNhwc(65, [3, 2, 2, 2])], [randomNhwc(66, [3, 2, 2, 4])]);
    expectNoLeak(() => computeDistillLoss('sp', inputs));
    disposeInputs(inputs);
  });
});
