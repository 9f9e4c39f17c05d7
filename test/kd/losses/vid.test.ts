// VID (RepDistiller VIDLoss): three 1x1 convs and a softplus variance per channel, checked against
// float64 with the parts' own weights; the reference init, pooling, refused shapes, all-zero maps.
// Gradients to the convs and variances and ownership are the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, createLearnableParts, getMethod, type DistillInputs, type LearnableParts } from '../../../src/kd';
import type { VidParts } from '../../../src/kd/losses/vid';
import {
  adaptiveAvgPool,
  conv2dSame,
  expectClose,
  flatAll,
  mapNested4,
  mean,
  randomNhwc,
  readNested,
  tensor4d,
  valueOf,
  zerosNhwc,
  type Nested4,
} from './lossTestKit';

function featureInputs(students: Nested4[], teachers: Nested4[], learnable?: LearnableParts): DistillInputs {
  const b = students[0].length;
  return {
    studentLogits: tf.zeros([b, 2]),
    teacherLogits: tf.zeros([b, 2]),
    labels: tf.zeros([b], 'int32'),
    studentFeatures: students.map(tensor4d),
    teacherFeatures: teachers.map(tensor4d),
    learnable,
  };
}

const vidValue = (students: Nested4[], teachers: Nested4[], learnable?: LearnableParts) =>
  valueOf(tf.tidy(() => computeDistillLoss('vid', featureInputs(students, teachers, learnable))));

const shapeOf = (x: Nested4) => [x[0].length, x[0][0].length, x[0][0][0].length];

function vidParts(students: Nested4[], teachers: Nested4[], seed = 5): VidParts {
  return createLearnableParts('vid', students.map((s, i) => ({ student: shapeOf(s), teacher: shapeOf(teachers[i]) })), seed) as VidParts;
}

/** VIDLoss.forward in float64 with the regressor's weights. */
function referenceVidPair(student: Nested4, teacher: Nested4, parts: VidParts, index: number): number {
  const sh = student[0].length;
  const th = teacher[0].length;
  const s = sh > th ? adaptiveAvgPool(student, th, th) : student;
  const t = th > sh ? adaptiveAvgPool(teacher, sh, sh) : teacher;
  const regressor = parts.regressors[index];
  const [k1, k2, k3] = regressor.convs.map((c) => readNested<Nested4>(c.kernel));
  const relu = (x: Nested4) => mapNested4(x, (v) => Math.max(v, 0));
  const predicted = flatAll(conv2dSame(relu(conv2dSame(relu(conv2dSame(s, k1, null)), k2, null)), k3, null));
  const variance = readNested<number[]>(regressor.logScale).map((v) => Math.log(1 + Math.exp(v)) + 1e-5);
  const channels = variance.length;
  const target = flatAll(t);
  return mean(predicted.map((m, i) => 0.5 * ((m - target[i]) ** 2 / variance[i % channels] + Math.log(variance[i % channels]))));
}

describe('vid', () => {
  it('has no knobs and the reference weight 1', () => {
    expect(getMethod('vid').params).toEqual([]);
    expect(getMethod('vid').defaultWeight).toBe(1);
  });

  it('initialises as the reference: bias-free 1x1 convs C_s -> C_t -> C_t -> C_t, variance 5', () => {
    const parts = vidParts([randomNhwc(501, [1, 2, 2, 3])], [randomNhwc(502, [1, 2, 2, 6])]);
    expect(parts.variables.map((v) => v.shape)).toEqual([[1, 1, 3, 6], [1, 1, 6, 6], [1, 1, 6, 6], [6]]);
    const logScale = Array.from(parts.regressors[0].logScale.dataSync());
    for (const v of logScale) expectClose(Math.log(1 + Math.exp(v)) + 1e-5, 5, 1e-6, 0);
    const first = Array.from(parts.regressors[0].convs[0].kernel.dataSync());
    expect(Math.max(...first.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3));
    parts.dispose();
  });

  it('matches float64 with the parts\' weights, summed over pairs, pooling the larger map', () => {
    const students = [randomNhwc(503, [2, 4, 4, 3], 1, true), randomNhwc(504, [2, 2, 2, 2])];
    const teachers = [randomNhwc(505, [2, 2, 2, 4], 2, true), randomNhwc(506, [2, 4, 4, 3])];
    const parts = vidParts(students, teachers);
    const expected = referenceVidPair(students[0], teachers[0], parts, 0) + referenceVidPair(students[1], teachers[1], parts, 1);
    expectClose(vidValue(students, teachers, parts), expected);
    parts.dispose();
  });

  it('refuses maps that pooling cannot match and parts for other channels, naming both shapes', () => {
    expect(() => vidValue([randomNhwc(509, [2, 4, 2, 3])], [randomNhwc(510, [2, 4, 4, 3])])).toThrow(
      /VID pair 1: student \[4,2,3\] and teacher \[4,4,3\]/,
    );
    const parts = vidParts([randomNhwc(511, [2, 2, 2, 3])], [randomNhwc(512, [2, 2, 2, 3])]);
    expect(() => vidValue([randomNhwc(513, [2, 2, 2, 3])], [randomNhwc(514, [2, 2, 2, 4])], parts)).toThrow(
      /VID pair 1: the regressor maps 3 to 3 channels, got student \[2,2,3\] and teacher \[2,2,4\]/,
    );
    parts.dispose();
  });

  it('is 0.5 log 5 per entry on all-zero features (the initial variance 5)', () => {
    const zeros = zerosNhwc([2, 2, 2, 3]);
    expectClose(vidValue([zeros], [zeros]), 0.5 * Math.log(5));
  });
});
