// FitNet: MSE(1x1 regressor(f_s), f_t) against float64 using the regressor's own weights,
// torch-style seeded init, pooling, the identity regressor, parts refused. Gradients to the
// regressors and ownership with and without parts are the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, createLearnableParts, getMethod, type DistillInputs, type LearnableParts } from '../../../src/kd';
import type { FitnetParts } from '../../../src/kd/losses/fitnet';
import {
  adaptiveAvgPool,
  conv2dSame,
  expectClose,
  flatAll,
  mean,
  randomNhwc,
  readNested,
  sampleShape,
  tensor4d,
  valueOf,
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

const fitnetValue = (students: Nested4[], teachers: Nested4[], learnable?: LearnableParts) =>
  valueOf(tf.tidy(() => computeDistillLoss('fitnet', featureInputs(students, teachers, learnable))));

/** mean((W f_s + b - f_t)^2) in float64 with the regressor's weights, after pooling to the common size. */
function referenceFitnetPair(student: Nested4, teacher: Nested4, kernel: Nested4, bias: number[]): number {
  const h = Math.min(student[0].length, teacher[0].length);
  const w = Math.min(student[0][0].length, teacher[0][0].length);
  const regressed = conv2dSame(adaptiveAvgPool(student, h, w), kernel, bias);
  const target = flatAll(adaptiveAvgPool(teacher, h, w));
  return mean(flatAll(regressed).map((v, i) => (v - target[i]) ** 2));
}

const shapes = (students: Nested4[], teachers: Nested4[]) =>
  students.map((s, i) => ({ student: sampleShape(s), teacher: sampleShape(teachers[i]) }));

function fitnetParts(students: Nested4[], teachers: Nested4[], seed = 7): FitnetParts {
  return createLearnableParts('fitnet', shapes(students, teachers), seed) as FitnetParts;
}

describe('fitnet', () => {
  it('has no knobs and the reference weight 100', () => {
    expect(getMethod('fitnet').params).toEqual([]);
    expect(getMethod('fitnet').defaultWeight).toBe(100);
  });

  it('builds one 1x1 regressor per pair with torch init U(-1/sqrt(C_s), 1/sqrt(C_s)), reproducibly', () => {
    const students = [randomNhwc(301, [2, 4, 4, 16])];
    const teachers = [randomNhwc(302, [2, 4, 4, 8])];
    const parts = fitnetParts(students, teachers);
    const again = fitnetParts(students, teachers);
    const other = fitnetParts(students, teachers, 8);
    expect(parts.variables.map((v) => v.shape)).toEqual([[1, 1, 16, 8], [8]]);
    const kernel = Array.from(parts.variables[0].dataSync());
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.2); // spread over the range, not near 0
    expect(Array.from(again.variables[0].dataSync())).toEqual(kernel);
    expect(Array.from(other.variables[0].dataSync())).not.toEqual(kernel);
    expect(parts.variables.every((v) => v.trainable)).toBe(true);
    [parts, again, other].forEach((p) => p.dispose());
  });

  it('matches float64 with the regressor weights, summed over pairs', () => {
    const students = [randomNhwc(303, [3, 4, 4, 3]), randomNhwc(304, [3, 2, 2, 2])];
    const teachers = [randomNhwc(305, [3, 4, 4, 5], 2), randomNhwc(306, [3, 2, 2, 2])];
    const parts = fitnetParts(students, teachers);
    const perPair = parts.regressors.map((r, i) =>
      referenceFitnetPair(students[i], teachers[i], readNested<Nested4>(r.conv.kernel), readNested<number[]>(r.conv.bias!)),
    );
    expectClose(fitnetValue(students, teachers, parts), perPair[0] + perPair[1]);
    parts.dispose();
  });

  it('pools the larger map to the common size first', () => {
    const students = [randomNhwc(307, [2, 8, 8, 2])];
    const teachers = [randomNhwc(308, [2, 4, 4, 3])];
    const parts = fitnetParts(students, teachers);
    const r = parts.regressors[0];
    const expected = referenceFitnetPair(students[0], teachers[0], readNested(r.conv.kernel), readNested(r.conv.bias!));
    expectClose(fitnetValue(students, teachers, parts), expected);
    parts.dispose();
  });

  it('is 0 when an identity regressor sees the teacher itself', () => {
    const feature = randomNhwc(309, [2, 3, 3, 4]);
    const parts = fitnetParts([feature], [feature]);
    tf.tidy(() => {
      parts.regressors[0].conv.kernel.assign(tf.reshape(tf.eye(4), [1, 1, 4, 4]));
      parts.regressors[0].conv.bias!.assign(tf.zeros([4]));
    });
    expect(fitnetValue([feature], [feature], parts)).toBe(0);
    parts.dispose();
  });

  it('without given parts uses deterministic seed-0 ones', () => {
    const students = [randomNhwc(312, [2, 2, 2, 3])];
    const teachers = [randomNhwc(313, [2, 2, 2, 2])];
    const seedZero = fitnetParts(students, teachers, 0);
    expect(fitnetValue(students, teachers)).toBe(fitnetValue(students, teachers, seedZero));
    seedZero.dispose();
  });

  it('refuses parts of another method or for other shapes, naming both shapes', () => {
    const students = [randomNhwc(314, [2, 2, 2, 3])];
    const teachers = [randomNhwc(315, [2, 2, 2, 2])];
    const vidParts = createLearnableParts('vid', shapes(students, teachers), 1)!;
    expect(() => fitnetValue(students, teachers, vidParts)).toThrow(/made by "vid"/);
    vidParts.dispose();
    const parts = fitnetParts(students, teachers);
    expect(() => fitnetValue([randomNhwc(316, [2, 2, 2, 5])], teachers, parts)).toThrow(
      /FitNet pair 1: the regressor maps 3 to 2 channels, got student \[2,2,5\] and teacher \[2,2,2\]/,
    );
    expect(() => fitnetValue([...students, ...students], [...teachers, ...teachers], parts)).toThrow(/built for 1 layer pairs, got 2/);
    parts.dispose();
  });
});
