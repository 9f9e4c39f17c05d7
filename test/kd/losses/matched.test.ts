// What a loss compares, as the matched view draws it (docs/ARCHITECTURE.md §4.6): every method's
// pictures are the loss's own quantities. Each test rebuilds the loss from the drawn values alone
// (in float64) and finds the method's compute() value, so a picture cannot show something the loss
// does not compare; AT's maps are also matched to a float64 re-implementation of the reference, and
// AFD's and UDML's pictures to the quantities their compute() takes (afdMatching,
// udmlFeatureDifferences) to 1e-5.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createLearnableParts, getMethod, METHODS, resolveParams, type DistillInputs, type MatchedPicture } from '../../../src/kd';
import { afdMatching, type AfdParts } from '../../../src/kd/losses/afd';
import { udmlFeatureDifferences } from '../../../src/kd/losses/udml';
import {
  adaptiveAvgPool,
  expectClose,
  mean,
  normalizeVector,
  randomMatrix,
  randomNhwc,
  sum,
  tensor2d,
  tensor4d,
  valueOf,
  type Nested2,
  type Nested4,
} from './lossTestKit';

type ComparedPicture = Exclude<MatchedPicture, { kind: 'layer-pairs' }>;

/** A picture's tensors read back as plain arrays. */
interface Drawn {
  kind: ComparedPicture['kind'];
  layer: ComparedPicture['layer'];
  shape: number[];
  student: number[];
  teacher: number[];
  difference: number[] | null;
}

function draw(method: string, inputs: DistillInputs, params: Record<string, number> = {}): Drawn[] {
  const spec = getMethod(method);
  const before = tf.memory().numTensors;
  const pictures = spec.matched!.pictures(inputs, resolveParams(spec, params)) as ComparedPicture[];
  expect(pictures.every((p) => p.kind !== ('layer-pairs' as string))).toBe(true);
  const tensors: tf.Tensor[] = pictures.flatMap((p): tf.Tensor[] => (p.kind === 'map' ? [p.student, p.teacher, p.difference] : [p.student, p.teacher]));
  // Nothing but the pictures' own tensors is left behind.
  expect(tf.memory().numTensors - before).toBe(tensors.length);
  const drawn = pictures.map((p) => ({
    kind: p.kind,
    layer: p.layer,
    shape: p.student.shape,
    student: Array.from(p.student.dataSync()),
    teacher: Array.from(p.teacher.dataSync()),
    difference: p.kind === 'map' ? Array.from(p.difference.dataSync()) : null,
  }));
  tf.dispose(tensors);
  return drawn;
}

/** AFD's layer-pairs picture read back: T × S grids, row-major. */
function drawLayerPairs(inputs: DistillInputs): { shape: number[]; attention: number[]; distance: number[]; weighted: number[]; captions: Record<string, string> } {
  const spec = getMethod('afd');
  const before = tf.memory().numTensors;
  const pictures = spec.matched!.pictures(inputs, resolveParams(spec, {}));
  expect(pictures).toHaveLength(1);
  const [picture] = pictures;
  if (picture.kind !== 'layer-pairs') throw new Error(`expected layer pairs, got ${picture.kind}`);
  const tensors = [picture.attention, picture.distance, picture.weighted];
  expect(tf.memory().numTensors - before).toBe(tensors.length);
  const [attention, distance, weighted] = tensors.map((t) => Array.from(t.dataSync()));
  const drawn = { shape: picture.attention.shape, attention, distance, weighted, captions: picture.captions };
  tf.dispose(tensors);
  return drawn;
}

function lossOf(method: string, inputs: DistillInputs, params: Record<string, number> = {}): number {
  const spec = getMethod(method);
  return valueOf(tf.tidy(() => spec.compute(inputs, resolveParams(spec, params))));
}

const BATCH = 3;

function inputsOf(students: Nested4[], teachers: Nested4[], extra: Partial<DistillInputs> = {}): DistillInputs {
  return {
    studentLogits: tensor2d(randomMatrix(11, BATCH, 5)),
    teacherLogits: tensor2d(randomMatrix(12, BATCH, 5)),
    labels: tf.tensor1d([0, 1, 2], 'int32'),
    studentFeatures: students.map(tensor4d),
    teacherFeatures: teachers.map(tensor4d),
    ...extra,
  };
}

function embeddingInputs(studentWidth = 6, teacherWidth = 9): DistillInputs {
  return {
    studentLogits: tensor2d(randomMatrix(11, 5, 4)),
    teacherLogits: tensor2d(randomMatrix(12, 5, 4)),
    labels: tf.tensor1d([0, 1, 2, 3, 0], 'int32'),
    studentEmbedding: tensor2d(randomMatrix(13, 5, studentWidth)),
    teacherEmbedding: tensor2d(randomMatrix(14, 5, teacherWidth)),
  };
}

const freeInputs = (inputs: DistillInputs) => {
  const { learnable, random: _random, ...tensors } = inputs;
  tf.dispose(Object.values(tensors).flat() as tf.Tensor[]);
  learnable?.dispose();
};

const REL = 1e-5;
const ABS = 1e-6;

describe('the matched view of each loss', () => {
  it('draws AT the very maps the loss takes: normalised channel means of f², at the pair’s smaller size, equal to the reference to 1e-5', () => {
    // Pair 1: the student's 6×6 map is pooled to the teacher's 3×3; pair 2: equal sizes.
    const students = [randomNhwc(1, [BATCH, 6, 6, 4]), randomNhwc(2, [BATCH, 4, 4, 3])];
    const teachers = [randomNhwc(3, [BATCH, 3, 3, 8]), randomNhwc(4, [BATCH, 4, 4, 5])];
    const inputs = inputsOf(students, teachers);
    for (const p of [2, 3]) {
      const drawn = draw('at', inputs, { p });
      expect(drawn.map((d) => [d.kind, d.layer, d.shape])).toEqual([
        ['map', 0, [BATCH, 3, 3]],
        ['map', 1, [BATCH, 4, 4]],
      ]);
      const reference = (f: Nested4, size: number) =>
        (f[0].length > size ? adaptiveAvgPool(f, size, size) : f).flatMap((sample) => normalizeVector(sample.flat().map((px) => mean(px.map((v) => v ** p)))));
      drawn.forEach((d, pair) => {
        const size = d.shape[1];
        reference(students[pair], size).forEach((v, i) => expect(Math.abs(d.student[i] - v)).toBeLessThanOrEqual(1e-5));
        reference(teachers[pair], size).forEach((v, i) => expect(Math.abs(d.teacher[i] - v)).toBeLessThanOrEqual(1e-5));
        d.difference!.forEach((v, i) => expect(v).toBeCloseTo(d.student[i] - d.teacher[i], 6));
      });
      // The loss is the sum over pairs of the mean squared difference drawn.
      expectClose(lossOf('at', inputs, { p }), sum(drawn.map((d) => mean(d.difference!.map((v) => v * v)))), REL, ABS);
    }
    freeInputs(inputs);
  });

  it('draws FitNet the regressed student feature and the teacher; the loss is the mean of the drawn residual', () => {
    const students = [randomNhwc(5, [BATCH, 4, 4, 3]), randomNhwc(6, [BATCH, 6, 6, 2])];
    const teachers = [randomNhwc(7, [BATCH, 4, 4, 5]), randomNhwc(8, [BATCH, 3, 3, 4])];
    const shapes = students.map((s, i) => ({ student: [s[0].length, s[0][0].length, s[0][0][0].length], teacher: [teachers[i][0].length, teachers[i][0][0].length, teachers[i][0][0][0].length] }));
    const inputs = inputsOf(students, teachers, { learnable: createLearnableParts('fitnet', shapes, 9)! });
    const drawn = draw('fitnet', inputs);
    expect(drawn.map((d) => d.shape)).toEqual([
      [BATCH, 4, 4],
      [BATCH, 3, 3],
    ]);
    // The teacher's side is the channel mean of the (pooled) teacher feature.
    const teacherMeans = teachers[0].flatMap((sample) => sample.flat().map((px) => mean(px)));
    teacherMeans.forEach((v, i) => expect(Math.abs(drawn[0].teacher[i] - v)).toBeLessThanOrEqual(1e-6));
    expectClose(lossOf('fitnet', inputs), sum(drawn.map((d) => mean(d.difference!))), REL, ABS);
    freeInputs(inputs);
  });

  it('draws MGD the generated feature G under the mask the loss draws from the same stream; the loss is alpha · C · the drawn residual summed / B', () => {
    const students = [randomNhwc(10, [BATCH, 4, 4, 3])];
    const teachers = [randomNhwc(11, [BATCH, 4, 4, 6])];
    const learnable = createLearnableParts('mgd', [{ student: [4, 4, 3], teacher: [4, 4, 6] }], 4)!;
    const stream = () => {
      let i = 0;
      return () => ((i++ * 0.37) % 1);
    };
    const params = { alphaMgd: 0.5, lambdaMgd: 0.4 };
    const drawn = draw('mgd', inputsOf(students, teachers, { learnable, random: stream() }), params);
    const inputs = inputsOf(students, teachers, { learnable, random: stream() });
    expectClose(lossOf('mgd', inputs, params), (0.5 * 6 * sum(drawn[0].difference!)) / BATCH, REL, ABS);
    freeInputs(inputs);
  });

  it('draws VID the regressor’s mean and the teacher; the loss is the mean of the drawn negative log-likelihood', () => {
    const students = [randomNhwc(12, [BATCH, 6, 6, 3])];
    const teachers = [randomNhwc(13, [BATCH, 3, 3, 5])];
    const inputs = inputsOf(students, teachers, { learnable: createLearnableParts('vid', [{ student: [6, 6, 3], teacher: [3, 3, 5] }], 2)! });
    const drawn = draw('vid', inputs);
    expect(drawn[0].shape).toEqual([BATCH, 3, 3]);
    expectClose(lossOf('vid', inputs), mean(drawn[0].difference!), REL, ABS);
    freeInputs(inputs);
  });

  it('draws SP the row-normalised batch Gram matrices; the loss is their mean squared difference, summed over pairs', () => {
    const inputs = inputsOf([randomNhwc(14, [BATCH, 3, 3, 2]), randomNhwc(15, [BATCH, 2, 2, 4])], [randomNhwc(16, [BATCH, 4, 4, 3]), randomNhwc(17, [BATCH, 2, 2, 2])]);
    const drawn = draw('sp', inputs);
    expect(drawn.map((d) => [d.kind, d.layer, d.shape])).toEqual([
      ['relation', 0, [BATCH, BATCH]],
      ['relation', 1, [BATCH, BATCH]],
    ]);
    // Each row of G has unit norm.
    for (let i = 0; i < BATCH; i++) expectClose(Math.hypot(...drawn[0].student.slice(i * BATCH, (i + 1) * BATCH)), 1, REL, ABS);
    const squaredGap = (d: Drawn) => mean(d.student.map((v, i) => (d.teacher[i] - v) ** 2));
    expectClose(lossOf('sp', inputs), sum(drawn.map(squaredGap)), REL, ABS);
    freeInputs(inputs);
  });

  it('draws RKD the mean-normalised distance matrices; its distance term is their smooth-L1', () => {
    const inputs = embeddingInputs();
    const drawn = draw('rkd', inputs);
    expect(drawn.map((d) => [d.layer, d.shape])).toEqual([['embedding', [5, 5]]]);
    const smoothL1 = (a: number[], b: number[]) =>
      mean(a.map((v, i) => {
        const d = Math.abs(v - b[i]);
        return d < 1 ? 0.5 * d * d : d - 0.5;
      }));
    expectClose(lossOf('rkd', inputs, { wDistance: 1, wAngle: 0 }), smoothL1(drawn[0].student, drawn[0].teacher), REL, ABS);
    freeInputs(inputs);
  });

  it('draws PKT the conditional probability matrices (rows summing to 1); the loss is KL(P_t ‖ P_s) averaged over them', () => {
    const inputs = embeddingInputs();
    const [drawn] = draw('pkt', inputs);
    for (let i = 0; i < 5; i++) expectClose(sum(drawn.student.slice(i * 5, (i + 1) * 5)), 1, REL, ABS);
    const eps = 1e-7;
    expectClose(lossOf('pkt', inputs), mean(drawn.teacher.map((t, i) => t * Math.log((t + eps) / (drawn.student[i] + eps)))), REL, ABS);
    freeInputs(inputs);
  });

  it('draws IRG the edge matrices of the embeddings and of both feature layers; its edge term is their mean squared difference', () => {
    const plain = embeddingInputs();
    const [embedding] = draw('irg', plain);
    const mse = (d: Drawn) => mean(d.student.map((v, i) => (v - d.teacher[i]) ** 2));
    expectClose(lossOf('irg', plain, { wVertex: 0, wEdge: 1, wTransform: 0 }), mse(embedding), REL, ABS);
    freeInputs(plain);

    const layered: DistillInputs = {
      ...embeddingInputs(),
      studentFeatures: [tensor4d(randomNhwc(20, [5, 4, 4, 2])), tensor4d(randomNhwc(21, [5, 2, 2, 4]))],
      teacherFeatures: [tensor4d(randomNhwc(22, [5, 4, 4, 3])), tensor4d(randomNhwc(23, [5, 2, 2, 6]))],
    };
    const drawn = draw('irg', layered);
    expect(drawn.map((d) => [d.layer, d.shape])).toEqual([
      ['embedding', [5, 5]],
      [0, [5, 5]],
      [1, [5, 5]],
    ]);
    expectClose(lossOf('irg', layered, { wVertex: 0, wEdge: 1, wTransform: 0 }), mean(drawn.map(mse)), REL, ABS);
    freeInputs(layered);
  });

  it('draws DIST the class distributions softmax(z / T) of the batch; its inter-class term correlates their rows', () => {
    const inputs = embeddingInputs();
    const temperature = 2;
    const [drawn] = draw('dist', inputs, { temperature });
    expect([drawn.layer, drawn.shape]).toEqual(['logits', [5, 4]]);
    const rows = (values: number[]): Nested2 => Array.from({ length: 5 }, (_, i) => values.slice(i * 4, (i + 1) * 4));
    const pearson = (a: number[], b: number[]) => {
      const ca = a.map((v) => v - mean(a));
      const cb = b.map((v) => v - mean(b));
      return sum(ca.map((v, i) => v * cb[i])) / (Math.hypot(...ca) * Math.hypot(...cb) + 1e-8);
    };
    const s = rows(drawn.student);
    const t = rows(drawn.teacher);
    const inter = 1 - mean(s.map((row, i) => pearson(row, t[i])));
    expectClose(lossOf('dist', inputs, { temperature, beta: 1, gamma: 0 }), temperature ** 2 * inter, REL, ABS);
    freeInputs(inputs);
  });

  it('draws AFD the attention of each teacher layer over the student layers, the distance it weighs and their product, batch means equal to afdMatching’s to 1e-5; the term is the sum of the product', () => {
    // Three layers of each network, of different sizes: the picture is T × S = 3 × 3.
    const batch = 4;
    const students = [randomNhwc(30, [batch, 4, 4, 3]), randomNhwc(31, [batch, 4, 4, 5]), randomNhwc(32, [batch, 2, 2, 4])];
    const teachers = [randomNhwc(33, [batch, 4, 4, 6]), randomNhwc(34, [batch, 2, 2, 2]), randomNhwc(35, [batch, 2, 2, 7])];
    const shapeOf = (x: Nested4) => [x[0].length, x[0][0].length, x[0][0][0].length];
    const learnable = createLearnableParts('afd', students.map((s, i) => ({ student: shapeOf(s), teacher: shapeOf(teachers[i]) })), 5) as AfdParts;
    const inputs: DistillInputs = { ...inputsOf([], []), studentFeatures: students.map(tensor4d), teacherFeatures: teachers.map(tensor4d), learnable };
    const drawn = drawLayerPairs(inputs);
    expect(drawn.shape).toEqual([3, 3]);
    const [attention, distances] = tf.tidy(() => {
      const matched = afdMatching(inputs.studentFeatures!, inputs.teacherFeatures!, learnable);
      return [matched.attention.arraySync(), matched.distances.arraySync()];
    });
    const batchMean = (per: number[][][], t: number, s: number) => mean(per.map((sample) => sample[t][s]));
    for (let t = 0; t < 3; t++) {
      for (let s = 0; s < 3; s++) {
        const at = t * 3 + s;
        expect(Math.abs(drawn.attention[at] - batchMean(attention, t, s))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(drawn.distance[at] - batchMean(distances, t, s))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(drawn.weighted[at] - mean(attention.map((sample, b) => sample[t][s] * distances[b][t][s])))).toBeLessThanOrEqual(1e-5);
      }
      expectClose(sum(drawn.attention.slice(t * 3, t * 3 + 3)), 1, REL, ABS);
    }
    expectClose(lossOf('afd', inputs), sum(drawn.weighted), REL, ABS);
    expect(drawn.captions.attention).toMatch(/teacher layer \(row\) over the student layers \(columns\)/);
    freeInputs(inputs);
  });

  it('draws UDML both students’ maps and their squared difference, equal to udmlFeatureDifferences’ to 1e-5; the distance term is the drawn cost’s mean, summed over pairs; captions name the peer', () => {
    const own = [randomNhwc(40, [BATCH, 4, 4, 3]), randomNhwc(41, [BATCH, 2, 2, 5])];
    const peer = [randomNhwc(42, [BATCH, 4, 4, 3]), randomNhwc(43, [BATCH, 2, 2, 5])];
    const inputs = inputsOf(own, peer);
    const drawn = draw('udml', inputs);
    expect(drawn.map((d) => [d.kind, d.layer, d.shape])).toEqual([
      ['map', 0, [BATCH, 4, 4]],
      ['map', 1, [BATCH, 2, 2]],
    ]);
    const differences = tf.tidy(() => udmlFeatureDifferences(inputs.studentFeatures!.map((f, i) => [f, inputs.teacherFeatures![i]] as const)).map((d) => d.arraySync() as Nested4));
    drawn.forEach((d, pair) => {
      const channelMeans = (x: Nested4) => x.flatMap((sample) => sample.flat().map((px) => mean(px)));
      channelMeans(own[pair]).forEach((v, i) => expect(Math.abs(d.student[i] - v)).toBeLessThanOrEqual(1e-5));
      channelMeans(peer[pair]).forEach((v, i) => expect(Math.abs(d.teacher[i] - v)).toBeLessThanOrEqual(1e-5));
      const cost = differences[pair].flatMap((sample) => sample.flat().map((px) => mean(px.map((v) => v * v))));
      cost.forEach((v, i) => expect(Math.abs(d.difference![i] - v)).toBeLessThanOrEqual(1e-5));
    });
    const distance = lossOf('udml', inputs, { wDistance: 1 }) - lossOf('udml', inputs, { wDistance: 0 });
    expectClose(distance, sum(drawn.map((d) => mean(d.difference!))), REL, ABS);
    const [picture] = tf.tidy(() => getMethod('udml').matched!.pictures(inputs, resolveParams(getMethod('udml'), {})));
    if (picture.kind !== 'map') throw new Error('expected a map');
    expect(picture.captions.teacher).toMatch(/^Peer/);
    expect(Object.values(picture.captions).join(' ')).not.toMatch(/teacher/i);
    tf.dispose([picture.student, picture.teacher, picture.difference]);
    freeInputs(inputs);
  });

  it('draws these methods only: the soft-label ones (KD, DKD) are shown by the soft-label explorer; NST and DML are not drawn (docs/ARCHITECTURE.md §4.6)', () => {
    const drawnIds = METHODS.filter((m) => getMethod(m.id).matched).map((m) => m.id);
    expect(drawnIds).toEqual(['dist', 'at', 'sp', 'fitnet', 'mgd', 'vid', 'afd', 'rkd', 'pkt', 'irg', 'udml']);
    for (const id of drawnIds) expect(getMethod(id).matched!.over).toBe(['at', 'fitnet', 'mgd', 'vid', 'udml'].includes(id) ? 'image' : 'batch');
  });
});
