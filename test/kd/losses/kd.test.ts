// Hinton KD (docs/ARCHITECTURE.md §4.1): golden values from the PyTorch reference, a float64
// re-implementation, identities, numerical care at extreme logits, the analytic gradient. The
// contract every loss keeps (scalar, no leak, gradients, batch order) is in contract.test.ts.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss } from '../../../src/kd';
import { GOLDEN_PATH } from '../../golden/path';
import { expectClose, loadGolden, logSoftmax, valueOf } from './lossTestKit';

const golden = loadGolden();

/** The formula of docs/ARCHITECTURE.md §4.1 in float64: T^2 * sum_b KL(softmax(t_b/T) || softmax(s_b/T)) / B. */
function referenceKd(student: number[][], teacher: number[][], temperature: number): number {
  let sum = 0;
  student.forEach((row, b) => {
    const logS = logSoftmax(row.map((v) => v / temperature));
    const logT = logSoftmax(teacher[b].map((v) => v / temperature));
    logT.forEach((lt, c) => {
      sum += Math.exp(lt) * (lt - logS[c]);
    });
  });
  return (temperature * temperature * sum) / student.length;
}

function kdValue(student: number[][], teacher: number[][], labels: number[], params?: Record<string, number>): number {
  return valueOf(
    tf.tidy(() =>
      computeDistillLoss(
        'kd',
        { studentLogits: tf.tensor2d(student), teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, 'int32') },
        params,
      ),
    ),
  );
}

/** Deterministic pseudo-random logits (no dependence on tfjs' own RNG). */
function logits(rows: number, cols: number, scale: number, seed: number): number[][] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => next() * 2 * scale));
}

describe('kd against the PyTorch golden values', () => {
  it(`matches every kd case of ${path.basename(GOLDEN_PATH)}`, () => {
    const cases = golden.filter((c) => c.expected.kd !== undefined);
    expect(cases.length).toBeGreaterThan(0);
    let checked = 0;
    for (const c of cases) {
      for (const { params, value } of c.expected.kd!) {
        const actual = kdValue(c.inputs.student_logits, c.inputs.teacher_logits, c.inputs.labels, params);
        // float32 cancellation at high T is amplified by T^2 (docs/ARCHITECTURE.md §4.1): abs 1e-4 at T=20.
        const abs = params.temperature >= 20 ? 1e-4 : 1e-5;
        expectClose(actual, value, 1e-4, abs);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('agrees with a float64 implementation of the formula on random logits', () => {
    const student = logits(16, 10, 4, 7);
    const teacher = logits(16, 10, 6, 11);
    const labels = Array.from({ length: 16 }, (_, i) => i % 10);
    for (const temperature of [0.5, 1, 4, 20]) {
      const abs = temperature >= 20 ? 1e-4 : 1e-5;
      expectClose(kdValue(student, teacher, labels, { temperature }), referenceKd(student, teacher, temperature), 1e-4, abs);
    }
  });

  it('uses the method default temperature 4 when none is given', () => {
    const student = logits(4, 5, 3, 1);
    const teacher = logits(4, 5, 3, 2);
    const labels = [0, 1, 2, 3];
    expect(kdValue(student, teacher, labels)).toBeCloseTo(kdValue(student, teacher, labels, { temperature: 4 }), 6);
    expect(kdValue(student, teacher, labels)).not.toBeCloseTo(kdValue(student, teacher, labels, { temperature: 1 }), 3);
  });
});

describe('kd identities and numerical care', () => {
  it('is ~0 when the student equals the teacher, at every temperature', () => {
    const same = logits(8, 10, 5, 3);
    const labels = Array.from({ length: 8 }, (_, i) => i);
    for (const temperature of [1, 4, 20]) {
      expect(Math.abs(kdValue(same, same, labels, { temperature }))).toBeLessThan(temperature >= 20 ? 1e-4 : 1e-5);
    }
  });

  it('is positive when they differ and invariant to adding a constant to a row of logits', () => {
    const student = logits(6, 10, 3, 5);
    const teacher = logits(6, 10, 3, 9);
    const labels = [0, 1, 2, 3, 4, 5];
    const base = kdValue(student, teacher, labels, { temperature: 2 });
    expect(base).toBeGreaterThan(0.01);
    const shifted = student.map((row, b) => row.map((v) => v + 10 * b - 25));
    expect(kdValue(shifted, teacher, labels, { temperature: 2 })).toBeCloseTo(base, 4);
  });

  it('is the batch mean: duplicating the batch leaves it unchanged', () => {
    const student = logits(3, 4, 3, 21);
    const teacher = logits(3, 4, 3, 22);
    const once = kdValue(student, teacher, [0, 1, 2], { temperature: 3 });
    const twice = kdValue([...student, ...student], [...teacher, ...teacher], [0, 1, 2, 0, 1, 2], { temperature: 3 });
    expect(twice).toBeCloseTo(once, 5);
  });

  it('stays finite and correct with extreme logits (±50)', () => {
    // Teacher and student are confident in different classes: p_t of every other class underflows.
    const student = [
      [50, -50, 0, -50],
      [-50, 50, -50, 0],
    ];
    const teacher = [
      [-50, 50, -50, -50],
      [50, -50, 50, -50],
    ];
    for (const temperature of [1, 4]) {
      const value = kdValue(student, teacher, [1, 0], { temperature });
      expect(Number.isFinite(value)).toBe(true);
      expectClose(value, referenceKd(student, teacher, temperature), 1e-4, 1e-4);
    }
    // Identical one-hot-like logits: 0 * log(0) must not produce NaN.
    expect(Math.abs(kdValue(teacher, teacher, [1, 0], { temperature: 1 }))).toBeLessThan(1e-5);
  });
});

describe('kd gradient', () => {
  it('reaches the student logits with the analytic value T * (softmax(s/T) - softmax(t/T)) / B', () => {
    const studentValues = logits(4, 6, 3, 31);
    const teacherValues = logits(4, 6, 3, 37);
    const temperature = 3;
    const student = tf.tensor2d(studentValues);
    const teacher = tf.tensor2d(teacherValues);
    const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
    const gradient = tf.grad((s: tf.Tensor) =>
      computeDistillLoss('kd', { studentLogits: s as tf.Tensor2D, teacherLogits: teacher, labels }, { temperature }),
    )(student);
    const values = gradient.arraySync() as number[][];
    const softmax = (row: number[]) => {
      const e = row.map((v) => Math.exp(v / temperature));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    };
    let largest = 0;
    studentValues.forEach((row, b) => {
      const ps = softmax(row);
      const pt = softmax(teacherValues[b]);
      row.forEach((_, c) => {
        const expected = (temperature * (ps[c] - pt[c])) / studentValues.length;
        expect(values[b][c]).toBeCloseTo(expected, 5);
        largest = Math.max(largest, Math.abs(values[b][c]));
      });
    });
    expect(largest).toBeGreaterThan(1e-3);
    tf.dispose([student, teacher, labels, gradient]);
  });

  it('is zero when the student already matches the teacher', () => {
    const same = tf.tensor2d(logits(3, 5, 2, 41));
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    const gradient = tf.grad((s: tf.Tensor) =>
      computeDistillLoss('kd', { studentLogits: s as tf.Tensor2D, teacherLogits: same, labels }, { temperature: 4 }),
    )(same);
    expect(tf.max(tf.abs(gradient)).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([same, labels, gradient]);
  });
});
