// AFD (PaddleClas AFDLoss with its LinearTransformTeacher / LinearTransformStudent): the reference
// formula in float64 with the parts' own weights, cases worked by hand, the matched quantities
// (attention rows summing to 1, zero distance for equal maps, distances blind to the maps'
// scale, uniform attention without queries or positions) and the seeded parts. Gradients to the
// parts, the teacher's detachment and ownership are the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, createLearnableParts, getMethod, type DistillInputs, type LearnableParts } from '../../../src/kd';
import { AFD_QK_DIM, afdMatching, type AfdParts, type LinearBatchNorm } from '../../../src/kd/losses/afd';
import {
  adaptiveAvgPool,
  expectClose,
  matMul,
  mean,
  randomNhwc,
  readNested,
  softmax,
  sum,
  tensor4d,
  valueOf,
  type Nested2,
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

const afdValue = (students: Nested4[], teachers: Nested4[], learnable?: LearnableParts) =>
  valueOf(tf.tidy(() => computeDistillLoss('afd', featureInputs(students, teachers, learnable))));

const shapeOf = (x: Nested4) => [x[0].length, x[0][0].length, x[0][0][0].length];

function afdParts(students: Nested4[], teachers: Nested4[], seed = 5): AfdParts {
  return createLearnableParts('afd', students.map((s, i) => ({ student: shapeOf(s), teacher: shapeOf(teachers[i]) })), seed) as AfdParts;
}

/** The matched quantities as nested arrays, [B][T][S]. */
function matching(students: Nested4[], teachers: Nested4[], parts: AfdParts): { attention: number[][][]; distances: number[][][] } {
  const inputs = featureInputs(students, teachers);
  const { attention, distances } = afdMatching(inputs.studentFeatures!, inputs.teacherFeatures!, parts);
  const result = { attention: attention.arraySync(), distances: distances.arraySync() };
  tf.dispose([attention, distances, ...inputs.studentFeatures!, ...inputs.teacherFeatures!, inputs.studentLogits, inputs.teacherLogits, inputs.labels]);
  return result;
}

// ---------------------------------------------------------------- the reference in float64

/** f.mean(3).mean(2) on NCHW: the mean over positions, [B][C]. */
const channelMean = (x: Nested4): Nested2 => x.map((sample) => sample[0][0].map((_, c) => mean(sample.flat().map((px) => px[c]))));

/** f.pow(2).mean(1, keepdim=True): [B][H][W][1]. */
const energy = (x: Nested4): Nested4 => x.map((sample) => sample.map((row) => row.map((px) => [mean(px.map((v) => v * v))])));

/** F.normalize(v, dim) of one row. */
function normalized(v: number[]): number[] {
  const n = Math.max(Math.sqrt(sum(v.map((x) => x * x))), 1e-12);
  return v.map((x) => x / n);
}

/** nn.Linear (no bias here) then nn.BatchNorm1D in training mode: batch statistics, biased variance, eps 1e-5. */
function linearBatchNorm(x: Nested2, layer: LinearBatchNorm): Nested2 {
  const y = matMul(x, readNested<Nested2>(layer.kernel));
  const scale = readNested<number[]>(layer.scale);
  const shift = layer.shift ? readNested<number[]>(layer.shift) : scale.map(() => 0);
  const columns = y[0].map((_, j) => {
    const column = y.map((row) => row[j]);
    const m = mean(column);
    return { m, v: mean(column.map((value) => (value - m) ** 2)) };
  });
  return y.map((row) => row.map((value, j) => ((value - columns[j].m) / Math.sqrt(columns[j].v + 1e-5)) * scale[j] + shift[j]));
}

/**
 * PaddleClas' Attention.forward (ppcls/loss/afdloss.py) on the outputs of LinearTransformStudent and
 * LinearTransformTeacher (ppcls/arch/distill/afd_attention.py), NHWC here: the loss and its two
 * [B][T][S] tables.
 */
function referenceAfd(students: Nested4[], teachers: Nested4[], parts: AfdParts) {
  const batch = students[0].length;
  const [S, T, qk] = [students.length, teachers.length, AFD_QK_DIM];
  // LinearTransformTeacher: query [B][T][qk], value [T][B][HW].
  const queries = teachers.map((t, i) => linearBatchNorm(channelMean(t), parts.queries[i]));
  const teacherValues = teachers.map((t) => energy(t).map((sample) => normalized(sample.flat(2))));
  // LinearTransformStudent: key [B*S][qk] (sample-major), bilinear [B*S][qk*T], samplers per teacher size.
  const keys = students.map((s, i) => linearBatchNorm(channelMean(s), parts.keys[i]).map((row) => row.map((v) => Math.max(v, 0))));
  const stacked = Array.from({ length: batch * S }, (_, r) => keys[r % S][Math.floor(r / S)]);
  const bilinear = linearBatchNorm(stacked, parts.bilinear);
  const pT = readNested<Nested2>(parts.teacherPositions);
  const pS = readNested<Nested2>(parts.studentPositions);
  const attention = Array.from({ length: batch }, (_, b) =>
    Array.from({ length: T }, (_, t) =>
      softmax(
        Array.from({ length: S }, (_, s) => {
          let logit = 0;
          for (let q = 0; q < qk; q++) logit += bilinear[b * S + s][t * qk + q] * queries[t][b][q] + pT[t][q] * pS[s][q];
          return logit / Math.sqrt(qk);
        }),
      ),
    ),
  );
  const distances = Array.from({ length: batch }, (_, b) =>
    teachers.map((t, ti) =>
      students.map((s) => {
        const pooled = adaptiveAvgPool(energy(s), t[0].length, t[0][0].length);
        const value = normalized(pooled[b].flat(2));
        return mean(value.map((v, k) => (v - teacherValues[ti][b][k]) ** 2));
      }),
    ),
  );
  // cal_diff: (diff * att).sum(1).mean() per teacher layer, summed.
  const loss = sum(Array.from({ length: T }, (_, t) => mean(Array.from({ length: batch }, (_, b) => sum(attention[b][t].map((a, s) => a * distances[b][t][s]))))));
  return { loss, attention, distances };
}

function expectNestedClose(actual: number[][][], expected: number[][][]): void {
  actual.flat(2).forEach((value, i) => expectClose(value, expected.flat(2)[i]));
}

describe('afd', () => {
  it('is a feature method without knobs, PaddleClas weight 50, every block of the lab\'s networks and at least two pairs', () => {
    const method = getMethod('afd');
    expect(method.params).toEqual([]);
    expect(method.defaultWeight).toBe(50);
    expect(method.mixing).toBe('additive');
    expect(method.layers).toEqual({ reads: 'features', defaultBlocks: 3, minPairs: 2 });
  });

  it('matches the reference in float64 with the parts\' weights: loss, attention and distances (two and three pairs, pooled sizes)', () => {
    const students = [randomNhwc(701, [4, 8, 8, 3], 1, true), randomNhwc(702, [4, 4, 4, 5], 1, true), randomNhwc(703, [4, 2, 2, 6])];
    const teachers = [randomNhwc(704, [4, 4, 4, 4], 2, true), randomNhwc(705, [4, 4, 4, 2]), randomNhwc(706, [4, 2, 2, 7], 1, true)];
    for (const count of [2, 3]) {
      const s = students.slice(0, count);
      const t = teachers.slice(0, count);
      const parts = afdParts(s, t, 11 + count);
      const expected = referenceAfd(s, t, parts);
      expectClose(afdValue(s, t, parts), expected.loss);
      const drawn = matching(s, t, parts);
      expectNestedClose(drawn.attention, expected.attention);
      expectNestedClose(drawn.distances, expected.distances);
      parts.dispose();
    }
  });

  it('gives the hand-computed values: one pair is a plain attention-map distance; equal student maps make the attention irrelevant', () => {
    // Energies [1,0,0,0] and [0,0,0,4], normalised [1,0,0,0] and [0,0,0,1]: mean squared difference (1 + 1) / 4.
    const student = [[[[1], [0]], [[0], [0]]]];
    const teacher = [[[[0], [0]], [[0], [2]]]];
    expectClose(afdValue([student], [teacher]), 0.5);
    // Two student layers with the same normalised energy ([2,0,0,0] normalises as [1,0,0,0] does):
    // every attention gives 0.5 for the 2x2 teacher and 0 for the 1x1 one (both pool to [1]).
    const wider = [[[[2, 0], [0, 0]], [[0, 0], [0, 0]]]];
    const single = [[[[3]]]];
    for (const seed of [1, 2]) {
      const parts = afdParts([student, wider], [teacher, single], seed);
      expectClose(afdValue([student, wider], [teacher, single], parts), 0.5);
      parts.dispose();
    }
  });

  it('weighs every pair by an attention whose rows sum to 1; the loss is their weighted distance summed over teacher layers, averaged over the batch', () => {
    const students = [randomNhwc(711, [3, 4, 4, 2]), randomNhwc(712, [3, 2, 2, 4])];
    const teachers = [randomNhwc(713, [3, 4, 4, 3]), randomNhwc(714, [3, 2, 2, 6])];
    const parts = afdParts(students, teachers);
    const { attention, distances } = matching(students, teachers, parts);
    for (const row of attention.flat()) {
      expectClose(sum(row), 1, 1e-6, 1e-6);
      for (const a of row) expect(a).toBeGreaterThan(0);
    }
    const weighted = sum(attention.flat(2).map((a, i) => a * distances.flat(2)[i])) / 3;
    expectClose(afdValue(students, teachers, parts), weighted);
    parts.dispose();
  });

  it('has zero distance where a student layer is the teacher layer, and distances blind to either network\'s scale', () => {
    const maps = [randomNhwc(721, [2, 4, 4, 3]), randomNhwc(722, [2, 2, 2, 5])];
    const parts = afdParts(maps, maps);
    const same = matching(maps, maps, parts);
    for (const sample of same.distances) for (let t = 0; t < 2; t++) expect(Math.abs(sample[t][t])).toBeLessThan(1e-6);
    expect(afdValue(maps, maps, parts)).toBeGreaterThan(0); // the attention also weighs the other layer
    const students = [randomNhwc(723, [2, 4, 4, 3]), randomNhwc(724, [2, 2, 2, 5])];
    const scaled = (x: Nested4, c: number) => x.map((s) => s.map((r) => r.map((px) => px.map((v) => v * c))));
    const plain = matching(students, maps, parts).distances;
    const rescaled = matching(students.map((s) => scaled(s, 3)), maps.map((t) => scaled(t, 0.5)), parts).distances;
    expectNestedClose(rescaled, plain);
    parts.dispose();
  });

  it('attends uniformly when the queries and the positions are zero: the loss is then the mean distance over student layers', () => {
    const students = [randomNhwc(731, [3, 4, 4, 2]), randomNhwc(732, [3, 2, 2, 4])];
    const teachers = [randomNhwc(733, [3, 2, 2, 3]), randomNhwc(734, [3, 4, 4, 6])];
    const parts = afdParts(students, teachers);
    for (const variable of [parts.teacherPositions, parts.studentPositions, ...parts.queries.flatMap((q) => [q.scale, q.shift!])]) {
      tf.tidy(() => variable.assign(tf.zerosLike(variable)));
    }
    const { attention, distances } = matching(students, teachers, parts);
    for (const a of attention.flat(2)) expectClose(a, 0.5, 1e-6, 1e-7);
    const expected = sum([0, 1].map((t) => mean(distances.map((sample) => mean(sample[t])))));
    expectClose(afdValue(students, teachers, parts), expected);
    parts.dispose();
  });

  it('builds its parts from the seed in the reference\'s order: keys, bilinear map (no shift), queries, p_t, p_s', () => {
    const students = [randomNhwc(741, [2, 4, 4, 3]), randomNhwc(742, [2, 2, 2, 5])];
    const teachers = [randomNhwc(743, [2, 4, 4, 4]), randomNhwc(744, [2, 2, 2, 6])];
    const parts = afdParts(students, teachers, 9);
    const qk = AFD_QK_DIM;
    expect(parts.variables.map((v) => v.shape)).toEqual([
      [3, qk], [qk], [qk],
      [5, qk], [qk], [qk],
      [qk, 2 * qk], [2 * qk],
      [4, qk], [qk], [qk],
      [6, qk], [qk], [qk],
      [2, qk],
      [2, qk],
    ]);
    expect(parts.bilinear.shift).toBeNull();
    expect(Array.from(parts.keys[0].scale.dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(parts.queries[1].shift!.dataSync()).every((v) => v === 0)).toBe(true);
    // torch's Linear init U(-1/sqrt(fan_in), 1/sqrt(fan_in)); xavier_normal std sqrt(2 / (2 + 128)).
    expect(Math.max(...Array.from(parts.keys[1].kernel.dataSync()).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(5));
    const positions = [...parts.teacherPositions.dataSync(), ...parts.studentPositions.dataSync()];
    const std = Math.sqrt(mean(positions.map((v) => v * v)));
    expect(std).toBeGreaterThan(0.8 * Math.sqrt(2 / 130));
    expect(std).toBeLessThan(1.2 * Math.sqrt(2 / 130));
    const again = afdParts(students, teachers, 9);
    const other = afdParts(students, teachers, 10);
    parts.variables.forEach((v, i) => expect(Array.from(again.variables[i].dataSync())).toEqual(Array.from(v.dataSync())));
    expect(Array.from(other.teacherPositions.dataSync())).not.toEqual(Array.from(parts.teacherPositions.dataSync()));
    [parts, again, other].forEach((p) => p.dispose());
  });

  it('refuses parts built for other channel counts, naming both shapes', () => {
    const parts = afdParts([randomNhwc(751, [2, 2, 2, 3])], [randomNhwc(752, [2, 2, 2, 3])]);
    expect(() => afdValue([randomNhwc(753, [2, 2, 2, 3])], [randomNhwc(754, [2, 2, 2, 4])], parts)).toThrow(
      /AFD pair 1: the key and query layers take 3 and 3 channels, got student \[2,2,3\] and teacher \[2,2,4\]/,
    );
    parts.dispose();
  });
});
