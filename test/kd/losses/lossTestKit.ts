// Shared plumbing for the loss tests: golden data, seeded inputs, float64 array arithmetic for the
// tests' own re-implementations of the formulas, and the gradient, leak and finiteness harnesses
// that the contract every loss keeps (contract.test.ts) and some method files use. The formulas
// themselves are written out in each method's test file.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

// ---------------------------------------------------------------- golden values

import { GOLDEN_PATH } from '../../golden/path';

export interface GoldenFeaturePair {
  student: Nested4;
  teacher: Nested4;
}

export interface GoldenCase {
  name: string;
  inputs: {
    student_logits: number[][];
    teacher_logits: number[][];
    labels: number[];
    feature_pairs: GoldenFeaturePair[];
  };
  expected: {
    /** Absent from a file given by KD_GOLDEN that has no kd case. */
    kd?: { params: { temperature: number }; value: number }[];
    dkd: {
      params: { alpha: number; beta: number; temperature: number };
      value: number;
      components: { tckd: number; nckd: number };
    }[];
    at: { params: { p: number }; per_pair: number[]; value: number }[];
  };
}

/** The golden cases computed by the original PyTorch code (test/golden/losses.json). */
export function loadGolden(): GoldenCase[] {
  return (JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as { cases: GoldenCase[] }).cases;
}

// ---------------------------------------------------------------- numbers

/** numpy.allclose-style: |actual - expected| <= abs + rel * |expected| (docs/ARCHITECTURE.md §4.1: rel 1e-4, abs 1e-5). */
export function expectClose(actual: number, expected: number, rel = 1e-4, abs = 1e-5): void {
  expect(Number.isFinite(actual), `got ${actual}`).toBe(true);
  expect(Math.abs(actual - expected), `actual ${actual}, expected ${expected}`).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
}

/** The scalar's value; the scalar is disposed. */
export function valueOf(scalar: tf.Tensor): number {
  const value = scalar.dataSync()[0];
  scalar.dispose();
  return value;
}

// ---------------------------------------------------------------- seeded data

export type Nested2 = number[][];
export type Nested3 = number[][][];
export type Nested4 = number[][][][];

/** mulberry32 + Box–Muller: a seeded standard-normal stream for test inputs. */
export function normalStream(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Values rounded to float32, so the tfjs input and the float64 reference see the same numbers. */
function float32(value: number): number {
  return Math.fround(value);
}

export function randomMatrix(seed: number, rows: number, cols: number, scale = 1): Nested2 {
  const next = normalStream(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => float32(next() * scale)));
}

export function randomNhwc(seed: number, shape: [number, number, number, number], scale = 1, relu = false): Nested4 {
  const next = normalStream(seed);
  const [b, h, w, c] = shape;
  return Array.from({ length: b }, () =>
    Array.from({ length: h }, () =>
      Array.from({ length: w }, () =>
        Array.from({ length: c }, () => {
          const value = float32(next() * scale);
          return relu ? Math.max(value, 0) : value;
        }),
      ),
    ),
  );
}

export function zerosNhwc(shape: [number, number, number, number]): Nested4 {
  const [b, h, w, c] = shape;
  return Array.from({ length: b }, () => Array.from({ length: h }, () => Array.from({ length: w }, () => new Array<number>(c).fill(0))));
}

/** Reorder the batch (first axis). */
export function permuteBatch<T>(batch: readonly T[], order: readonly number[]): T[] {
  return order.map((i) => batch[i]);
}

export const tensor2d = (values: Nested2): tf.Tensor2D => tf.tensor2d(values);
export const tensor4d = (values: Nested4): tf.Tensor4D => tf.tensor4d(values);

/** Nested float32 values of a variable or tensor (to feed learned weights to a float64 reference). */
export function readNested<T>(x: tf.Tensor): T {
  return x.arraySync() as T;
}

// ---------------------------------------------------------------- float64 arithmetic

export function shape4(x: Nested4): [number, number, number, number] {
  return [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
}

export const transpose = (m: Nested2): Nested2 => m[0].map((_, j) => m.map((row) => row[j]));

export function matMul(a: Nested2, b: Nested2): Nested2 {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)));
}

export const sum = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);
export const mean = (values: readonly number[]): number => sum(values) / values.length;
export const flat2 = (m: Nested2): number[] => m.flat();

/** Each sample flattened (channel-last order; every formula here is invariant to that order). */
export const flattenSamples = (x: Nested4): Nested2 => x.map((sample) => sample.flat(2));

export function logSoftmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const logSum = Math.log(sum(row.map((v) => Math.exp(v - max)))) + max;
  return row.map((v) => v - logSum);
}

export const softmax = (row: readonly number[]): number[] => logSoftmax(row).map(Math.exp);

export const norm = (v: readonly number[]): number => Math.sqrt(sum(v.map((x) => x * x)));

/** torch.nn.functional.normalize of one vector: v / max(|v|, 1e-12). */
export function normalizeVector(v: readonly number[], eps = 1e-12): number[] {
  const n = Math.max(norm(v), eps);
  return v.map((x) => x / n);
}

/** torch's adaptive_avg_pool2d windows on one NHWC map: [floor(i*in/out), ceil((i+1)*in/out)). */
export function adaptiveAvgPool(x: Nested4, outH: number, outW: number): Nested4 {
  const [, h, w, c] = shape4(x);
  const window = (i: number, size: number, out: number) => [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
  return x.map((sample) =>
    Array.from({ length: outH }, (_, i) => {
      const [h0, h1] = window(i, h, outH);
      return Array.from({ length: outW }, (_, j) => {
        const [w0, w1] = window(j, w, outW);
        return Array.from({ length: c }, (_, k) => {
          let total = 0;
          for (let y = h0; y < h1; y++) for (let z = w0; z < w1; z++) total += sample[y][z][k];
          return total / ((h1 - h0) * (w1 - w0));
        });
      });
    }),
  );
}

/** Stride-1 convolution with zero 'same' padding, kernel [k][k][in][out], optional bias [out]. */
export function conv2dSame(x: Nested4, kernel: Nested4, bias: number[] | null): Nested4 {
  const [, h, w] = shape4(x);
  const k = kernel.length;
  const pad = Math.floor((k - 1) / 2);
  const outChannels = kernel[0][0][0].length;
  return x.map((sample) =>
    Array.from({ length: h }, (_, i) =>
      Array.from({ length: w }, (_, j) =>
        Array.from({ length: outChannels }, (_, o) => {
          let total = bias ? bias[o] : 0;
          for (let dy = 0; dy < k; dy++) {
            for (let dx = 0; dx < k; dx++) {
              const y = i + dy - pad;
              const z = j + dx - pad;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              sample[y][z].forEach((v, c) => {
                total += v * kernel[dy][dx][c][o];
              });
            }
          }
          return total;
        }),
      ),
    ),
  );
}

export const mapNested4 = (x: Nested4, f: (v: number, channel: number) => number): Nested4 =>
  x.map((s) => s.map((row) => row.map((px) => px.map((v, c) => f(v, c)))));

export const flatAll = (x: Nested4): number[] => x.flat(3);

// ---------------------------------------------------------------- harnesses

/** Dispose every tensor of a DistillInputs-like object (learnable parts are the caller's). */
export function disposeInputs(inputs: object): void {
  for (const value of Object.values(inputs)) {
    if (value instanceof tf.Tensor) value.dispose();
    else if (Array.isArray(value)) value.forEach((t) => t instanceof tf.Tensor && t.dispose());
  }
}

/** The NHWC shape of one sample of a nested batch ([H, W, C]). */
export const sampleShape = (x: Nested4): number[] => shape4(x).slice(1);

/** numTensors is the same before and after `run` once its result is disposed. */
export function expectNoLeak(run: () => tf.Tensor | void): void {
  const before = tf.memory().numTensors;
  const result = run();
  result?.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

/** Throws unless every value of every tensor is finite. */
export function expectFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    expect(Number.isFinite(values[i]), `${what}[${i}] = ${values[i]}`).toBe(true);
  }
}

const l2 = (t: tf.Tensor): number => valueOf(tf.tidy(() => tf.sqrt(tf.sum(tf.square(t)))));

export interface GradientReport {
  value: number;
  /** |gradient| of every student input, then of every extra (learnable) variable. */
  studentGradientNorms: number[];
  learnableGradientNorms: number[];
  /** |gradient| reaching each teacher input when it is itself a variable the loss is taped for. */
  teacherGradientNorms: number[];
  /** Whether an optimiser step over the student's list changed any teacher value. */
  teacherChanged: boolean;
  studentChanged: boolean;
  allGradientsFinite: boolean;
}

/**
 * The training loop's view of a loss: student inputs and learnable parts are trained variables;
 * the teacher's inputs are variables too but outside the optimiser's list. Also asks for the
 * gradient with respect to the teacher inputs directly (it must be zero: the losses detach the
 * teacher). Disposes everything it makes.
 */
export function gradientReport(
  studentInit: tf.Tensor[],
  teacherInit: tf.Tensor[],
  loss: (student: tf.Tensor[], teacher: tf.Tensor[]) => tf.Scalar,
  learnable: readonly tf.Variable[] = [],
): GradientReport {
  const student = studentInit.map((t) => tf.variable(t));
  const teacher = teacherInit.map((t) => tf.variable(t));
  const teacherBefore = teacher.map((t) => Array.from(t.dataSync()));
  const studentBefore = student.map((t) => Array.from(t.dataSync()));
  try {
    const trained = [...student, ...learnable];
    const { value, grads } = tf.variableGrads(() => loss(student, teacher), trained);
    const gradientValues = trained.map((v) => grads[v.name]);
    const allGradientsFinite = gradientValues.every((g) => Array.from(g.dataSync()).every(Number.isFinite));
    const norms = gradientValues.map(l2);
    const result = valueOf(value);
    Object.values(grads).forEach((g) => g.dispose());

    const teacherGrads = tf.variableGrads(() => loss(student, teacher), teacher);
    const teacherGradientNorms = teacher.map((v) => l2(teacherGrads.grads[v.name]));
    teacherGrads.value.dispose();
    Object.values(teacherGrads.grads).forEach((g) => g.dispose());

    const optimizer = tf.train.sgd(0.1);
    const learnableBefore = learnable.map((v) => Array.from(v.dataSync()));
    optimizer.minimize(() => loss(student, teacher), false, trained);
    optimizer.dispose();
    const teacherChanged = teacher.some((t, i) => Array.from(t.dataSync()).some((v, j) => v !== teacherBefore[i][j]));
    const studentChanged = student.some((t, i) => Array.from(t.dataSync()).some((v, j) => v !== studentBefore[i][j]));
    // Put the learnable parts back, so the caller's later checks see the initial weights.
    learnable.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(learnableBefore[i], v.shape))));
    return {
      value: result,
      studentGradientNorms: norms.slice(0, student.length),
      learnableGradientNorms: norms.slice(student.length),
      teacherGradientNorms,
      teacherChanged,
      studentChanged,
      allGradientsFinite,
    };
  } finally {
    student.forEach((v) => v.dispose());
    teacher.forEach((v) => v.dispose());
  }
}

/** The common expectations on a gradient report. */
export function expectStudentOnlyGradients(report: GradientReport): void {
  expect(report.allGradientsFinite).toBe(true);
  for (const n of report.studentGradientNorms) expect(n).toBeGreaterThan(0);
  for (const n of report.learnableGradientNorms) expect(n).toBeGreaterThan(0);
  for (const n of report.teacherGradientNorms) expect(n).toBe(0);
  expect(report.teacherChanged).toBe(false);
  expect(report.studentChanged).toBe(true);
}
