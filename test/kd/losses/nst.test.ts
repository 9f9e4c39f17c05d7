// NST (RepDistiller NSTLoss): a float64 re-implementation of the MMD with the polynomial kernel,
// pooling, a hand-computed case, identities, the refused pooling. The contract every loss keeps is
// in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import {
  adaptiveAvgPool,
  expectClose,
  mean,
  normalizeVector,
  randomNhwc,
  shape4,
  tensor4d,
  transpose,
  valueOf,
  type Nested2,
  type Nested4,
} from './lossTestKit';

/** RepDistiller nst_loss in float64 on NHWC input. */
function referenceNstPair(student: Nested4, teacher: Nested4): number {
  const sh = shape4(student)[1];
  const th = shape4(teacher)[1];
  const s = sh > th ? adaptiveAvgPool(student, th, th) : student;
  const t = th > sh ? adaptiveAvgPool(teacher, sh, sh) : teacher;
  // Per sample: one row per channel, its H*W values L2-normalised.
  const channels = (f: Nested4): Nested2[] => f.map((sample) => transpose(sample.flat()).map((row) => normalizeVector(row)));
  const cs = channels(s);
  const ct = channels(t);
  const kernelMean = (a: Nested2[], b: Nested2[]) =>
    mean(a.flatMap((rowsA, n) => rowsA.flatMap((u) => b[n].map((v) => u.reduce((acc, x, k) => acc + x * v[k], 0) ** 2))));
  return kernelMean(ct, ct) + kernelMean(cs, cs) - 2 * kernelMean(cs, ct);
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

const nstValue = (students: Nested4[], teachers: Nested4[]) =>
  valueOf(tf.tidy(() => computeDistillLoss('nst', featureInputs(students, teachers))));

describe('nst', () => {
  it('has no knobs and the reference weight 50', () => {
    expect(getMethod('nst').params).toEqual([]);
    expect(getMethod('nst').defaultWeight).toBe(50);
  });

  it('matches float64 with different channel counts, per pair and summed', () => {
    const pairs: [Nested4, Nested4][] = [
      [randomNhwc(71, [3, 4, 4, 3], 1, true), randomNhwc(72, [3, 4, 4, 5], 2, true)],
      [randomNhwc(73, [3, 2, 2, 4]), randomNhwc(74, [3, 2, 2, 2])],
    ];
    const perPair = pairs.map(([s, t]) => referenceNstPair(s, t));
    pairs.forEach(([s, t], i) => expectClose(nstValue([s], [t]), perPair[i]));
    expectClose(nstValue(pairs.map((p) => p[0]), pairs.map((p) => p[1])), perPair[0] + perPair[1]);
  });

  it('pools the larger map to the smaller one first', () => {
    const large = randomNhwc(75, [2, 8, 8, 3], 1, true);
    const small = randomNhwc(76, [2, 4, 4, 4], 1, true);
    expectClose(nstValue([large], [small]), referenceNstPair(large, small));
    expectClose(nstValue([small], [large]), referenceNstPair(small, large));
  });

  it('checks a hand-computed case: one sample, two pixels, one channel each', () => {
    // Student channel (3, 4) -> (0.6, 0.8); teacher channel (1, 0). K_ss = K_tt = 1, K_st = 0.36.
    const student = [[[[3], [4]]]];
    const teacher = [[[[1], [0]]]];
    expectClose(nstValue([student], [teacher]), 1 + 1 - 2 * 0.36);
  });

  it('is ~0 when the student equals the teacher, and invariant to the scale of each channel', () => {
    const feature = randomNhwc(77, [3, 3, 3, 4]);
    expect(Math.abs(nstValue([feature], [feature]))).toBeLessThan(1e-6);
    const rescaled = feature.map((s) => s.map((row) => row.map((px) => px.map((v, c) => v * (c + 2)))));
    expect(Math.abs(nstValue([rescaled], [feature]))).toBeLessThan(1e-6);
  });

  it('refuses maps that pooling cannot match, naming both shapes', () => {
    expect(() => nstValue([randomNhwc(80, [2, 4, 2, 3])], [randomNhwc(81, [2, 4, 4, 3])])).toThrow(
      /NST pair 1: student \[4,2,3\] and teacher \[4,4,3\]/,
    );
  });
});
