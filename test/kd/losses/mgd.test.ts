// MGD (yzd-v/MGD cls MGDLoss): align, random channel mask, two-conv generator, sum of squares / B,
// checked against float64 with the parts' own weights and a known mask stream; reproducibility,
// refused shapes. Gradients to the connectors and ownership are the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, createLearnableParts, getMethod, type DistillInputs, type LearnableParts } from '../../../src/kd';
import type { MgdParts } from '../../../src/kd/losses/mgd';
import {
  conv2dSame,
  expectClose,
  flatAll,
  mapNested4,
  randomNhwc,
  readNested,
  sum,
  tensor4d,
  valueOf,
  type Nested4,
} from './lossTestKit';

function featureInputs(students: Nested4[], teachers: Nested4[], learnable?: LearnableParts, random?: () => number): DistillInputs {
  const b = students[0].length;
  return {
    studentLogits: tf.zeros([b, 2]),
    teacherLogits: tf.zeros([b, 2]),
    labels: tf.zeros([b], 'int32'),
    studentFeatures: students.map(tensor4d),
    teacherFeatures: teachers.map(tensor4d),
    learnable,
    random,
  };
}

const mgdValue = (students: Nested4[], teachers: Nested4[], learnable?: LearnableParts, random?: () => number, params?: Record<string, number>) =>
  valueOf(tf.tidy(() => computeDistillLoss('mgd', featureInputs(students, teachers, learnable, random), params)));

const shapeOf = (x: Nested4) => [x[0].length, x[0][0].length, x[0][0][0].length];

function mgdParts(student: Nested4, teacher: Nested4, seed = 3): MgdParts {
  return createLearnableParts('mgd', [{ student: shapeOf(student), teacher: shapeOf(teacher) }], seed) as MgdParts;
}

/** A stream that replays fixed uniforms, so the test knows every mask entry. */
const replay = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

/** MGDLoss.get_dis_loss * alpha in float64, with the mask given as [B][C] of 0/1. */
function referenceMgdPair(student: Nested4, teacher: Nested4, parts: MgdParts, mask: number[][], alpha: number): number {
  const c = parts.connectors[0];
  const weights = (conv: { kernel: tf.Variable; bias: tf.Variable | null }) =>
    [readNested<Nested4>(conv.kernel), readNested<number[]>(conv.bias!)] as const;
  const aligned = c.align ? conv2dSame(student, ...weights(c.align)) : student;
  const masked = aligned.map((sample, b) => mapNested4([sample], (v, ch) => v * mask[b][ch])[0]);
  const hidden = mapNested4(conv2dSame(masked, ...weights(c.generatorFirst)), (v) => Math.max(v, 0));
  const generated = flatAll(conv2dSame(hidden, ...weights(c.generatorSecond)));
  const target = flatAll(teacher);
  return (alpha * sum(generated.map((v, i) => (v - target[i]) ** 2))) / student.length;
}

describe('mgd', () => {
  it('has the classification defaults alphaMgd 7e-5, lambdaMgd 0.15 and weight 1', () => {
    const method = getMethod('mgd');
    expect(Object.fromEntries(method.params.map((p) => [p.name, p.default]))).toEqual({ alphaMgd: 7e-5, lambdaMgd: 0.15 });
    expect(method.defaultWeight).toBe(1);
  });

  it('aligns with a 1x1 conv only when the channel counts differ; 3x3 generator convs with bias', () => {
    const differ = mgdParts(randomNhwc(401, [1, 2, 2, 3]), randomNhwc(402, [1, 2, 2, 5]));
    expect(differ.variables.map((v) => v.shape)).toEqual([[1, 1, 3, 5], [5], [3, 3, 5, 5], [5], [3, 3, 5, 5], [5]]);
    const same = mgdParts(randomNhwc(403, [1, 2, 2, 4]), randomNhwc(404, [1, 2, 2, 4]));
    expect(same.connectors[0].align).toBeNull();
    expect(same.variables).toHaveLength(4);
    const bound = 1 / Math.sqrt(5 * 9);
    expect(Math.max(...Array.from(differ.connectors[0].generatorFirst.kernel.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    differ.dispose();
    same.dispose();
  });

  it('matches float64 with a known mask: draws below lambda zero a (sample, channel)', () => {
    const student = randomNhwc(405, [2, 3, 3, 3], 1, true);
    const teacher = randomNhwc(406, [2, 3, 3, 4], 1, true);
    const parts = mgdParts(student, teacher);
    // B x C = 2 x 4 draws in torch.rand((N, C, 1, 1)) order; lambda 0.5 masks the draws < 0.5.
    const draws = [0.1, 0.9, 0.6, 0.3, 0.7, 0.2, 0.8, 0.95];
    const mask = [draws.slice(0, 4), draws.slice(4)].map((row) => row.map((u) => (u < 0.5 ? 0 : 1)));
    for (const alpha of [7e-5, 1]) {
      const value = mgdValue([student], [teacher], parts, replay(draws), { alphaMgd: alpha, lambdaMgd: 0.5 });
      expectClose(value, referenceMgdPair(student, teacher, parts, mask, alpha));
    }
    parts.dispose();
  });

  it('masks nothing at lambda 0 and everything at lambda 1', () => {
    const student = randomNhwc(407, [2, 2, 2, 2]);
    const teacher = randomNhwc(408, [2, 2, 2, 2]);
    const parts = mgdParts(student, teacher);
    const ones = [
      [1, 1],
      [1, 1],
    ];
    const zeros = [
      [0, 0],
      [0, 0],
    ];
    expectClose(mgdValue([student], [teacher], parts, undefined, { alphaMgd: 1, lambdaMgd: 0 }), referenceMgdPair(student, teacher, parts, ones, 1));
    expectClose(mgdValue([student], [teacher], parts, undefined, { alphaMgd: 1, lambdaMgd: 1 }), referenceMgdPair(student, teacher, parts, zeros, 1));
    parts.dispose();
  });

  it('draws masks reproducibly from the parts\' seeded stream, a fresh mask each step', () => {
    const student = randomNhwc(409, [4, 2, 2, 8]);
    const teacher = randomNhwc(410, [4, 2, 2, 8]);
    const run = () => {
      const parts = mgdParts(student, teacher, 11);
      const values = [1, 2, 3].map(() => mgdValue([student], [teacher], parts, undefined, { alphaMgd: 1, lambdaMgd: 0.5 }));
      parts.dispose();
      return values;
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('refuses maps of different spatial sizes (the reference asserts), naming both shapes', () => {
    expect(() => mgdValue([randomNhwc(411, [2, 4, 4, 3])], [randomNhwc(412, [2, 2, 2, 3])])).toThrow(
      /MGD pair 1: student \[4,4,3\] and teacher \[2,2,3\] must have the same height and width/,
    );
  });
});
