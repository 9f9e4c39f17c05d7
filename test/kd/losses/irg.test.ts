// IRG (AberHu Knowledge-Distillation-Zoo kd_losses/irg.py): float64 re-implementations of the
// embedding-only form and of the full form with two feature layers, identities, torch's
// tie-splitting max gradient, its own refusals. The contract every loss keeps is in
// contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, type DistillInputs } from '../../../src/kd';
import { maxWithEvenGradient } from '../../../src/kd/ops';
import {
  adaptiveAvgPool,
  expectClose,
  flattenSamples,
  mean,
  randomMatrix,
  randomNhwc,
  sum,
  tensor4d,
  valueOf,
  type Nested2,
  type Nested4,
} from './lossTestKit';

/** euclidean_dist_feat(squared=True): clamped squared distances, zero diagonal, divided by the max. */
function edges(e: Nested2): number[] {
  const d = e.map((a, i) =>
    e.map((b, j) => (i === j ? 0 : Math.max(sum(a.map((v) => v * v)) + sum(b.map((v) => v * v)) - 2 * sum(a.map((v, k) => v * b[k])), 1e-12))),
  );
  const max = Math.max(...d.flat());
  return d.flat().map((v) => v / max);
}

/** euclidean_dist_fms(squared=True) on NHWC maps. */
function transformation(first: Nested4, second: Nested4): number[] {
  let a = first;
  let b = second;
  if (a[0].length > b[0].length) a = adaptiveAvgPool(a, b[0].length, b[0][0].length);
  if (a[0][0][0].length < b[0][0][0].length) {
    // torch: (fm2[:, 0::2] + fm2[:, 1::2]) / 2
    const halve = (px: number[]) => px.filter((_, c) => c % 2 === 0).map((v, k) => (v + px[2 * k + 1]) / 2);
    b = b.map((s) => s.map((row) => row.map(halve)));
  }
  const fa = flattenSamples(a);
  const fb = flattenSamples(b);
  const d = fa.map((row, n) => Math.max(sum(row.map((v, k) => (v - fb[n][k]) ** 2)), 1e-12));
  const max = Math.max(...d);
  return d.map((v) => v / max);
}

const mse = (a: readonly number[], b: readonly number[]) => mean(a.map((v, i) => (v - b[i]) ** 2));

interface Side {
  logits: Nested2;
  embedding: Nested2;
  maps?: [Nested4, Nested4];
}

function referenceIrg(student: Side, teacher: Side, wVertex = 0.1, wEdge = 5, wTransform = 5): number {
  const vertex = mse(student.logits.flat(), teacher.logits.flat());
  const edgeTerms = [mse(edges(student.embedding), edges(teacher.embedding))];
  let transform = 0;
  if (student.maps && teacher.maps) {
    edgeTerms.push(mse(edges(flattenSamples(student.maps[0])), edges(flattenSamples(teacher.maps[0]))));
    edgeTerms.push(mse(edges(flattenSamples(student.maps[1])), edges(flattenSamples(teacher.maps[1]))));
    transform = mse(transformation(...student.maps), transformation(...teacher.maps));
  }
  return wVertex * vertex + wEdge * mean(edgeTerms) + wTransform * transform;
}

function inputsOf(student: Side, teacher: Side): DistillInputs {
  return {
    studentLogits: tf.tensor2d(student.logits),
    teacherLogits: tf.tensor2d(teacher.logits),
    labels: tf.zeros([student.logits.length], 'int32'),
    studentEmbedding: tf.tensor2d(student.embedding),
    teacherEmbedding: tf.tensor2d(teacher.embedding),
    ...(student.maps && teacher.maps ? { studentFeatures: student.maps.map(tensor4d), teacherFeatures: teacher.maps.map(tensor4d) } : {}),
  };
}

const irgValue = (student: Side, teacher: Side, params?: Record<string, number>) =>
  valueOf(tf.tidy(() => computeDistillLoss('irg', inputsOf(student, teacher), params)));

function side(seed: number, batch: number, width: number, withMaps: boolean, channels = 2): Side {
  return {
    logits: randomMatrix(seed, batch, 4, 2),
    embedding: randomMatrix(seed + 1, batch, width),
    maps: withMaps ? [randomNhwc(seed + 2, [batch, 4, 4, channels], 1, true), randomNhwc(seed + 3, [batch, 2, 2, 2 * channels], 1, true)] : undefined,
  };
}

describe('irg', () => {
  it('has the Knowledge-Distillation-Zoo weights (vertex 0.1, edge 5, transformation 5) and weight 1', () => {
    const method = getMethod('irg');
    expect(Object.fromEntries(method.params.map((p) => [p.name, p.default]))).toEqual({ wVertex: 0.1, wEdge: 5, wTransform: 5 });
    expect(method.defaultWeight).toBe(1);
  });

  it('matches float64 on logits and embeddings of different widths', () => {
    const student = side(151, 5, 3, false);
    const teacher = side(161, 5, 8, false);
    expectClose(irgValue(student, teacher), referenceIrg(student, teacher));
    expectClose(irgValue(student, teacher, { wVertex: 0, wEdge: 1 }), referenceIrg(student, teacher, 0, 1));
  });

  it('matches float64 in the full form: two feature layers, pooled and channel-halved transformation', () => {
    const student = side(171, 4, 3, true, 2);
    const teacher = side(181, 4, 6, true, 3);
    expectClose(irgValue(student, teacher), referenceIrg(student, teacher));
    expectClose(irgValue(student, teacher, { wVertex: 0, wEdge: 0, wTransform: 1 }), referenceIrg(student, teacher, 0, 0, 1));
  });

  it('is 0 when the student equals the teacher, and the edge term ignores the embedding scale', () => {
    const s = side(191, 4, 3, true);
    expect(irgValue(s, s)).toBeLessThan(1e-10);
    const scaled = { ...s, embedding: s.embedding.map((row) => row.map((v) => v * 4)), maps: undefined };
    expect(irgValue(scaled, { ...s, maps: undefined }, { wVertex: 0 })).toBeLessThan(1e-8);
  });

  it('splits the gradient of the max among ties, as torch does', () => {
    const x = tf.tensor1d([1, 3, 2, 3]);
    const gradient = tf.grad((v: tf.Tensor) => maxWithEvenGradient(v))(x);
    expect(Array.from(gradient.dataSync())).toEqual([0, 0.5, 0, 0.5]);
    tf.dispose([x, gradient]);
  });

  it('refuses mismatched logits, one feature layer, and unmatchable layer pairs, naming shapes', () => {
    const student = side(221, 3, 2, false);
    const teacher = side(231, 3, 2, false);
    expect(() => irgValue(student, { ...teacher, logits: randomMatrix(232, 3, 5) })).toThrow(/student logits \[3,4\] and teacher logits \[3,5\]/);
    expect(() =>
      valueOf(
        tf.tidy(() =>
          computeDistillLoss('irg', {
            ...inputsOf(student, teacher),
            studentFeatures: [tensor4d(randomNhwc(233, [3, 2, 2, 1]))],
            teacherFeatures: [tensor4d(randomNhwc(234, [3, 2, 2, 1]))],
          }),
        ),
      ),
    ).toThrow(/exactly two per network/);
    const bad: Side = { ...student, maps: [randomNhwc(235, [3, 4, 4, 2]), randomNhwc(236, [3, 2, 2, 3])] };
    expect(() => irgValue(bad, side(237, 3, 2, true))).toThrow(/IRG transformation \(student\): layer 1 \[4,4,2\] and layer 2 \[2,2,3\]/);
    expect(() => irgValue(side(238, 1, 2, false), side(239, 1, 2, false))).toThrow(/at least 2/);
  });
});
