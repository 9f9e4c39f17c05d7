// AT (RepDistiller Attention): golden per-pair values and their sum from the PyTorch reference,
// a float64 re-implementation (including the pooling of a larger map), identities, the refused
// pooling. What every loss must do (scalar, no leak, finite, gradients, batch order, missing or
// unpaired layers) is checked for every method in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  adaptiveAvgPool,
  expectClose,
  flattenSamples,
  loadGolden,
  mean,
  normalizeVector,
  randomNhwc,
  shape4,
  tensor4d,
  valueOf,
  zerosNhwc,
  type Nested4,
} from './lossTestKit';

const golden = loadGolden();

/** RepDistiller's at_loss in float64 (NHWC input): pool the larger map, channel mean of f^p, normalize, MSE. */
function referenceAtPair(student: Nested4, teacher: Nested4, p: number): number {
  const sh = shape4(student)[1];
  const th = shape4(teacher)[1];
  const s = sh > th ? adaptiveAvgPool(student, th, th) : student;
  const t = th > sh ? adaptiveAvgPool(teacher, sh, sh) : teacher;
  const attention = (f: Nested4) =>
    flattenSamples(f.map((sample) => sample.map((row) => row.map((px) => [mean(px.map((v) => v ** p))])))).map((row) =>
      normalizeVector(row),
    );
  const as = attention(s).flat();
  const at = attention(t).flat();
  return mean(as.map((v, i) => (v - at[i]) ** 2));
}

function featureInputs(students: Nested4[], teachers: Nested4[]): DistillInputs {
  return {
    studentLogits: tf.zeros([students[0].length, 2]),
    teacherLogits: tf.zeros([students[0].length, 2]),
    labels: tf.zeros([students[0].length], 'int32'),
    studentFeatures: students.map(tensor4d),
    teacherFeatures: teachers.map(tensor4d),
  };
}

function atValue(students: Nested4[], teachers: Nested4[], params?: Record<string, number>): number {
  return valueOf(tf.tidy(() => computeDistillLoss('at', featureInputs(students, teachers), params)));
}

describe('at', () => {
  it('has the reference default p = 2 and weight 1000', () => {
    const method = getMethod('at');
    expect(method.params.map((p) => [p.name, p.default])).toEqual([['p', 2]]);
    expect(method.defaultWeight).toBe(1000);
    expect(method.kind).toBe('features');
  });

  describe('golden values from RepDistiller (test/golden/losses.json)', () => {
    for (const goldenCase of golden ?? []) {
      const pairs = goldenCase.inputs.feature_pairs;
      for (const expected of goldenCase.expected.at) {
        it(`${goldenCase.name}: each pair, p ${expected.params.p}`, () => {
          pairs.forEach((pair, i) => {
            expectClose(atValue([pair.student], [pair.teacher], expected.params), expected.per_pair[i]);
          });
        });
        it(`${goldenCase.name}: the sum over pairs, p ${expected.params.p}`, () => {
          const value = atValue(
            pairs.map((pair) => pair.student),
            pairs.map((pair) => pair.teacher),
            expected.params,
          );
          expectClose(value, expected.value);
        });
      }
    }
  });

  it('matches float64 on signed features, another p, and different channel counts', () => {
    const student = randomNhwc(31, [3, 4, 4, 5]);
    const teacher = randomNhwc(32, [3, 4, 4, 7], 2);
    for (const p of [1, 2, 3, 4]) {
      expectClose(atValue([student], [teacher], { p }), referenceAtPair(student, teacher, p));
    }
  });

  it('pools the larger map to the smaller one as the reference does (divisible and not)', () => {
    const small = randomNhwc(33, [2, 4, 4, 3], 1, true);
    const large = randomNhwc(34, [2, 8, 8, 6], 1, true);
    const odd = randomNhwc(35, [2, 6, 6, 2], 1, true);
    expectClose(atValue([large], [small]), referenceAtPair(large, small, 2));
    expectClose(atValue([small], [large]), referenceAtPair(small, large, 2));
    expectClose(atValue([odd], [small]), referenceAtPair(odd, small, 2));
  });

  it('refuses a pair that pooling cannot match, naming both shapes', () => {
    const student = randomNhwc(36, [2, 4, 6, 3]);
    const teacher = randomNhwc(37, [2, 4, 4, 3]);
    expect(() => atValue([student], [teacher])).toThrow(/AT pair 1: student \[4,6,3\] and teacher \[4,4,3\]/);
  });

  it('is 0 when the student equals the teacher, whatever the channel count, and on all-zero features', () => {
    const feature = randomNhwc(39, [3, 4, 4, 6], 1, true);
    expect(atValue([feature], [feature])).toBe(0);
    // normalize's eps keeps all-zero attention maps at 0, not NaN.
    const zeros = zerosNhwc([2, 4, 4, 3]);
    expect(atValue([zeros], [zeros])).toBe(0);
    // The attention map averages channels, so a teacher with every channel doubled up agrees too.
    const doubled = feature.map((s) => s.map((row) => row.map((px) => [...px, ...px])));
    expect(atValue([feature], [doubled])).toBeLessThan(1e-12);
  });
});
